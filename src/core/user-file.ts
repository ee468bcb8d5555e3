// Reading a file the user named (`apdu -f`, `atr --list`, the ATR list found on the search path):
// a regular file only, of bounded size, opened without blocking and read in chunks, so that a
// FIFO, a device or a directory is one clear line and Ctrl-C always works.
//
// Why not readFile: open(2) of a FIFO with no writer blocks, in a libuv worker thread that Node
// then waits for at exit, so not even SIGTERM ends the process; /dev/urandom never ends.

import { close, constants, fstat, open, read, type Stats } from 'node:fs';
import { PcscError, Scard, UsageError } from './errors.js';

export interface ReadUserFileOptions {
  /** How messages name the file's source: the flag ("-f", "--list") or what it is ("ATR list"). */
  what: string;
  /** Bigger than this is a mistake (a binary file, a log); the message says so. */
  maxBytes: number;
  /** What the file should be, for that message: "an APDU script". */
  holds: string;
  /** Ctrl-C: the read stops between chunks with SCARD_E_CANCELLED. */
  signal?: AbortSignal | undefined;
}

const CHUNK = 1024 * 1024;
/**
 * The first read's buffer when fstat gives no size (/proc files say 0): most such files are a few
 * hundred bytes, and a 1 MiB buffer per read made a /proc walk allocate hundreds of MiB.
 */
const FIRST_READ = 16 * 1024;

/** The whole file, or a UsageError naming `what`, the path and what is wrong, in one line. */
export async function readUserFile(path: string, opts: ReadUserFileOptions): Promise<Buffer> {
  const name = `${opts.what} ${path}`;
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO opens at once instead of waiting for a writer; fstat then refuses it.
    fd = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new UsageError(`${name}: ${errnoText(e)}`, 'EFILE');
  }
  try {
    const st = await fstatFd(fd);
    if (!st.isFile()) throw new UsageError(`${name}: ${kindOf(st)}, not a regular file`, 'EFILE');
    if (st.size > opts.maxBytes) throw tooBig(name, opts);
    // One byte past the cap tells a file that grew while we read it.
    const cap = opts.maxBytes + 1;
    const chunks: Buffer[] = [];
    let total = 0;
    // Room for the size fstat gave and one byte more, so that the read finding the end needs no
    // buffer of its own; then buffers twice as big each time, up to CHUNK.
    let buf = Buffer.allocUnsafe(Math.min(CHUNK, cap, Math.max(FIRST_READ, st.size + 1)));
    let filled = 0;
    for (;;) {
      if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, `reading ${path} interrupted`);
      const bytesRead = await readFd(fd, buf, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      total += bytesRead;
      if (total > opts.maxBytes) throw tooBig(name, opts);
      if (filled === buf.length) {
        chunks.push(buf);
        buf = Buffer.allocUnsafe(Math.min(CHUNK, cap - total, buf.length * 2));
        filled = 0;
      }
    }
    chunks.push(buf.subarray(0, filled));
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof UsageError || e instanceof PcscError) throw e;
    throw new UsageError(`${name}: ${errnoText(e)}`, 'EFILE');
  } finally {
    await new Promise<void>((resolve) => close(fd, () => resolve()));
  }
}

// fs's callback API, each call one promise: half the CPU of fs/promises' FileHandle per file (the
// probe reads a few hundred /proc files per run: ~10 ms against ~20 ms measured on Node 20).
function openFd(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, (e, fd) => (e ? reject(e) : resolve(fd))));
}

function fstatFd(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => fstat(fd, (e, st) => (e ? reject(e) : resolve(st))));
}

/** Reads into buf from offset on, at the file's position. */
function readFd(fd: number, buf: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, offset, buf.length - offset, null, (e, n) => (e ? reject(e) : resolve(n))),
  );
}

function tooBig(name: string, o: ReadUserFileOptions): UsageError {
  return new UsageError(`${name}: more than ${o.maxBytes / (1024 * 1024)} MiB, too big for ${o.holds}`, 'EFILE');
}

/** What a path that is not a regular file is, for "…: a FIFO, not a regular file". */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return st.isFile() ? 'a regular file' : 'not a regular file';
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'a directory, not a regular file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'ELOOP') return 'too many symbolic links';
  return code ?? (e instanceof Error ? e.message : String(e));
}
