// A bare socket client for checking the fake daemon against the spec's tables byte by byte,
// without our production client in the way.

import { createConnection, type Socket } from 'node:net';
import { Inbox } from './inbox.js';

export class RawClient {
  private readonly inbox = new Inbox();
  /** Set once the daemon closed the connection (EOF or reset). */
  closedBy: 'eof' | string | null = null;
  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.inbox.push(d));
    socket.on('end', () => {
      this.closedBy ??= 'eof';
      this.inbox.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.closedBy ??= e.code ?? e.message;
      this.inbox.end();
    });
    socket.on('close', () => this.inbox.end());
  }

  static open(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ path });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(b: Uint8Array): void {
    this.socket.write(b);
  }

  /** n bytes, or null when nothing complete came within ms / the daemon closed. */
  async read(n: number, ms = 2000): Promise<Buffer | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), ms);
    });
    const got = await Promise.race([this.inbox.read(n), timeout]);
    clearTimeout(timer);
    if (got === null) this.socket.destroy();
    return got;
  }

  /** Bytes that arrived within ms and are not read yet (0: the daemon stayed silent). */
  async quiet(ms = 300): Promise<number> {
    await new Promise((r) => setTimeout(r, ms));
    return this.inbox.length;
  }

  /** Resolves with how the connection ended, or null if it is still open after ms. */
  async ended(ms = 3000): Promise<string | null> {
    const end = Date.now() + ms;
    while (this.closedBy === null && !this.socket.destroyed && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    return this.closedBy ?? (this.socket.destroyed ? 'closed' : null);
  }

  close(): void {
    this.socket.destroy();
  }
}
