// A reader of stderr that went away (`pcsc … 2>&1 | true`, a supervisor that closed its end) loses
// the message but never changes the exit code: each line exits as it does with stderr read.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, cliEnv, pcsc, requireBuild } from '../helpers/cli.js';

/** Runs `pcsc ARGS…` with stderr a pipe whose reading end is closed at once: every write gets EPIPE. */
function withStderrClosed(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cliEnv(env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.destroy();
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

const LINES: (readonly string[])[] = [
  ['bogus'],
  ['--bogus'],
  ['scna', '-r'],
  ['scan', '--bogus'],
  ['atr', 'zz'],
  ['apdu', '00A4040000', '--socket', '/nonexistent/pcscd.comm'],
  ['scan', '-r', '--socket', '/nonexistent/pcscd.comm'],
];

describe('stderr closed by its reader', () => {
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    requireBuild();
    env = cleanEnv(mkdtempSync(join(tmpdir(), 'pcsc-stderr-')));
  });

  for (const oclif of [false, true]) {
    for (const args of LINES) {
      it(`${oclif ? 'oclif path' : 'as run'}: pcsc ${args.join(' ')} exits as with stderr read`, async () => {
        const e = oclif ? { ...env, PCSC_OCLIF: '1' } : env;
        const normal = await pcsc(args, { env: e });
        expect(normal.code).not.toBe(0);
        expect(normal.stderr).toMatch(/^pcsc: /);
        expect(await withStderrClosed(args, e)).toBe(normal.code);
      });
    }
  }
});
