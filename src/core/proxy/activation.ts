// A listening socket handed over by systemd (socket activation, sd_listen_fds(3)): LISTEN_PID is
// this process, LISTEN_FDS=1 and the socket is fd 3 (LISTEN_FDNAMES, when present, names it).
// As pcscd does, the proxy then serves that socket and leaves the file to systemd: it stays in
// place (same inode) across restarts of the proxy, which Flatpak's file binding needs.

import { fstatSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { UsageError } from '../errors.js';
import { parseProcNetUnix } from '../system/unix-sockets.js';
import type { Listener } from './listen.js';

/** The first passed descriptor (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;

export interface Activation {
  fd: number;
  /** LISTEN_FDNAMES' first name (systemd: the socket unit's FileDescriptorName=, else its name). */
  name?: string;
}

/**
 * The socket systemd passed to this process, or null when none was (variables absent, or meant
 * for another process). Like sd_listen_fds(1), removes the variables so children do not see them.
 */
export function takeActivation(
  env: NodeJS.ProcessEnv = process.env,
  pid: number = process.pid,
  isSocket: (fd: number) => boolean = fdIsSocket,
): Activation | null {
  const listenPid = env.LISTEN_PID;
  const count = env.LISTEN_FDS;
  const names = env.LISTEN_FDNAMES;
  if (listenPid === undefined || count === undefined) return null;
  if (!/^\d+$/.test(listenPid) || Number(listenPid) !== pid) return null;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (!/^\d+$/.test(count)) throw new UsageError(`LISTEN_FDS="${count}" is not a number of sockets`);
  const n = Number(count);
  if (n === 0) return null;
  if (n > 1)
    throw new UsageError(
      `systemd passed ${n} sockets; the proxy serves one (a socket unit with one ListenStream= and no Accept=yes)`,
    );
  if (!isSocket(LISTEN_FDS_START))
    throw new UsageError(`LISTEN_FDS=1 but descriptor ${LISTEN_FDS_START} is not a socket`);
  const name = names?.split(':')[0];
  return { fd: LISTEN_FDS_START, ...(name ? { name } : {}) };
}

function fdIsSocket(fd: number): boolean {
  try {
    return fstatSync(fd).isSocket();
  } catch {
    return false;
  }
}

/**
 * The path a passed Unix socket is bound to, from /proc/net/unix by the descriptor's inode
 * (Node cannot ask getsockname of a handle it did not bind); undefined where that cannot be read.
 */
export function boundPath(fd: number, procNetUnix = '/proc/net/unix'): string | undefined {
  let ino: number;
  let table: string;
  try {
    ino = fstatSync(fd).ino;
    table = readFileSync(procNetUnix, 'utf8');
  } catch {
    return undefined;
  }
  return parseProcNetUnix(table).find((e) => e.inode === ino && e.listening)?.path;
}

/** Serves the passed socket. Its file is systemd's: `remove` leaves it for the next start. */
export function listenOnActivation(a: Activation, path: string, onConnection: (s: Socket) => void): Promise<Listener> {
  const server = createServer(onConnection);
  return new Promise<Listener>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(new UsageError(`cannot serve the socket systemd passed (fd ${a.fd}): ${err.code ?? err.message}`)),
    );
    server.listen({ fd: a.fd }, () => {
      server.on('error', () => undefined);
      ok({ server, path, remove: () => undefined });
    });
  });
}
