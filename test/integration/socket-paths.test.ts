// What `--socket` names, through the built CLI: a path that is no socket is called what it is
// (not "a stale socket"), and Ctrl-C ends a connection to a server that never answers at once,
// the command unwinding normally instead of the 3 s last-resort exit.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, pcsc, requireBuild, startCli } from '../helpers/cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'pcsc-socket-paths-'));
  env = cleanEnv(dir);
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  writeFileSync(join(dir, 'file'), 'not a socket\n');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('--socket at something that is not a socket', () => {
  it.each([
    ['a FIFO', 'fifo', 'a FIFO (named pipe)'],
    ['a directory', '.', 'a directory'],
    ['a regular file', 'file', 'a regular file'],
    ['/dev/zero', '/dev/zero', 'a character device'],
  ])('%s: says what it is, exit 3', async (_what, name, kind) => {
    const path = name.startsWith('/') ? name : join(dir, name);
    const r = await pcsc(['scan', '-r', '--socket', path], { env });
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n')[0]).toBe(
      `pcsc: PC/SC service (pcscd) not running (0x8010001D): ${path} is ${kind}, not a socket`,
    );
  });
});

describe('a server that accepts and never answers', () => {
  let server: Server;
  const held: Socket[] = [];
  const path = (): string => join(dir, 'silent.comm');
  beforeAll(async () => {
    server = createServer((s) => void held.push(s));
    await new Promise<void>((ok) => server.listen(path(), () => ok()));
  });
  afterAll(() => {
    for (const s of held) s.destroy();
    server.close();
  });

  it('Ctrl-C ends scan -r at once, quietly (a signal is no error, even with --json), exit 130', async () => {
    const p = startCli(['scan', '-r', '--socket', path(), '--json'], { ...env });
    try {
      while (held.length === 0) await new Promise((r) => setTimeout(r, 50));
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(130);
      // Nothing on stdout or stderr: the last-resort exit (3 s after Ctrl-C) would have said so.
      expect(p.lines.join('\n')).toBe('');
    } finally {
      await p.stop();
    }
  });
});
