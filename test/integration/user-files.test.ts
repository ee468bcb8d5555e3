// Files the user names (`atr --list`, `apdu -f`, a script on stdin), through the built CLI: what
// is not a regular file is refused in one line (a FIFO used to hang `atr --list` past SIGTERM,
// /dev/urandom to be read for 10 s), the size is bounded, and Ctrl-C ends a read that waits.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, cliEnv, hasStackTrace, pcsc, requireBuild } from '../helpers/cli.js';
import { startProcess } from '../rig/processes.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'pcsc-user-files-'));
  env = cleanEnv(dir, { PCSCLITE_CSOCK_NAME: join(dir, 'no-daemon.comm') });
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  writeFileSync(join(dir, 'big'), Buffer.alloc(17 * 1024 * 1024, 0x30));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cases = (): [string, string][] => [
  [join(dir, 'fifo'), 'a FIFO (named pipe), not a regular file'],
  [dir, 'a directory, not a regular file'],
  ['/dev/zero', 'a character device, not a regular file'],
  ['/dev/urandom', 'a character device, not a regular file'],
];

describe.each([
  ['atr 3B00 --list', (f: string) => ['atr', '3B00', '--list', f], '--list', 'an ATR list'],
  ['apdu -f', (f: string) => ['apdu', '-f', f], '-f', 'an APDU script'],
])('%s', (_name, args, flag, holds) => {
  it('refuses a FIFO, a directory and devices in one line, exit 2', async () => {
    for (const [f, why] of cases()) {
      const r = await pcsc(args(f), { env: { ...env }, timeoutMs: 15_000 });
      expect(r.code, `${f}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toBe(`pcsc: ${flag} ${f}: ${why}\n`);
    }
  });

  it('refuses a file over 16 MiB without reading it', async () => {
    const r = await pcsc(args(join(dir, 'big')), { env: { ...env } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pcsc: ${flag} ${join(dir, 'big')}: more than 16 MiB, too big for ${holds}\n`);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe('a 15 MB script on stdin', () => {
  it('is parsed whole, in a few times its size of memory (it took 60 times)', () => {
    const script = join(dir, 'big.apdu');
    writeFileSync(script, '00A4040007A0000002471001\n'.repeat(630_000));
    // python3 runs the CLI and reports the child's peak RSS (getrusage), in KiB.
    const out = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import resource, subprocess, sys\n' +
          'with open(sys.argv[1], "rb") as f:\n' +
          '    r = subprocess.run(sys.argv[2:], stdin=f, capture_output=True)\n' +
          'print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n' +
          'print(r.stderr.decode())',
        script,
        process.execPath,
        BIN,
        'apdu',
      ],
      { env: cliEnv(env), encoding: 'utf8', timeout: 60_000 },
    );
    const [code, maxKib] = (out.split('\n')[0] ?? '').split(' ').map(Number);
    // Parsed to the end: the error is the missing daemon, after the last line was checked.
    expect(code, out).toBe(3);
    expect(out).toMatch(/not running/);
    expect(maxKib).toBeLessThan(350 * 1024);
  });
});

describe('a script on stdin that never comes', () => {
  it('Ctrl-C ends the read: the command unwinds quietly (a signal is no error, even with --json), exit 130', async () => {
    // stdin: a pipe this test never writes to.
    const p = startProcess(process.execPath, [BIN, 'apdu', '-f', '-', '--json'], {
      env: cliEnv(env),
      stdin: true,
      separateStderr: true,
    });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(130);
      expect(p.lines.join('\n')).toBe('');
      // The last-resort exit (3 s after Ctrl-C, for a wait that ignores it) would say so on stderr.
      expect(p.stderr()).toBe('');
    } finally {
      await p.stop();
    }
  });
});
