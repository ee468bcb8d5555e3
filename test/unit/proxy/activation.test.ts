// Socket activation as sd_listen_fds(3) defines it: only for this pid, one socket on fd 3, the
// variables removed once taken; and the path a passed socket is bound to, from /proc/net/unix.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundPath, takeActivation } from '../../../src/core/proxy/activation.js';

const yes = (): boolean => true;

describe('takeActivation', () => {
  it('takes fd 3 for this pid, with its name, and removes the variables', () => {
    const env: NodeJS.ProcessEnv = {
      LISTEN_PID: '42',
      LISTEN_FDS: '1',
      LISTEN_FDNAMES: 'pcsc-proxy.socket',
      HOME: '/h',
    };
    expect(takeActivation(env, 42, yes)).toEqual({ fd: 3, name: 'pcsc-proxy.socket' });
    expect(env).toEqual({ HOME: '/h' });
  });
  it('ignores variables meant for another process (and leaves them)', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '41', LISTEN_FDS: '1' };
    expect(takeActivation(env, 42, yes)).toBeNull();
    expect(env.LISTEN_FDS).toBe('1');
    expect(takeActivation({}, 42, yes)).toBeNull();
    expect(takeActivation({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42, yes)).toBeNull();
  });
  it('refuses more than one socket, a bad count, and a descriptor that is not a socket', () => {
    expect(() => takeActivation({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42, yes)).toThrow(
      'systemd passed 2 sockets; the proxy serves one (a socket unit with one ListenStream= and no Accept=yes)',
    );
    expect(() => takeActivation({ LISTEN_PID: '42', LISTEN_FDS: 'x' }, 42, yes)).toThrow(/is not a number/);
    expect(() => takeActivation({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42, () => false)).toThrow(
      'LISTEN_FDS=1 but descriptor 3 is not a socket',
    );
  });
});

describe('boundPath', () => {
  it("finds a listening socket's path by its inode", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcsc-bound-'));
    const path = join(dir, 's.comm');
    const server = createServer();
    await new Promise<void>((ok) => server.listen(path, () => ok()));
    try {
      const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
      expect(boundPath(fd)).toBe(path);
      // A table without it: unknown.
      writeFileSync(join(dir, 'unix'), 'Num       RefCount Protocol Flags    Type St Inode Path\n');
      expect(boundPath(fd, join(dir, 'unix'))).toBeUndefined();
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
