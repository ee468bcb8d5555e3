// man/: one page per command of the built manifest, each rendering without a warning and showing the
// command's flags, examples, exit codes, environment and files; package.json "man" installs them all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { atrListSearchPath } from '../../../src/core/atr-list/list.js';
import { commands, requireTools, ROOT, run, visibleFlags, type ManifestCommand } from './helpers.js';

const MAN = join(ROOT, 'man');
const page = (id: string): string => join(MAN, `pcsc-${id.replace(/[: ]/g, '-')}.1`);
const squash = (s: string): string => s.replace(/\s+/g, ' ');
/** The CLI's one exit-code table: pcsc(1) and pages of commands that declare no codes of their own show it. */
const GLOBAL_EXIT = Object.values(ExitCode).map(String);

/** man's rendering of a page as plain text, and whatever it (or groff) warned about. */
function render(file: string): { text: string; warnings: string } {
  const env = {
    ...process.env,
    LC_ALL: 'C.UTF-8',
    MANWIDTH: '80',
    MAN_KEEP_FORMATTING: '',
    MANPAGER: 'cat',
    PAGER: 'cat',
  };
  const man = run('man', ['--warnings', '-l', file], { env });
  const groff = run('groff', ['-ww', '-z', '-man', file], { env: { ...env, LC_ALL: 'C' } });
  expect(man.code, man.stderr).toBe(0);
  return { text: man.stdout, warnings: man.stderr + groff.stderr };
}

function section(text: string, title: string): string {
  const m = new RegExp(`^${title}\\n([\\s\\S]*?)(?=^[A-Z][A-Z ]+\\n|(?![\\s\\S]))`, 'm').exec(text);
  return m?.[1] ?? '';
}

const cmds = commands();

beforeAll(() => requireTools({ man: 'man-db', groff: 'groff-base' }));

describe('pcsc(1)', () => {
  it('renders without warnings and lists every command, the exit codes and the environment', () => {
    const { text, warnings } = render(join(MAN, 'pcsc.1'));
    expect(warnings).toBe('');
    const list = squash(section(text, 'COMMANDS'));
    for (const c of cmds) expect(list).toContain(`pcsc ${c.id} `);
    const exit = section(text, 'EXIT STATUS');
    expect(
      [...exit.matchAll(/^ {7}(\d+) /gm)].map((m) => m[1]),
      "pcsc(1) shows README.md's exit-code table (scripts/man.js reads it), which must match src/cli/exit-codes.ts",
    ).toEqual(GLOBAL_EXIT);
    expect(section(text, 'ENVIRONMENT')).toMatch(/PCSCLITE_CSOCK_NAME[\s\S]*NO_COLOR/);
    expect(text).toMatch(/--version \[--verbose\]/);
  });
});

describe.each(cmds.map((c) => [c.id, c] as [string, ManifestCommand]))('pcsc-%s(1)', (id, cmd) => {
  it('exists and renders without warnings', () => {
    expect(existsSync(page(id)), `${page(id)} (npm run build writes it)`).toBe(true);
    expect(render(page(id)).warnings).toBe('');
  });

  it('shows its name, every flag and enumerated value, and every example as typed', () => {
    const { text } = render(page(id));
    expect(squash(section(text, 'NAME'))).toContain(`pcsc-${id}`);
    const options = squash(section(text, 'OPTIONS'));
    for (const f of visibleFlags(cmd)) {
      expect(options).toContain(`--${f.name}`);
      if (f.char) expect(options).toContain(`-${f.char}, --${f.name}`);
      for (const v of f.options ?? []) expect(options).toContain(v);
    }
    const examples = section(text, 'EXAMPLES');
    for (const e of cmd.examples ?? []) {
      const command = (typeof e === 'string' ? e : e.command).replace(/<%= config\.bin %>/g, 'pcsc');
      expect(examples).toContain(command);
    }
    for (const a of cmd.aliases) expect(squash(section(text, 'DESCRIPTION'))).toContain(`pcsc ${a}`);
  });

  it('shows its exit codes, environment and files', () => {
    const { text } = render(page(id));
    const exit = squash(section(text, 'EXIT STATUS'));
    for (const [code, what] of Object.entries(cmd.exitCodes ?? {})) expect(exit).toContain(`${code} ${squash(what)}`);
    if (!cmd.exitCodes) for (const code of GLOBAL_EXIT) expect(exit).toMatch(new RegExp(`(^| )${code} `));
    const env = squash(section(text, 'ENVIRONMENT'));
    expect(env).toContain('NO_COLOR');
    if (cmd.flags.socket) expect(env).toContain('PCSCLITE_CSOCK_NAME');
    for (const name of Object.keys(cmd.environment ?? {})) expect(env).toContain(name);
    const files = squash(section(text, 'FILES'));
    if (cmd.flags.socket) expect(files).toContain('/run/pcscd/pcscd.comm');
    for (const [name, what] of Object.entries(cmd.files ?? {})) expect(files).toContain(`${name} ${squash(what)}`);
    const seeAlso = squash(section(text, 'SEE ALSO'));
    for (const s of ['pcsc(1)', ...(cmd.seeAlso ?? [])]) expect(seeAlso).toContain(s);
  });

  it.each(cmd.aliases)("alias %s has a page that man -l renders as the command's own, without warnings", (alias) => {
    const shown = render(page(alias));
    expect(shown.warnings).toBe('');
    expect(shown.text).toBe(render(page(id)).text);
  });
});

describe.each(['scan', 'atr'])('pcsc-%s(1) FILES', (id) => {
  it('names every place the ATR list is searched, in the order it is searched', () => {
    const files = squash(section(render(page(id)).text, 'FILES'));
    const paths = atrListSearchPath({ HOME: '/HOME', XDG_CACHE_HOME: '/XDG' }).map((p) =>
      p.replace(/^\/XDG/, '$XDG_CACHE_HOME').replace(/^\/HOME/, '~'),
    );
    const at = paths.map((p) => files.indexOf(p));
    expect(
      at.every((i) => i >= 0),
      `${paths.join(', ')} in FILES: ${files}`,
    ).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
  });
});

describe('package.json "man"', () => {
  it('names exactly the generated pages, so npm installs every one', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man?: string[] };
    const generated = readdirSync(MAN)
      .filter((f) => f.endsWith('.1'))
      .map((f) => `./man/${f}`)
      .sort();
    const expected = [
      './man/pcsc.1',
      ...cmds.flatMap((c) => [c.id, ...c.aliases]).map((id) => `./man/pcsc-${id}.1`),
    ].sort();
    expect(generated).toEqual(expected);
    expect(
      [...(pkg.man ?? [])].sort(),
      'add the missing pages to package.json "man" (npm run build prints the list)',
    ).toEqual(expected);
  });
});
