// Exact-length reads of pcscd replies (docs/protocol.md#replies,
// docs/protocol.md#partial-reads-errors-and-closing) from the bytes a connection receives: one read at a
// time, each bounded in time and abortable; a reply may come in two parts (TRANSMIT's struct, then as many
// data bytes as the struct announces).

import { PcscError, ProtocolError, Scard } from '../errors.js';
import { ByteQueue } from './framer.js';

/**
 * Milliseconds on the monotonic clock. Not performance.now(): its first use loads perf_hooks and
 * nine modules with it (~0.6 ms of CPU in every `pcsc scan -r` or `pcsc apdu`).
 */
function now(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

export interface ReadOptions {
  /** Milliseconds; the wait is always bounded. */
  timeout: number;
  /**
   * readReply: milliseconds for the data once the struct is in (it follows at once; the card's
   * time, `timeout`, is over by then). Default: `timeout`.
   */
  tailTimeout?: number;
  signal?: AbortSignal | undefined;
  /** What is awaited, for the error message ("reply to TRANSMIT"). */
  what: string;
}

interface PendingRead {
  n: number;
  more: ((head: Buffer) => number) | undefined;
  head: Buffer | undefined;
  /** now() after which the read gives up (Infinity: never). */
  deadline: number;
  /** Set for reads whose loss desynchronises the stream: a timeout or abort is then fatal. */
  strict: ReadOptions | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** head null: timed out (non-strict reads only). */
  resolve: (head: Buffer | null, tail: Buffer | null) => void;
  reject: (e: Error) => void;
}

export class ReplyReader {
  private readonly queue = new ByteQueue();
  private pending: PendingRead | null = null;
  private failure: PcscError | null = null;
  /**
   * One timer bounds every read: arming a timer per read costs more than the rest of a TRANSMIT
   * exchange in Node, so it fires at the earliest deadline it was set for and, if the read then
   * pending is not due yet, re-arms for that read. Unref'd: the socket keeps the process alive.
   */
  #watchdog: NodeJS.Timeout | null = null; // an ES private field: JSON.stringify of a context must not meet a Timeout
  private watchdogAt = Infinity;

  /**
   * @param fatal called when a lost reply leaves the stream out of step; it must call fail().
   * @param waiting told true when a read starts waiting for bytes, false when it settles: the
   *   connection keeps the process alive only then (an unreleased context never does).
   */
  constructor(
    private readonly fatal: (err: PcscError) => void,
    private readonly waiting: (on: boolean) => void = () => undefined,
  ) {}

  /** Bytes received but not yet read. */
  get buffered(): number {
    return this.queue.length;
  }

  push(chunk: Buffer): void {
    this.queue.push(chunk);
    this.serve();
  }

  /** Takes everything buffered. */
  drain(): Buffer {
    return this.queue.take(this.queue.length) ?? Buffer.alloc(0);
  }

  /** No more bytes will come: the pending read and every later one fail with err (first one kept). */
  fail(err: PcscError): void {
    if (!this.failure) this.failure = err;
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchdog = null;
    const p = this.pending;
    if (p) this.settle(p, null, null, this.failure);
  }

  /** Exactly n bytes; a timeout or an abort is fatal (replies have no header to resynchronise on). */
  read(n: number, opts: ReadOptions): Promise<Buffer> {
    const now = this.pending ? null : this.queue.take(n);
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => this.start(n, undefined, opts, (head) => resolve(head as Buffer), reject));
  }

  /**
   * n bytes, then `more(head)` bytes, as one wait resolving with `done(head, tail)`: the hot path
   * of TRANSMIT (one promise, nothing allocated in between).
   */
  readReply<T>(
    n: number,
    more: (head: Buffer) => number,
    done: (head: Buffer, tail: Buffer) => T,
    opts: ReadOptions,
  ): Promise<T> {
    return new Promise((resolve, reject) =>
      this.start(n, more, opts, (head, tail) => resolve(done(head as Buffer, tail as Buffer)), reject),
    );
  }

  /** Exactly n bytes, or null when they have not all come within ms (nothing consumed then). */
  readOrIdle(n: number, ms: number, signal?: AbortSignal): Promise<Buffer | null> {
    return new Promise((resolve, reject) =>
      this.start(n, undefined, { timeout: ms, signal, what: '' }, (head) => resolve(head), reject, false),
    );
  }

  private start(
    n: number,
    more: PendingRead['more'],
    opts: ReadOptions,
    resolve: PendingRead['resolve'],
    reject: (e: Error) => void,
    strict = true,
  ): void {
    if (this.pending) return reject(new Error('internal: concurrent reads on one pcscd connection'));
    const ms = opts.timeout;
    const p: PendingRead = {
      n,
      more,
      head: undefined,
      deadline: Number.isFinite(ms) ? now() + Math.max(0, ms) : Infinity,
      strict: strict ? opts : undefined,
      signal: opts.signal,
      onAbort: undefined,
      resolve,
      reject,
    };
    this.pending = p;
    // Bytes that arrived before the peer closed are still a valid reply.
    if (this.serve()) return;
    if (this.failure) return this.settle(p, null, null, this.failure);
    if (opts.signal) {
      p.onAbort = (): void => this.abandon(p, 'abort');
      if (opts.signal.aborted) return p.onAbort();
      opts.signal.addEventListener('abort', p.onAbort, { once: true });
    }
    this.waiting(true);
    this.armWatchdog(p.deadline);
  }

  /** Serves the pending read from the buffer; true when it is settled. */
  private serve(): boolean {
    const p = this.pending;
    if (!p) return false;
    if (p.head === undefined) {
      const head = this.queue.take(p.n);
      if (!head) return false;
      if (!p.more) {
        this.settle(p, head, null);
        return true;
      }
      try {
        p.n = p.more(head);
      } catch (e) {
        // The struct announced what cannot be read (an absurd length): the stream is lost.
        this.fatal(e instanceof PcscError ? e : new ProtocolError(String(e)));
        return true;
      }
      p.head = head;
      const tail = p.strict?.tailTimeout;
      if (tail !== undefined && p.n > this.queue.length) {
        p.deadline = now() + tail;
        this.armWatchdog(p.deadline);
      }
    }
    const tail = this.queue.take(p.n);
    if (!tail) return false;
    this.settle(p, p.head, tail);
    return true;
  }

  /** A read that times out or is aborted: strict ones, and half-read replies, are fatal. */
  private abandon(p: PendingRead, why: 'timeout' | 'abort'): void {
    if (this.pending !== p) return;
    const o = p.strict;
    if (!o && p.head === undefined) {
      if (why === 'timeout') this.settle(p, null, null);
      else this.settle(p, null, null, new PcscError(Scard.E_CANCELLED, 'aborted'));
      return;
    }
    const what = o?.what || 'reply';
    const late =
      p.head === undefined
        ? `pcscd sent no ${what} within ${o?.timeout} ms`
        : `pcscd announced ${p.n} bytes after the ${what} and sent ${this.queue.length} within ${o?.tailTimeout ?? o?.timeout} ms`;
    this.fatal(
      why === 'timeout'
        ? new PcscError(Scard.E_TIMEOUT, late)
        : new PcscError(Scard.E_CANCELLED, `aborted while waiting for the ${what}`),
    );
  }

  private settle(p: PendingRead, head: Buffer | null, tail: Buffer | null, err?: Error): void {
    if (this.pending !== p) return;
    this.pending = null;
    this.waiting(false);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    if (err) p.reject(err);
    else p.resolve(head, tail);
  }

  private armWatchdog(deadline: number): void {
    if (deadline === Infinity || (this.#watchdog && this.watchdogAt <= deadline)) return;
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.watchdogAt = deadline;
    this.#watchdog = setTimeout(() => this.onWatchdog(), Math.max(0, deadline - now()));
    this.#watchdog.unref();
  }

  private onWatchdog(): void {
    this.#watchdog = null;
    this.watchdogAt = Infinity;
    const p = this.pending;
    if (!p) return;
    if (now() >= p.deadline) this.abandon(p, 'timeout');
    else this.armWatchdog(p.deadline);
  }
}
