// oclif's path (scripts/bundle.js: oclif.cjs, lazy requires, help without ejs) must
// print what it printed before it was made lean: every command's help, the completion scripts and
// usage errors, byte for byte, against oclif-path.golden.json — captured from main's build before
// the change (983ea29). The root of the package and Node's version/platform (the VERSION section)
// are placeholders. After a deliberate change of these texts: PCSC_GOLDEN_WRITE=1 rewrites the file
// from the current build (then review its diff). Also: help loads no command class.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, pcsc, requireBuild, ROOT } from '../helpers/cli.js';

const GOLDEN = join(import.meta.dirname, 'oclif-path.golden.json');
const TRACE = join(import.meta.dirname, '..', 'helpers', 'module-trace.mjs');

const COMMANDS = ['apdu', 'atr', 'clients', 'completion', 'doctor', 'proxy', 'scan', 'spy', 'ssh-check'];
const MORE = ['udev-check', 'version', 'ssh-agent-provider-check'];
/** Command lines that never reach pcscd: their output depends only on the build. */
const LINES: string[][] = [
  ['--help'],
  ['-h'],
  ['help'],
  [],
  ...[...COMMANDS, ...MORE].map((c) => [c, '--help']),
  ['help', 'scan'],
  ['scan', '-h'],
  ['completion', 'bash'],
  ['completion', 'zsh'],
  ['completion', 'fish'],
  ['nosuch'],
  ['scna'],
  ['--jsno'],
  ['nosuch', '--json'],
  ['help', 'nosuch'],
  ['scan', '--jsno', '--json'],
  ['apdu', '--nosuchflag'],
  ['apdu', '-r', '0', '0084000008'],
  ['scan', '-t', 'x'],
  ['scan', '-r', '-c'],
  ['atr', 'zz'],
  ['apdu', '--share', 'bogus', '00'],
];

interface Golden {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir = '';
beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'pcsc-oclif-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The package root, Node's version and the platform as placeholders. */
function normal(text: string): string {
  return text
    .replaceAll(ROOT, '<root>')
    .replaceAll(`node-${process.version}`, 'node-<version>')
    .replaceAll(`${process.platform}-${process.arch}`, '<platform>-<arch>');
}

async function run(args: string[]): Promise<Golden> {
  const r = await pcsc(args, { env: cleanEnv(dir, { SHELL: '/bin/bash', PCSCLITE_CSOCK_NAME: join(dir, 'none') }) });
  return { args, code: r.code, stdout: normal(r.stdout), stderr: normal(r.stderr) };
}

describe("oclif's path prints what it printed before", () => {
  if (process.env.PCSC_GOLDEN_WRITE) {
    it('writes the golden file from this build', async () => {
      const all: Golden[] = [];
      for (const args of LINES) all.push(await run(args));
      writeFileSync(GOLDEN, JSON.stringify(all, null, 1) + '\n');
    });
    return;
  }
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden[];

  it('has every command line', () => {
    expect(golden.map((g) => g.args)).toEqual(LINES);
    expect(golden.filter((g) => g.code === 0).length).toBeGreaterThan(15);
    expect(golden.filter((g) => g.code === 2).length).toBeGreaterThan(8);
  });

  it.each(golden.map((g) => [g.args.join(' '), g] as const))('pcsc %s', async (_, g) => {
    expect(await run(g.args)).toEqual(g);
  });
});

describe("oclif's help loads no command", () => {
  it.each([['--help'], ['scan', '--help'], ['help', 'apdu']])('pcsc %s', async (...args) => {
    const trace = join(dir, `trace-${args.join('-')}`);
    const r = await pcsc(args, { env: cleanEnv(dir, { MODULE_TRACE: trace }), node: ['--import', TRACE] });
    expect(r.code).toBe(0);
    const loaded = readFileSync(trace, 'utf8');
    // The entry, oclif.cjs and (Node.js < 22.1) the code cache's file: no command body, no doctor.
    const bundle = loaded
      .split('\n')
      .filter((l) => l.includes('/dist/bundle/'))
      .map((l) => l.replace(/^.*\/dist\/bundle\//, ''));
    expect([...new Set(bundle)].filter((f) => f !== 'code-cache.cjs').sort()).toEqual(['oclif.cjs', 'pcsc.cjs']);
  });
});
