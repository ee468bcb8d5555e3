// The fake daemon's receive side (docs/protocol.md#partial-reads-errors-and-closing): exact-length reads from
// a byte stream that may be split or coalesced anywhere. Independent of the client's ByteQueue on purpose.

export class Inbox {
  private buf = Buffer.alloc(0);
  private ended = false;
  private waiter: { n: number; resolve: (b: Buffer | null) => void } | null = null;

  /** Bytes received and not yet read. */
  get length(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Exactly n bytes, or null when the peer closed first. */
  read(n: number): Promise<Buffer | null> {
    if (this.waiter) return Promise.reject(new Error('fake pcscd: concurrent reads'));
    return new Promise((resolve) => {
      this.waiter = { n, resolve };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.buf.length >= w.n) {
      const out = this.buf.subarray(0, w.n);
      this.buf = this.buf.subarray(w.n);
      this.waiter = null;
      w.resolve(Buffer.from(out));
    } else if (this.ended) {
      this.waiter = null;
      w.resolve(null);
    }
  }
}
