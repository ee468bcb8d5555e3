// Turns socket chunks into exact-length reads (docs/protocol.md#partial-reads-errors-and-closing). pcscd
// replies carry no header, so the client asks for the number of bytes it knows the reply has; chunks may
// split or coalesce messages anywhere. Pushed chunks must belong to the queue (the connection copies each
// read): what take() returns may be a view on them.

export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // bytes already consumed from chunks[0]
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Removes and returns exactly n bytes, or null when fewer are buffered. */
  take(n: number): Buffer | null {
    if (n > this.total) return null;
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0] as Buffer;
    if (first.length - this.head >= n) {
      // Inside one chunk: a view, no copy. Chunks are the connection's own copies of what one
      // read returned (nothing else writes to them), and as large as that read only.
      const out = this.head === 0 && first.length === n ? first : first.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Buffer;
      const avail = c.length - this.head;
      const k = Math.min(avail, n - filled);
      c.copy(out, filled, this.head, this.head + k);
      filled += k;
      this.advance(k);
    }
    return out;
  }

  /** Looks at the next n bytes without consuming them, or null when fewer are buffered. */
  peek(n: number): Buffer | null {
    if (n > this.total) return null;
    const saved = { chunks: this.chunks.slice(), head: this.head, total: this.total };
    const out = this.take(n);
    this.chunks = saved.chunks;
    this.head = saved.head;
    this.total = saved.total;
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.total = 0;
  }

  private advance(n: number): void {
    this.total -= n;
    this.head += n;
    while (this.chunks.length > 0 && this.head >= (this.chunks[0] as Buffer).length) {
      this.head -= (this.chunks[0] as Buffer).length;
      this.chunks.shift();
    }
  }
}
