// The proxy's side of one client socket: buffers what the client sends, hands out whole requests
// (framed by takeRequest), and writes replies. The only place that touches a client socket; the
// per-client bounds it keeps are in backpressure.ts.

import type { Socket } from 'node:net';
import { ProtocolError } from '../errors.js';
import { ByteQueue } from '../pcscd/framer.js';
import { CLOSE_LINGER_MS, INPUT_LIMIT, OUTPUT_LIMIT, PARTIAL_REQUEST_MS, ClientDropped } from './backpressure.js';
import { takeRequest, type RawRequest } from './requests.js';

export class ClientStream {
  private readonly socket: Socket;
  private readonly queue = new ByteQueue();
  private ended = false;
  private paused = false;
  private wake: (() => void) | null = null;
  private listener: (() => void) | null = null;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.ended) return; // closing: what still comes is read and dropped
      this.queue.push(chunk);
      // A client that sends faster than it is served waits in its own write, as with pcscd.
      if (this.queue.length >= INPUT_LIMIT) this.pause();
      this.notify();
    });
    // A client that goes away leaves nothing behind: what it queued is never sent to the daemon.
    const gone = (): void => {
      this.ended = true;
      this.queue.clear();
      this.notify();
    };
    socket.on('end', gone);
    socket.on('close', gone);
    socket.on('error', gone);
    socket.on('drain', () => this.notify());
  }

  /** True once the client has gone (or we closed it). */
  get closed(): boolean {
    return this.ended;
  }

  /**
   * Something to do: the client went away, or a request (or part of one) is there and the client
   * has read every earlier reply. Until it has, the proxy serves it nothing more (pcscd blocks in
   * its write the same way).
   */
  get ready(): boolean {
    return this.ended || (this.queue.length > 0 && !this.blocked);
  }

  /** Replies are waiting for the client to read them. */
  get blocked(): boolean {
    return this.socket.writableLength > 0;
  }

  /** Calls fn whenever bytes arrive, replies drain or the client goes away (one listener: the session's loop). */
  onReady(fn: () => void): void {
    this.listener = fn;
  }

  /**
   * The next whole request, or null when the client has gone. `minor` is the client's protocol,
   * which decides the body of WAIT/STOP. Throws ProtocolError on a request pcscd would refuse.
   */
  async next(minor: number): Promise<RawRequest | null> {
    let started: number | null = null;
    for (;;) {
      if (this.ended) return null;
      if (this.blocked) {
        await this.waitFor(Infinity);
        continue;
      }
      const req = takeRequest(this.queue, minor);
      if (req) {
        if (this.paused && this.queue.length < INPUT_LIMIT) this.resume();
        return req;
      }
      // The rest of a request is still on its way: it may be held back by our own pause.
      if (this.paused) this.resume();
      if (this.queue.length > 0) started ??= Date.now();
      const left = started === null ? Infinity : PARTIAL_REQUEST_MS - (Date.now() - started);
      if (left <= 0) throw new ProtocolError('client stopped in the middle of a request');
      await this.waitFor(left);
    }
  }

  /**
   * Writes a reply; its parts (struct, then data) go out in one write: one wake-up of the client.
   * Throws ClientDropped when the client has left more than OUTPUT_LIMIT bytes unread.
   */
  write(...parts: Uint8Array[]): void {
    if (this.ended) return;
    const buf = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    if (this.socket.writableLength + buf.length > OUTPUT_LIMIT) {
      this.destroy();
      throw new ClientDropped(`it left more than ${OUTPUT_LIMIT / 1024} KiB of replies unread`);
    }
    this.socket.write(buf);
    // A client that has closed fails the write at once (EPIPE): it gets nothing more.
    if (this.socket.destroyed) this.ended = true;
  }

  /**
   * Ends the connection without a reset: the client reads the end of the stream (libpcsclite:
   * SCARD_F_COMM_ERROR) instead of ECONNRESET, which it would take for a polkit refusal
   * (SCARD_W_SECURITY_VIOLATION). What it still sends is read and dropped until it closes, for
   * CLOSE_LINGER_MS at most.
   */
  close(): void {
    if (this.socket.destroyed) return this.destroy();
    this.ended = true;
    this.queue.clear();
    this.resume();
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
    this.notify();
  }

  /** Closes at once (the client left, or the proxy is stopping). */
  destroy(): void {
    this.ended = true;
    this.queue.clear();
    this.socket.destroy();
    this.notify();
  }

  private pause(): void {
    this.paused = true;
    this.socket.pause();
  }

  private resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  private waitFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => resolve(), ms) : null;
      this.wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
    this.listener?.();
  }
}
