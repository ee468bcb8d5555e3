// Usage errors oclif raises before any command runs, or with several lines, through the built CLI:
// like every other usage error (README "Output"), one `pcsc:` line on stderr, or the --json error
// object, and exit 2.
import { beforeAll, describe, expect, it } from 'vitest';
import { pcsc, requireBuild } from '../helpers/cli.js';
import { commands } from './package/helpers.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };

beforeAll(() => requireBuild());

describe.concurrent('usage errors outside a command', () => {
  it.each([
    [['nosuch'], /^pcsc: unknown command "nosuch"; commands: apdu, .*\bversion\b.*\n$/],
    [['scna', '-r'], /^pcsc: unknown command "scna"; did you mean scan\? \(pcsc --help lists the commands\)\n$/],
    [['help', 'scna'], /^pcsc: unknown command "scna"; did you mean scan\?/],
    [['doctr'], /^pcsc: unknown command "doctr"; did you mean doctor\?/],
    [
      ['scan', '--jsno'],
      /^pcsc: unknown flag --jsno for pcsc scan; did you mean --json\? \(pcsc scan --help lists its flags\)\n$/,
    ],
    [['doctor', 'pcscd.protocl'], /^pcsc: unknown check or category "pcscd\.protocl"; did you mean pcscd\.protocol\? /],
    [['doctor', '--verbsoe'], /^pcsc: unknown flag --verbsoe for pcsc doctor; did you mean --verbose\?/],
    [['scan', '--zzzzzz'], /^pcsc: unknown flag --zzzzzz for pcsc scan \(pcsc scan --help lists its flags\)\n$/],
    [['--verbose'], /^pcsc: --verbose is not a command or a global flag .*--version \[--verbose\]/],
  ])('pcsc %j: one line, exit 2', async (args, line) => {
    const r = await pcsc(args, { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(line);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('with --json: the error object on stdout, exit 2', async () => {
    const r = await pcsc(['nosuch', '--json'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: 'EUSAGE', name: 'USAGE', message: expect.stringMatching(/^unknown command "nosuch"/) },
    });
  });

  it('a missing argument names it on the one line', async () => {
    const r = await pcsc(['ssh-check'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'pcsc: Missing 1 required arg: provider the provider path, exactly as you would give it to ssh-add -s\n',
    );
  });

  it('completion without a shell takes the login shell, else says which to name', async () => {
    const zsh = await pcsc(['completion'], { env: { ...env, SHELL: '/usr/bin/zsh' } });
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef pcsc\n/);
    const bash = await pcsc(['completion', '--json'], { env: { ...env, SHELL: '/bin/bash' } });
    expect(JSON.parse(bash.stdout)).toMatchObject({ shell: 'bash' });
    for (const shell of ['/usr/bin/fish', undefined]) {
      const r = await pcsc(['completion'], { env: { ...env, ...(shell ? { SHELL: shell } : {}) } });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `pcsc: which shell? $SHELL is ${shell ? `"${shell}"` : 'not set'}: run \`pcsc completion bash\` or \`pcsc completion zsh\`\n`,
      );
    }
  });
});

describe.concurrent('help', () => {
  const listing = /^COMMANDS$/m;
  it.each([[['-h']], [['help']], [['--help']]])('pcsc %j: the command list, exit 0', async (args) => {
    const r = await pcsc(args, { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(listing);
    expect(r.stdout).toMatch(/^ {2}scan +List readers/m);
  });

  it.each([[['scan', '-h']], [['help', 'scan']], [['scan', '--help']], [['scan', '--reader', '0', '-h']]])(
    'pcsc %j: the command help, exit 0',
    async (args) => {
      const r = await pcsc(args, { env });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^USAGE\n {2}\$ pcsc scan /m);
    },
  );

  it('no command takes -h for itself: -h is help everywhere', () => {
    const chars = commands().flatMap((c) => Object.values(c.flags).map((f) => f.char));
    expect(chars).not.toContain('h');
  });

  it('an alias is not listed as a second command; its command help names it', async () => {
    const root = await pcsc(['--help'], { env });
    expect(root.stdout).toMatch(/^ {2}ssh-check /m);
    expect(root.stdout).not.toMatch(/ssh-agent-provider-check/);
    const cmd = await pcsc(['help', 'ssh-check'], { env });
    expect(cmd.stdout).toMatch(/^ALIASES\n {2}\$ pcsc ssh-agent-provider-check$/m);
    const alias = await pcsc(['ssh-agent-provider-check', '-h'], { env });
    expect(alias.code).toBe(0);
    expect(alias.stdout).toMatch(/^USAGE\n {2}\$ pcsc ssh-agent-provider-check PROVIDER/m);
  });
});

describe('help text is wrapped by the renderer only', () => {
  const ids = (): string[] => commands().map((c) => c.id);

  it('descriptions are paragraphs: no line break inside one', () => {
    for (const c of commands())
      for (const para of (c.description ?? '').split(/\n\s*\n/))
        expect(para, `pcsc ${c.id}'s description`).not.toContain('\n');
  });

  it.each([80, 200])(
    'at %i columns every description line but the last of a paragraph fills the width',
    async (cols) => {
      for (const id of ids()) {
        const r = await pcsc([id, '--help'], { env: { ...env, OCLIF_COLUMNS: String(cols) } });
        expect(r.code).toBe(0);
        const section = /^DESCRIPTION\n([\s\S]*?)\n\n[A-Z]+\n/m.exec(r.stdout)?.[1] ?? '';
        expect(section, `pcsc ${id} --help`).not.toBe('');
        for (const para of section.split('\n\n')) {
          const lines = para.split('\n');
          for (const l of lines) expect(l.length, `pcsc ${id}: ${l}`).toBeLessThanOrEqual(cols);
          // A hand-wrapped paragraph breaks near 100 columns whatever the width: ragged at 200, double
          // at 80. A line ends early only when the next word (a path) would not have fitted on it.
          lines.slice(0, -1).forEach((l, i) => {
            const next = (lines[i + 1] ?? '').trim().split(' ')[0] ?? '';
            expect(l.length + 1 + next.length, `pcsc ${id} at ${cols}: "${l}"`).toBeGreaterThan(cols);
          });
        }
      }
    },
  );
});
