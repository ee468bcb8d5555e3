// The directory of the proxy's socket (docs/proxy.md, "Where it listens"): created by the proxy
// when missing — that one directory only, mode 0700, so nobody else can reach or replace the
// socket — and refused when it exists but lets another user replace the socket (another owner
// than you or root, or writable by group or others without the sticky bit, as /tmp has).
// Kept apart from the socket's own creation (server.ts, or listen.ts after issue 20) so both merge.

import { chmodSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';

/** The mode of a directory the proxy creates for an owner-only socket. */
export const LISTEN_DIR_MODE = 0o700;

/** A created directory lets through whom the socket's mode (--mode) lets connect: search only, never list or write. */
export function listenDirMode(socketMode = 0o600): number {
  return LISTEN_DIR_MODE | (socketMode & 0o060 ? 0o010 : 0) | (socketMode & 0o006 ? 0o001 : 0);
}

const octal = (m: number): string => '0' + (m & 0o7777).toString(8).padStart(3, '0');

/**
 * Makes sure the socket's directory exists and that only its owner (you, or root) can put a file
 * there. Returns true when it created the directory.
 */
export function prepareListenDir(
  socket: string,
  socketMode = 0o600,
  uid: number | undefined = process.getuid?.(),
): boolean {
  const want = listenDirMode(socketMode);
  const dir = dirname(socket);
  let created = false;
  try {
    statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UsageError(`cannot listen on ${socket}: directory ${dir}: ${(e as NodeJS.ErrnoException).code}`);
    try {
      statSync(dirname(dir));
    } catch {
      throw new UsageError(
        `cannot listen on ${socket}: directory ${dirname(dir)} does not exist (the proxy creates only the socket's own directory)`,
      );
    }
    try {
      mkdirSync(dir, { mode: want });
      created = true;
    } catch (err) {
      // Someone made it in the meantime: it is checked below like any existing directory.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new UsageError(
          `cannot listen on ${socket}: cannot create ${dir}: ${(err as NodeJS.ErrnoException).code}`,
        );
    }
  }
  // lstat: a directory we created is not a symlink; an existing one may be one, then its target is judged.
  const st = created ? lstatSync(dir) : statSync(dir);
  if (!st.isDirectory()) throw new UsageError(`cannot listen on ${socket}: ${dir} is not a directory`);
  if (created) {
    // The umask may have taken bits away (0700 is what clients and Flatpak need to reach it as you).
    if ((st.mode & 0o777) !== want) chmodSync(dir, want);
    return true;
  }
  if (uid !== undefined && st.uid !== uid && st.uid !== 0)
    throw new UsageError(
      `cannot listen on ${socket}: directory ${dir} belongs to uid ${st.uid}, who could replace the socket: use a directory of your own`,
    );
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0)
    throw new UsageError(
      `cannot listen on ${socket}: directory ${dir} (mode ${octal(st.mode)}) is writable by others, who could replace the socket: make it 0700`,
    );
  return false;
}
