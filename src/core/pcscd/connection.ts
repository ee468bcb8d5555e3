// The one file that owns a pcscd socket (docs/protocol.md#the-socket,
// docs/protocol.md#partial-reads-errors-and-closing): connect, write, reads through a ReplyReader, and
// libpcsclite's mapping of socket failures to SCARD codes.

import { statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { PcscError, Scard } from '../errors.js';
import { kindOf } from '../user-file.js';
import { ReplyReader, type ReadOptions } from './reply-reader.js';
import { SerialQueue } from './serial.js';

export type { ReadOptions } from './reply-reader.js';

/** Bytes per socket read; longer replies (up to 65,548 + 32) arrive in several reads. */
const READ_BUFFER = 65_536;

/**
 * Maps a socket error to the SCARD code libpcsclite reports for it, except that a reset after pcscd
 * has answered is a failed connection, not a refusal: pcscd refuses a client (polkit) by closing
 * before its first reply, while a daemon that dies or restarts resets its clients at any time.
 */
function socketError(err: NodeJS.ErrnoException, path: string, phase: 'connect' | 'io' | 'io-answered'): PcscError {
  const code = err.code ?? '';
  if (phase === 'connect') {
    const why =
      code === 'ENOENT'
        ? `no pcscd socket at ${path}`
        : code === 'ECONNREFUSED'
          ? refusedWhy(path)
          : code === 'EACCES'
            ? `permission denied opening ${path}`
            : `cannot connect to ${path} (${code || err.message})`;
    return new PcscError(Scard.E_NO_SERVICE, why, { cause: err });
  }
  if (code === 'ECONNRESET' && phase === 'io-answered') {
    return new PcscError(Scard.F_COMM_ERROR, 'pcscd reset the connection (the daemon stopped or restarted)', {
      cause: err,
    });
  }
  if (code === 'ECONNRESET') {
    return new PcscError(
      Scard.W_SECURITY_VIOLATION,
      'pcscd reset the connection (access refused, e.g. by polkit, or the daemon died)',
      { cause: err },
    );
  }
  if (code === 'EPIPE') return new PcscError(Scard.E_NO_SERVICE, 'pcscd closed the connection', { cause: err });
  return new PcscError(Scard.F_COMM_ERROR, `socket error talking to pcscd (${code || err.message})`, { cause: err });
}

/**
 * Why connect(2) was refused: a socket file nobody listens on is what a stopped pcscd leaves;
 * anything else at the path (a FIFO, a directory, a file, a device) was never pcscd's socket.
 */
function refusedWhy(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    return `nothing listens on ${path}`;
  }
  if (st.isSocket()) return `nothing listens on ${path} (stale socket: pcscd stopped)`;
  return `${path} is ${kindOf(st)}, not a socket`;
}

export class PcscdConnection {
  readonly path: string;
  private readonly socket: Socket;
  /** Reads: the socket holds the event loop open only while one waits for pcscd (see ReplyReader). */
  private readonly reader = new ReplyReader(
    (err) => this.fail(err),
    (on) => (on ? this.socket.ref() : this.socket.unref()),
  );
  private failure: PcscError | null = null;
  private readonly serial = new SerialQueue();
  private readonly closedWaiters: ((e: PcscError) => void)[] = [];
  /** pcscd has sent something: it accepted us (see socketError). */
  private answered = false;

