// The one file that owns a pcscd socket (§2, §3.6): connect, write, exact-length reads with
// bounded waits, and libpcsclite's mapping of socket failures to SCARD codes.

import { createConnection, type Socket } from 'node:net';
import { PcscError, Scard } from '../errors.js';
import { ByteQueue } from './framer.js';

export interface ReadOptions {
  /** Milliseconds; the wait is always bounded. */
  timeout: number;
  signal?: AbortSignal | undefined;
  /** What is awaited, for the error message ("reply to TRANSMIT"). */
  what: string;
}

interface PendingRead {
  n: number;
  resolve: (b: Buffer | null) => void;
  reject: (e: Error) => void;
  cleanup: () => void;
}

/** Maps a socket error to the SCARD code libpcsclite reports for it. */
function socketError(err: NodeJS.ErrnoException, path: string, phase: 'connect' | 'io'): PcscError {
  const code = err.code ?? '';
  if (phase === 'connect') {
    const why =
      code === 'ENOENT' ? `no pcscd socket at ${path}`
        : code === 'ECONNREFUSED' ? `nothing listens on ${path} (stale socket: pcscd stopped)`
          : code === 'EACCES' ? `permission denied opening ${path}`
            : `cannot connect to ${path} (${code || err.message})`;
    return new PcscError(Scard.E_NO_SERVICE, why, { cause: err });
  }
  if (code === 'ECONNRESET') {
    return new PcscError(Scard.W_SECURITY_VIOLATION, 'pcscd reset the connection (access refused, e.g. by polkit, or the daemon died)', { cause: err });
  }
  if (code === 'EPIPE') return new PcscError(Scard.E_NO_SERVICE, 'pcscd closed the connection', { cause: err });
  return new PcscError(Scard.F_COMM_ERROR, `socket error talking to pcscd (${code || err.message})`, { cause: err });
}

export class PcscdConnection {
  readonly path: string;
  private readonly socket: Socket;
  private readonly queue = new ByteQueue();
  private pending: PendingRead | null = null;
  private failure: PcscError | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private closedWaiters: Array<(e: PcscError) => void> = [];

  private constructor(path: string, socket: Socket) {
    this.path = path;
    this.socket = socket;
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      this.serve();
    });
    socket.on('end', () => this.fail(new PcscError(Scard.F_COMM_ERROR, 'pcscd closed the connection')));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(socketError(err, path, 'io')));
    socket.on('close', () => this.fail(new PcscError(Scard.F_COMM_ERROR, 'connection to pcscd closed')));
  }

  /** Opens a connection; SCARD_E_NO_SERVICE when nothing listens at the path. */
  static open(path: string, timeoutMs = 5000): Promise<PcscdConnection> {
    return new Promise((resolve, reject) => {
      const sock = createConnection({ path });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new PcscError(Scard.E_NO_SERVICE, `no answer connecting to ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        sock.destroy();
        reject(socketError(err, path, 'connect'));
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        resolve(new PcscdConnection(path, sock));
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

  /** Resolves (never rejects) with the reason once the connection is unusable: lets a caller notice the peer going away while idle. */
  whenClosed(): Promise<PcscError> {
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  /** Bytes received but not yet read. */
  get buffered(): number {
    return this.queue.length;
  }

  /** Runs fn with the connection to itself: one request/reply exchange at a time (§8). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  write(buf: Uint8Array): void {
    if (this.failure) throw this.failure;
    this.socket.write(buf);
  }

  /**
   * Reads exactly n bytes. A timeout or an abort leaves the stream out of step (replies have no
   * header to resynchronise on), so either closes the connection, which keeps the reason.
   */
  async read(n: number, opts: ReadOptions): Promise<Buffer> {
    let got: Buffer | null;
    try {
      got = await this.readOrIdle(n, opts.timeout, opts.signal);
    } catch (e) {
      if (e instanceof PcscError && e.code === Scard.E_CANCELLED && !this.failure) {
        const err = new PcscError(Scard.E_CANCELLED, `aborted while waiting for the ${opts.what}`);
        this.fail(err);
        throw err;
      }
      throw e;
    }
    if (got) return got;
    const err = new PcscError(Scard.E_TIMEOUT, `pcscd sent no ${opts.what} within ${opts.timeout} ms`);
    this.fail(err);
    throw err;
  }

  /**
   * Reads exactly n bytes, or returns null if they have not all arrived within `ms` (nothing is
   * consumed then, and the connection stays usable). Used where silence is an answer: waiting for
   * a notification, probing how long a reply is.
   */
  readOrIdle(n: number, ms: number, signal?: AbortSignal): Promise<Buffer | null> {
    if (this.pending) return Promise.reject(new Error('internal: concurrent reads on one pcscd connection'));
    // Bytes that arrived before the peer closed are still a valid reply.
    const now = this.queue.take(n);
    if (now) return Promise.resolve(now);
    if (this.failure) return Promise.reject(this.failure);
    if (signal?.aborted) return Promise.reject(new PcscError(Scard.E_CANCELLED, 'aborted'));
    return new Promise<Buffer | null>((resolve, reject) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => finish(null), Math.max(0, ms)) : null;
      const onAbort = (): void => {
        this.pending?.cleanup();
        this.pending = null;
        reject(new PcscError(Scard.E_CANCELLED, 'aborted'));
      };
      const finish = (b: Buffer | null): void => {
        this.pending?.cleanup();
        this.pending = null;
        resolve(b);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        n,
        resolve: finish,
        reject: (e) => {
          this.pending?.cleanup();
          this.pending = null;
          reject(e);
        },
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
    });
  }

  /** Waits until no byte has arrived for idleMs, then returns everything received (bounded by maxMs). */
  async drainUntilIdle(idleMs: number, maxMs: number): Promise<Buffer> {
    const start = Date.now();
    let last = -1;
    while (this.queue.length !== last && Date.now() - start < maxMs) {
      last = this.queue.length;
      await new Promise((r) => setTimeout(r, idleMs));
      if (this.failure) throw this.failure;
    }
    return this.queue.take(this.queue.length) ?? Buffer.alloc(0);
  }

  /** Marks the connection unusable (pcscd sent what it never sends): every later call gets err. */
  invalidate(err: PcscError): void {
    this.fail(err);
  }

  close(): void {
    if (!this.failure) this.failure = new PcscError(Scard.E_INVALID_HANDLE, 'context released');
    this.socket.destroy();
    this.rejectPending();
  }

  private serve(): void {
    const p = this.pending;
    if (!p) return;
    const got = this.queue.take(p.n);
    if (got) p.resolve(got);
  }

  private fail(err: PcscError): void {
    if (!this.failure) this.failure = err;
    this.socket.destroy();
    this.rejectPending();
  }

  private rejectPending(): void {
    const p = this.pending;
    const f = this.failure;
    if (p && f) p.reject(f);
    if (f) for (const w of this.closedWaiters.splice(0)) w(f);
  }
}
