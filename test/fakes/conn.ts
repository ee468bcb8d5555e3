// One client connection as the fake daemon sees it (docs/protocol.md#connections): its context, its registration for
// notifications, the version the client announced, and an ordered write queue.

import type { Socket } from 'node:net';
import { Inbox } from './inbox.js';

export class Conn {
  readonly inbox = new Inbox();
  /** The one context this connection carries (0: none or released). */
  hContext = 0;
  /** In the notification list (CMD_WAIT_READER_STATE_CHANGE … notification or STOP). */
  registered = false;
  /** The minor of the CMD_VERSION the daemon accepted, or null (cancel connections send none). */
  clientMinor: number | null = null;
  /** 2.5.x "old API" mode for 4:4/4:5 clients: WAIT sends the 16-entry array. */
  oldApi = false;
  closed = false;
  private out: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly fragment: number,
  ) {}

  /** Writes each part as the daemon does (struct, then data, as separate writes), in order. */
  send(parts: readonly Buffer[]): Promise<void> {
    const pieces: Buffer[] = [];
    for (const p of parts) {
      if (!this.fragment) pieces.push(p);
      else for (let i = 0; i < p.length; i += this.fragment) pieces.push(p.subarray(i, i + this.fragment));
    }
    this.out = this.out.then(async () => {
      for (const piece of pieces) {
        if (this.closed || this.socket.destroyed) return;
        this.socket.write(piece);
        // Give the client a chance to read each piece on its own.
        if (this.fragment) await new Promise((r) => setTimeout(r, 1));
      }
    });
    return this.out;
  }

  /** Closes after the queued writes (the client reads them, then EOF). */
  async end(): Promise<void> {
    await this.out;
    this.closed = true;
    this.socket.end();
  }

  /** Closes at once; unread client bytes make the client see ECONNRESET. */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** Stops reading from the socket so that what the client sends next stays unread. */
  stopReading(): void {
    (this.socket as unknown as { _handle?: { readStop?: () => number } })._handle?.readStop?.();
  }
}
