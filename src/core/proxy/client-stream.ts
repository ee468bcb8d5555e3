// The proxy's side of one client socket: buffers what the client sends, hands out whole requests
// (framed by takeRequest), and writes replies. The only place that touches a client socket.

import type { Socket } from 'node:net';
import { ProtocolError } from '../errors.js';
import { ByteQueue } from '../pcscd/framer.js';
import { takeRequest, type RawRequest } from './requests.js';

/** A client that stops in the middle of a request is dropped after this long. */
const PARTIAL_REQUEST_MS = 30_000;

export class ClientStream {
  private readonly socket: Socket;
  private readonly queue = new ByteQueue();
  private ended = false;
  private wake: (() => void) | null = null;
  private listener: (() => void) | null = null;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      this.notify();
    });
    const end = (): void => {
      this.ended = true;
      this.notify();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  /** True once the client has gone (or we closed it). */
  get closed(): boolean {
    return this.ended;
  }

  /** Something to read (bytes or the end) is there. */
  get ready(): boolean {
    return this.ended || this.queue.length > 0;
  }

  /** Calls fn whenever bytes arrive or the client goes away (one listener, for the session's loop). */
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
      const req = takeRequest(this.queue, minor);
      if (req) return req;
      if (this.ended) return null;
      if (this.queue.length > 0) started ??= Date.now();
      const left = started === null ? Infinity : PARTIAL_REQUEST_MS - (Date.now() - started);
      if (left <= 0) throw new ProtocolError('client stopped in the middle of a request');
      await this.waitFor(left);
    }
  }

  /** Writes a reply; its parts (struct, then data) go out in one write: one wake-up of the client. */
  write(...parts: Uint8Array[]): void {
    if (this.ended) return;
    this.socket.write(parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts));
  }

  close(): void {
    this.ended = true;
    this.socket.destroy();
    this.notify();
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
