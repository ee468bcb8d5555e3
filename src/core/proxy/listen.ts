// The proxy's listening socket (docs/proxy.md, "Security"): pcscd authorises the proxy's user on
// every connection the proxy makes, so whoever can connect to this socket uses the readers and
// cards as that user. The socket is created unreachable by anyone else and keeps the mode it is
// given (0600 unless --mode widens it on purpose); a socket left by a killed proxy is replaced.
//
// The socket's directory is listen-dir.ts's; a socket handed over by systemd is activation.ts's
// (another Listener); ProxyServer only needs `server` and `remove`.

import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { UsageError } from '../errors.js';
import { prepareListenDir } from './listen-dir.js';

/** Read and write for the owner only: the default, and the least any --mode must give. */
export const OWNER_ONLY = 0o600;

/** The umask in force while the socket is bound: whatever the caller's, the socket starts 0600. */
const BIND_UMASK = 0o177;

export interface Listener {
  readonly server: Server;
  readonly path: string;
  /** Removes the socket file, if it is still ours (another proxy may have taken the path since). */
  remove(): void;
}

/**
 * Parses --mode: octal, read/write bits only (connecting needs write), the owner's included.
 * Returns null for a value that is not such a mode.
 */
export function parseSocketMode(text: string): number | null {
  if (!/^0?[0-7]{3}$/.test(text.trim())) return null;
  const mode = parseInt(text.trim(), 8);
  if ((mode & ~0o666) !== 0 || (mode & OWNER_ONLY) !== OWNER_ONLY) return null;
  return mode;
}

/** Binds a Unix socket at `path` that only its owner can reach until it has `mode` (default 0600). */
export async function listenOnPath(
  path: string,
  mode = OWNER_ONLY,
  onConnection: (socket: Socket) => void,
): Promise<Listener> {
  // The socket's own directory is created when missing (libuv would report it as EACCES).
  prepareListenDir(path, mode);
  await clearStaleSocket(path);
  const server = createServer(onConnection);
  await bindRestricted(server, path);
  try {
    // The kernel checks the mode at connect(): nobody else got in before this widens it.
    if (mode !== OWNER_ONLY) chmodSync(path, mode);
    const st = lstatSync(path);
    if ((st.mode & 0o777) !== mode) throw new Error(`socket ${path} has mode ${(st.mode & 0o777).toString(8)}`);
    const inode = st.ino;
    return {
      server,
      path,
      remove() {
        try {
          if (lstatSync(path).ino === inode) unlinkSync(path);
        } catch {
          // already gone
        }
      },
    };
  } catch (e) {
    server.close();
    throw e;
  }
}

/**
 * Binds with a umask that leaves group and others no bit, so the socket is 0600 from the instant
 * it exists (a chmod afterwards leaves a window in which anyone may connect and keep the
 * connection). The umask is the process's: it is restored as soon as the bind is done.
 */
function bindRestricted(server: Server, path: string): Promise<void> {
  return new Promise<void>((ok, fail) => {
    const saved = process.umask(BIND_UMASK);
    const restore = (): void => void process.umask(saved);
    server.once('error', (err: NodeJS.ErrnoException) => {
      restore();
      fail(listenError(err, path));
    });
    try {
      server.listen({ path }, () => {
        restore();
        server.on('error', () => undefined);
        ok();
      });
    } catch (e) {
      restore();
      fail(e);
    }
  });
}

function listenError(err: NodeJS.ErrnoException, path: string): Error {
  if (err.code === 'EACCES') return new UsageError(`cannot listen on ${path}: permission denied`);
  if (err.code === 'EADDRINUSE') return new UsageError(`cannot listen on ${path}: already in use`);
  return new UsageError(`cannot listen on ${path}: ${err.code ?? err.message}`);
}

/** A socket file nobody answers on (a proxy that was killed) is removed; anything else is refused. */
async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new UsageError(`cannot listen on ${path}: a file that is not a socket is in the way`);
  const alive = await new Promise<boolean>((done) => {
    const c = createConnection({ path });
    const t = setTimeout(() => {
      c.destroy();
      done(true);
    }, 1000);
    c.once('connect', () => {
      clearTimeout(t);
      c.destroy();
      done(true);
    });
    c.once('error', () => {
      clearTimeout(t);
      done(false);
    });
  });
  if (alive) throw new UsageError(`cannot listen on ${path}: another program is listening there`);
  unlinkSync(path);
}
