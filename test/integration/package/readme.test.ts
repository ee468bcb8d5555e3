// README.md stays true: its examples marked `<!-- example -->` run against the built CLI and a
// private pcscd with two virtual readers, and its command list, exit codes and links match the code.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { startRig, type Rig } from '../../rig/rig.js';
import { BIN, commands, ROOT, run } from './helpers.js';

/** What the README shows for the socket the examples really use. */
const SHOWN_SOCKET = '/run/pcscd/pcscd.comm';
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Step {
  command: string;
  output: string[];
  line: number;
}

/** The `$ command` lines of each ```console block preceded by `<!-- example -->`, with the output shown after each. */
function examples(md: string): Step[][] {
  const blocks: Step[][] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '<!-- example -->') continue;
    if (lines[i + 1] !== '```console')
      throw new Error(`README.md:${i + 1}: <!-- example --> must be followed by a \`\`\`console block`);
    const steps: Step[] = [];
    for (let j = i + 2; lines[j] !== '```'; j++) {
      const l = lines[j];
      if (l === undefined) throw new Error(`README.md:${i + 2}: unterminated block`);
      if (l.startsWith('$ ')) steps.push({ command: l.slice(2), output: [], line: j + 1 });
      else if (steps.length === 0) throw new Error(`README.md:${j + 1}: output before the first $ command`);
      else steps[steps.length - 1]?.output.push(l);
    }
    blocks.push(steps);
  }
  return blocks;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `…` alone on a line stands for any lines; inside a line, for any text. */
function shownMatches(shown: string[], actual: string): boolean {
  const re = shown
    .map((l) => (l.trim() === '…' ? '(?:.*\\n)*?' : `${l.split('…').map(escapeRe).join('.*')}\\n`))
    .join('');
  return new RegExp(`^${re}$`).test(actual);
}

function asJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

let rig: Rig | undefined;
let T = '';
let env: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  commands(); // fails clearly when the CLI is not built
  rig = await startRig({ insert: [] });
  T = mkdtempSync(join(tmpdir(), 'pcsc-readme-'));
  for (const d of ['bin', 'home', 'work', 'cache']) mkdirSync(join(T, d));
  writeFileSync(join(T, 'bin/pcsc'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(T, 'bin/pcsc'), 0o755);
  env = {
    PATH: `${join(T, 'bin')}:${process.env.PATH}`,
    HOME: join(T, 'home'),
    XDG_CACHE_HOME: join(T, 'cache'),
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
    PCSCLITE_CSOCK_NAME: rig.socket,
  };
}, 60_000);

afterAll(async () => {
  await rig?.stop();
  if (T) rmSync(T, { recursive: true, force: true });
});

const blocks = examples(README);

describe('README examples', () => {
  it('are there to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((b) => [b[0]?.line ?? 0, b] as [number, Step[]]))(
    'block at line %i prints what it shows',
    (_line, steps) => {
      for (const step of steps) {
        const command = step.command.replaceAll(SHOWN_SOCKET, rig!.socket);
        const r = run('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', `exec 2>&1\n${command}`], {
          env,
          cwd: join(T, 'work'),
        });
        const actual = r.stdout.replaceAll(rig!.socket, SHOWN_SOCKET);
        const where = `README.md:${step.line}: $ ${step.command}\n--- shown\n${step.output.join('\n')}\n--- printed\n${actual}`;
        expect(r.code, where).toBe(0);
        const shownJson = asJson(step.output.join('\n'));
        if (shownJson !== undefined && step.output.length > 0) expect(asJson(actual), where).toEqual(shownJson);
        else expect(shownMatches(step.output, actual), where).toBe(true);
      }
    },
  );
});

/**
 * Every code block and what checks it: `<!-- example -->` (run above), or `<!-- checked by: FILE… -->`
 * naming the tests that run what it shows where this test cannot (an npm install, sudo, a real USB
 * reader, a machine in a given broken state, a timing).
 */
function blockMarks(md: string): { line: number; mark: string; text: string }[] {
  const lines = md.split('\n');
  const out: { line: number; mark: string; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^ *```(console|sh|bash)$/.test(lines[i] ?? '')) continue;
    const end = lines.findIndex((l, j) => j > i && /^ *```$/.test(l));
    out.push({ line: i + 1, mark: (lines[i - 1] ?? '').trim(), text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

describe('README code blocks', () => {
  const marked = blockMarks(README);

  it('every one is run here or names the tests that check it', () => {
    expect(marked.length).toBeGreaterThan(blocks.length);
    const bare = marked.filter((b) => !/^<!-- (example|checked by: \S.*) -->$/.test(b.mark)).map((b) => b.line);
    expect(bare, 'README.md lines of code blocks with neither <!-- example --> nor <!-- checked by: … -->').toEqual([]);
  });

  it('the tests named exist and run the pcsc commands the block shows', () => {
    for (const b of marked.filter((x) => x.mark.startsWith('<!-- checked by:'))) {
      const files = b.mark.replace(/^<!-- checked by: (.*) -->$/, '$1').split(/,\s*/);
      const texts = files.map((f) => {
        expect(existsSync(join(ROOT, f)), `README.md:${b.line}: ${f}`).toBe(true);
        return readFileSync(join(ROOT, f), 'utf8');
      });
      for (const m of b.text.matchAll(/^\s*\$ (?:\S+=\S+ |sudo )*pcsc ([a-z-]+)/gm))
        expect(
          texts.some((t) => t.includes(`'${m[1]}'`) || t.includes(`pcsc ${m[1]}`)),
          `README.md:${b.line}: ${files.join(', ')} never runs pcsc ${m[1]}`,
        ).toBe(true);
    }
  });
});

describe('README facts', () => {
  it('lists every command in the Commands table', () => {
    const table = /^## Commands\n([\s\S]*?)\n\n/m.exec(README)?.[1] ?? '';
    for (const c of commands())
      expect(table, `README "## Commands" lacks pcsc ${c.id}`).toMatch(
        new RegExp(`^\\| \`pcsc ${escapeRe(c.id)}[ \`]`, 'm'),
      );
  });

  it('shows at least one example of every command (`$ pcsc ID …`)', () => {
    for (const c of commands()) {
      const names = [c.id, ...c.aliases, `--${c.id}`].map(escapeRe).join('|');
      expect(README, `README.md has no "$ pcsc ${c.id} …" example`).toMatch(
        new RegExp(`^\\$ (?:\\S+=\\S+ )*pcsc (?:${names})(?: |$)`, 'm'),
      );
    }
  });

  it('has the exit-code table of src/cli/exit-codes.ts', () => {
    const table = /^### Exit codes\n([\s\S]*?)\n\n/m.exec(README)?.[1] ?? '';
    const codes = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(codes).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });

  it('links only to files that exist', () => {
    const links = [...README.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1] as string)
      .filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((l) => !existsSync(join(dirname(join(ROOT, 'README.md')), l)))).toEqual([]);
  });
});
