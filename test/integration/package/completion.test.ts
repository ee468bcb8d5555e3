// `pcsc completion bash|zsh` from the built CLI: the bash script completes every command, alias, flag
// and enumerated value of the real manifest (run in bash with COMP_WORDS); the zsh script parses and loads.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands, pcsc, requireTools, run, visibleFlags, zshComplete, type ManifestCommand } from './helpers.js';

const cmds = commands();
/** doctor's check ids and categories, as `pcsc doctor --list --json` gives them. */
const checks = (() => {
  const list = JSON.parse(pcsc(['doctor', '--list', '--json']).stdout) as {
    checks: { id: string; category: string }[];
  };
  return { ids: list.checks.map((c) => c.id), categories: [...new Set(list.checks.map((c) => c.category))] };
})();
let dir = '';
let bashFile = '';
let zshFile = '';

beforeAll(() => {
  requireTools({ bash: 'bash', zsh: 'zsh' });
  dir = mkdtempSync(join(tmpdir(), 'pcsc-completion-'));
  for (const shell of ['bash', 'zsh'] as const) {
    const r = pcsc(['completion', shell]);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(dir, shell === 'bash' ? 'pcsc.bash' : '_pcsc'), r.stdout);
  }
  bashFile = join(dir, 'pcsc.bash');
  zshFile = join(dir, '_pcsc');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What bash offers for the last word of `pcsc WORDS…` (COMP_WORDS as bash splits the line). */
function complete(...words: string[]): string[] {
  const script = `source "$1"; shift; COMP_WORDS=(pcsc "$@"); COMP_CWORD=$#; _pcsc; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = run('bash', ['--norc', '--noprofile', '-c', script, 'bash', bashFile, ...words]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('bash completion', () => {
  it('is valid bash and registers _pcsc for pcsc', () => {
    expect(run('bash', ['-n', bashFile]).code).toBe(0);
    expect(run('bash', ['--norc', '-c', 'source "$1"; complete -p pcsc', 'bash', bashFile]).stdout).toMatch(
      /-F _pcsc pcsc\s*$/,
    );
  });

  it('completes every command and alias, and only those matching what is typed', () => {
    const all = complete('');
    for (const c of cmds)
      for (const name of [c.id, ...c.aliases]) {
        expect(all).toContain(name);
        expect(complete(name.slice(0, 2))).toContain(name);
        expect(complete(name)).toContain(name);
      }
    expect(complete('zz-no-such')).toEqual([]);
  });

  describe.each(cmds.map((c) => [c.id, c] as [string, ManifestCommand]))('pcsc %s', (id, cmd) => {
    const flags = visibleFlags(cmd);
    const names = [id, ...cmd.aliases];

    it('completes each of its flags, long and short, under the command and its aliases', () => {
      for (const name of names) {
        const offered = complete(name, '-');
        for (const f of flags) {
          expect(offered).toContain(`--${f.name}`);
          if (f.char) expect(offered).toContain(`-${f.char}`);
          expect(complete(name, `--${f.name}`)).toContain(`--${f.name}`);
        }
        expect(complete(name, '--zz-no-such')).toEqual([]);
      }
    });

    it('completes the values of enumerated flags (--flag VALUE, --flag=VALUE, -c VALUE) and arguments', () => {
      for (const f of flags.filter((x) => x.type === 'option' && x.name !== 'reader')) {
        const values = [
          ...(f.options ?? (cmd.completeFlags?.[f.name] === 'categories' ? checks.categories : [])),
        ].sort();
        expect(complete(id, `--${f.name}`, '')).toEqual(values); // none: bash falls back to file names
        expect(complete(id, `--${f.name}`, '=', '')).toEqual(values);
        if (f.char) expect(complete(id, `-${f.char}`, '')).toEqual(values);
        for (const v of values) expect(complete(id, `--${f.name}`, v.slice(0, 1))).toContain(v);
      }
      const argValues =
        Object.values(cmd.args).find((a) => a.options)?.options ??
        (cmd.completeArgs === 'checks' ? [...checks.ids, ...checks.categories] : undefined);
      if (argValues) expect(complete(id, '')).toEqual([...new Set(argValues)].sort());
      else if (Object.keys(cmd.args).length > 0 || cmd.strict === false) expect(complete(id, '')).toEqual([]);
      else
        expect(complete(id, '')).toEqual(
          flags.flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]).sort(),
        );
    });
  });
});

describe('zsh completion', () => {
  it('parses (zsh -n)', () => {
    const r = run('zsh', ['-n', zshFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('registers _pcsc when sourced and when autoloaded from $fpath', () => {
    const sourced = run('zsh', [
      '-f',
      '-c',
      'autoload -U compinit; compinit -u -D; source "$1"; print -r -- "$_comps[pcsc]"',
      'zsh',
      zshFile,
    ]);
    expect(sourced.stderr).toBe('');
    expect(sourced.stdout.trim()).toBe('_pcsc');
    const autoloaded = run('zsh', [
      '-f',
      '-c',
      'fpath=("$1" $fpath); autoload -U compinit; compinit -u -D; print -r -- "$_comps[pcsc]"',
      'zsh',
      dir,
    ]);
    expect(autoloaded.stderr).toBe('');
    expect(autoloaded.stdout.trim()).toBe('_pcsc');
  });

  it('completes commands, aliases, every flag and enumerated values in an interactive zsh (zpty)', () => {
    const cases: [line: string, expected: string[]][] = [
      ['pcsc ', [...cmds.flatMap((c) => [c.id, ...c.aliases]), 'help']],
      ['pcsc help ', cmds.flatMap((c) => [c.id, ...c.aliases])],
    ];
    for (const c of cmds) {
      const flags = visibleFlags(c);
      if (flags.length) cases.push([`pcsc ${c.id} -`, flags.map((f) => `--${f.name}`)]);
      for (const f of flags.filter((x) => x.options?.length))
        cases.push([`pcsc ${c.id} --${f.name} `, f.options ?? []]);
      if (c.completeFlags?.category === 'categories') cases.push([`pcsc ${c.id} --category `, checks.categories]);
      if (c.completeArgs === 'checks')
        cases.push([`pcsc ${c.id} pcscd.`, checks.ids.filter((i) => i.startsWith('pcscd.'))]);
    }
    const listed = zshComplete(
      dir,
      cases.map(([line]) => line),
    );
    const esc = (w: string): string => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    cases.forEach(([line, expected], i) => {
      // A word of the listing; the line zsh redraws after it may follow with no space. A single
      // candidate is not listed but inserted: the rest of it after what was typed shows in the redraw.
      const typed = line.slice(line.lastIndexOf(' ') + 1);
      const missing = expected.filter(
        (w) =>
          !new RegExp(`(^|\\s)${esc(w)}(?=\\s|$|pcsc )`).test(listed[i] ?? '') &&
          !(expected.length === 1 && w.startsWith(typed) && (listed[i] ?? '').includes(w.slice(typed.length) + ' ')),
      );
      expect(missing, `zsh listed for "${line}<TAB>":\n${listed[i]}`).toEqual([]);
    });
  });

  it('names every command, alias and flag', () => {
    const text = readFileSync(zshFile, 'utf8');
    for (const c of cmds) {
      expect(text).toContain(`'${c.id}:`);
      for (const a of c.aliases) expect(text).toContain(`'${a}:`);
      for (const f of visibleFlags(c)) expect(text).toContain(`--${f.name}`);
    }
  });
});

describe('--json', () => {
  it('gives {shell, script}, the script being exactly what is printed without --json', () => {
    for (const shell of ['bash', 'zsh'] as const) {
      const r = pcsc(['completion', shell, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { shell: string; script: string };
      expect(j.shell).toBe(shell);
      expect(j.script + '\n').toBe(readFileSync(shell === 'bash' ? bashFile : zshFile, 'utf8'));
    }
  });
});
