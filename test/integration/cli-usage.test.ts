// Usage errors oclif raises before any command runs, or with several lines, through the built CLI:
// like every other usage error (README "Output"), one `pcsc:` line on stderr, or the --json error
// object, and exit 2.
import { beforeAll, describe, expect, it } from 'vitest';
import { pcsc, requireBuild } from '../helpers/cli.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };

beforeAll(() => requireBuild());

describe.concurrent('usage errors outside a command', () => {
  it.each([
    [['nosuch'], /^pcsc: unknown command "nosuch"; commands: apdu, .*\bversion\b.*\n$/],
    [['scna', '-r'], /^pcsc: unknown command "scna"; .*\bscan\b/],
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
    const r = await pcsc(['completion'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('pcsc: Missing 1 required arg: shell (bash|zsh) bash or zsh\n');
  });
});