  private constructor(path: string, socket: Socket) {
    this.path = path;
    this.socket = socket;
    // Idle, a connection never keeps the process alive: a context the program forgot to release
    // does not hang it (a read that waits refs the socket again).
    socket.unref();
    socket.on('end', () => this.fail(new PcscError(Scard.F_COMM_ERROR, 'pcscd closed the connection')));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.fail(socketError(err, path, this.answered ? 'io-answered' : 'io')),
    );
    socket.on('close', () => this.fail(new PcscError(Scard.F_COMM_ERROR, 'connection to pcscd closed')));
  }

  /**
   * Opens a connection; SCARD_E_NO_SERVICE when nothing listens at the path, SCARD_E_CANCELLED
   * at once when `signal` aborts (Ctrl-C).
   */
  static open(path: string, timeoutMs = 5000, signal?: AbortSignal): Promise<PcscdConnection> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new PcscError(Scard.E_CANCELLED, `connecting to ${path} interrupted`));
      // Reads land in one reused buffer and are copied out (pooled), instead of a stream 'data'
      // event with a fresh allocation per chunk: a TRANSMIT reply comes in two chunks, and the
      // stream path cost more than the rest of the exchange.
      let conn: PcscdConnection | null = null;
      const onread = {
        buffer: Buffer.allocUnsafe(READ_BUFFER),
        callback: (n: number, buf: Uint8Array): boolean => {
          const chunk = Buffer.allocUnsafe(n);
          chunk.set(buf.subarray(0, n));
          if (conn) {
            conn.answered = true;
            conn.reader.push(chunk);
          }
          return true;
        },
      };
      const sock = createConnection({ path, onread });
      const onAbort = (): void => {
        clearTimeout(timer);
        sock.destroy();
        reject(new PcscError(Scard.E_CANCELLED, `connecting to ${path} interrupted`));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        sock.destroy();
        reject(new PcscError(Scard.E_NO_SERVICE, `no answer connecting to ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      sock.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        sock.destroy();
        reject(socketError(err, path, 'connect'));
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        sock.removeAllListeners('error');
        conn = new PcscdConnection(path, sock);
        resolve(conn);
      });
    });
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  /** Why the connection is unusable, or null. */
  get error(): PcscError | null {
    return this.failure;
  }

  /**
   * Resolves (never rejects) with the reason once the connection is unusable: lets a caller notice the peer
   * going away while idle.
   */
  whenClosed(): Promise<PcscError> {
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  /** Bytes received but not yet read. */
  get buffered(): number {
    return this.reader.buffered;
  }

  /**
   * Runs fn with the connection to itself: one request/reply exchange at a time
   * (docs/protocol.md#connections). `onError` sees a failure of fn before its caller and before the next
   * exchange.
   */
  exclusive<T>(fn: () => Promise<T>, onError?: (e: unknown) => void): Promise<T> {
    return this.serial.run(fn, onError);
  }

  write(buf: Uint8Array): void {
    if (this.failure) throw this.failure;
    this.socket.write(buf);
  }

  /**
   * Reads exactly n bytes. A timeout or an abort leaves the stream out of step (replies have no
   * header to resynchronise on), so either closes the connection, which keeps the reason.
   */
  read(n: number, opts: ReadOptions): Promise<Buffer> {
    return this.reader.read(n, opts);
  }

  /** Reads a reply of n bytes followed by `more(head)` bytes, as one wait (TRANSMIT). */
  readReply<T>(
    n: number,
    more: (head: Buffer) => number,
    done: (head: Buffer, tail: Buffer) => T,
    opts: ReadOptions,
  ): Promise<T> {
    return this.reader.readReply(n, more, done, opts);
  }

  /**
   * Reads exactly n bytes, or returns null if they have not all arrived within `ms` (nothing is
   * consumed then, and the connection stays usable). Used where silence is an answer: waiting for
   * a notification, probing how long a reply is.
   */
  readOrIdle(n: number, ms: number, signal?: AbortSignal): Promise<Buffer | null> {
    return this.reader.readOrIdle(n, ms, signal);
  }

  /** Marks the connection unusable (pcscd sent what it never sends): every later call gets err. */
  invalidate(err: PcscError): void {
    this.fail(err);
  }

  close(): void {
    this.fail(new PcscError(Scard.E_INVALID_HANDLE, 'context released'));
  }

  private fail(err: PcscError): void {
    if (!this.failure) this.failure = err;
    this.socket.destroy();
    this.reader.fail(this.failure);
    for (const w of this.closedWaiters.splice(0)) w(this.failure);
  }
}
