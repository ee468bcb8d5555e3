// A scriptable smart card behind QEMU's ccid-card-passthru: the host side of QEMU's VSCard
// protocol (libcacard vscard_common.h: 12-byte header type/reader_id/length, big-endian u32).
//
// The guest drives it with APDUs (CLA 80):
//   80 10 P1 P2        answer P1P2 bytes (0, 1, 2, … mod 256) and 90 00
//   80 20 … data       echo the command data and 90 00 (short or extended Lc)
//   80 22 … data       answer the command data length (2 bytes) and 90 00
//   80 30 P1 P2        remove the card after P1×100 ms; reinsert it P2×100 ms later (P2 = 0: stay out)
//   80 40 P1 P2        answer 61 xx and keep P1P2 bytes for GET RESPONSE (00 C0 00 00 Le), which
//                      returns at most Le (0 = 256) bytes, then 61 xx again while some remain
//   80 50 00 P2 Le     6C P2 unless Le = P2, then P2 bytes and 90 00
//   80 60 P1           answer 90 00 after P1×100 ms
//   80 66              never answer; the host test is told (onHold) and may unplug the reader
//   00 A4 …            90 00
//   anything else      6D 00
// The host can also remove and insert the card, and change the ATR, at any time.

import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

export const VSC = {
  Init: 1,
  Error: 2,
  ReaderAdd: 3,
  ReaderRemove: 4,
  ATR: 5,
  CardRemove: 6,
  APDU: 7,
  Flush: 8,
  FlushComplete: 9,
} as const;

/** A T=0 ATR with TA1 = 11: libccid accepts it (it refuses T=1-only cards on QEMU's reader). */
export const DEFAULT_ATR = Buffer.from('3B0253 01'.replace(/\s/g, ''), 'hex');

export interface VscardCardOptions {
  atr?: Buffer;
  /** Called when an `80 66` arrives and is left unanswered. */
  onHold?: () => void;
}

export function frame(type: number, readerId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt32BE(type, 0);
  h.writeUInt32BE(readerId >>> 0, 4);
  h.writeUInt32BE(payload.length, 8);
  return Buffer.concat([h, payload]);
}

export class VscardCard {
  readonly path: string;
  atr: Buffer;
  /** Every APDU the card received, in order. */
  readonly received: Buffer[] = [];
  private server: Server | undefined;
  private conn: Socket | undefined;
  private pending: Buffer = Buffer.alloc(0);
  private timers = new Set<NodeJS.Timeout>();
  private readonly onHold: (() => void) | undefined;
  inserted = false;

  constructor(path: string, opts: VscardCardOptions = {}) {
    this.path = path;
    this.atr = opts.atr ?? DEFAULT_ATR;
    this.onHold = opts.onHold;
  }

  listen(): Promise<void> {
    rmSync(this.path, { force: true });
    return new Promise((resolve, reject) => {
      const srv = createServer((c) => this.accept(c));
      srv.once('error', reject);
      srv.listen(this.path, () => resolve());
      this.server = srv;
    });
  }

  private send(type: number, payload?: Uint8Array): void {
    this.conn?.write(frame(type, 0, payload));
  }

  private accept(c: Socket): void {
    this.conn = c;
    let buf = Buffer.alloc(0);
    let greeted = false;
    c.on('error', () => undefined);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 12 && buf.length >= 12 + buf.readUInt32BE(8)) {
        const type = buf.readUInt32BE(0);
        const len = buf.readUInt32BE(8);
        const payload = buf.subarray(12, 12 + len);
        buf = buf.subarray(12 + len);
        if (type === VSC.Init) {
          // QEMU answers our Init with another one: greet once per connection.
          if (greeted) continue;
          greeted = true;
          const init = Buffer.alloc(12);
          init.write('VSCD', 0, 'latin1');
          init.writeUInt32BE(2, 4);
          this.conn?.write(frame(VSC.Init, 0xffffffff, init));
          this.send(VSC.ReaderAdd, Buffer.from('pcsc-test-vscard\0'));
          this.insert();
        } else if (type === VSC.APDU) {
          this.apdu(Buffer.from(payload));
        }
      }
    });
  }

  insert(atr?: Buffer): void {
    if (atr) this.atr = atr;
    this.inserted = true;
    this.send(VSC.ATR, this.atr);
  }

  remove(): void {
    this.inserted = false;
    this.pending = Buffer.alloc(0);
    this.send(VSC.CardRemove);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private apdu(a: Buffer): void {
    this.received.push(a);
    const [cla, ins, p1 = 0, p2 = 0] = a;
    const answer = (r: Buffer): void => this.send(VSC.APDU, r);
    const ok = Buffer.from([0x90, 0x00]);
    const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff));
    const data = (): Buffer =>
      a.length > 7 && a[4] === 0 ? a.subarray(7, 7 + a.readUInt16BE(5)) : a.subarray(5, 5 + (a[4] ?? 0));
    if (ins === 0xa4) return answer(ok);
    if (cla === 0x00 && ins === 0xc0) {
      if (this.pending.length === 0) return answer(Buffer.from([0x6f, 0x00]));
      const le = a[4] === 0 || a[4] === undefined ? 256 : (a[4] as number);
      const out = this.pending.subarray(0, le);
      this.pending = this.pending.subarray(out.length);
      const sw = this.pending.length > 0 ? Buffer.from([0x61, Math.min(this.pending.length, 256) & 0xff]) : ok;
      return answer(Buffer.concat([out, sw]));
    }
    if (cla !== 0x80) return answer(Buffer.from([0x6d, 0x00]));
    switch (ins) {
      case 0x10:
        return answer(Buffer.concat([pattern((p1 << 8) | p2), ok]));
      case 0x20:
        return answer(Buffer.concat([data(), ok]));
      case 0x22: {
        const n = data().length;
        return answer(Buffer.from([n >> 8, n & 0xff, 0x90, 0x00]));
      }
      case 0x30:
        answer(ok);
        this.later(p1 * 100, () => this.remove());
        if (p2 > 0) this.later((p1 + p2) * 100, () => this.insert());
        return;
      case 0x40:
        this.pending = pattern((p1 << 8) | p2);
        return answer(Buffer.from([0x61, Math.min(this.pending.length, 256) & 0xff]));
      case 0x50: {
        const le = a[4] ?? 0;
        return answer(le === p2 ? Buffer.concat([pattern(p2), ok]) : Buffer.from([0x6c, p2]));
      }
      case 0x60:
        return this.later(p1 * 100, () => answer(ok));
      case 0x66:
        this.onHold?.();
        return;
      default:
        return answer(Buffer.from([0x6d, 0x00]));
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.conn?.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    rmSync(this.path, { force: true });
  }
}
