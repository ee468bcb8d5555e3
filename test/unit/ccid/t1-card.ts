// A T=1 card simulated from ISO 7816-3 §11 (not from the driver), for the T=1 tests and the
// simulated CCID reader.

import { T1LinkError, type T1Link } from '../../../src/core/ccid/t1.js';
import { hex as h } from '../../helpers/hex.js';

/** A block as the card writes it: NAD PCB LEN INF LRC, built here, not by the driver. */
export function cardBlock(pcb: number, inf: number[] | Buffer = []): Buffer {
  const b = Buffer.from([0, pcb, inf.length, ...inf]);
  let x = 0;
  for (const v of b) x ^= v;
  return Buffer.concat([b, Buffer.from([x])]);
}

export type Fault = 'corrupt' | 'mute' | 'wtx' | 'ifs' | 'abort' | 'ask-again' | 'garbage';

/**
 * A T=1 card per ISO 7816-3 §11: it acknowledges chained blocks, chains its own answers at IFSD,
 * answers S requests, asks for retransmission and retransmits. `faults` are consumed one per
 * block received (undefined = behave).
 */
export class T1Card implements T1Link {
  sent: string[] = [];
  seen: string[] = [];
  private cardNs = 0;
  private expect = 0;
  private incoming: number[] = [];
  private outgoing: Buffer[] = [];
  private last: Buffer = Buffer.alloc(0);
  wtxSeen: number[] = [];
  constructor(
    private readonly answer: (apdu: Buffer) => Buffer,
    public faults: (Fault | undefined)[] = [],
    private readonly ifsd = 254,
    public ifsc = 254,
  ) {}

  async exchange(block: Buffer, wtx: number): Promise<Buffer> {
    this.wtxSeen.push(wtx);
    this.seen.push(block.toString('hex'));
    const fault = this.faults.shift();
    if (fault === 'mute') throw new T1LinkError('BWT elapsed');
    if (fault === 'garbage') return h('0000');
    const out = this.respond(block, fault);
    this.sent.push(out.toString('hex'));
    if (fault === 'corrupt') {
      const c = Buffer.from(out);
      c[c.length - 1] = (c[c.length - 1] as number) ^ 0xff;
      return c;
    }
    return out;
  }

  /** The card's answer to one block, without fault injection (for the simulated reader). */
  handle(block: Buffer): Buffer {
    this.seen.push(block.toString('hex'));
    return this.respond(block, undefined);
  }

  private respond(b: Buffer, fault: Fault | undefined): Buffer {
    if (fault === 'wtx') return cardBlock(0xc3, [3]);
    if (fault === 'ifs') return cardBlock(0xc1, [16]);
    if (fault === 'abort') return cardBlock(0xc2);
    if (fault === 'ask-again') return cardBlock(0x80 | (this.expect << 4) | 2);
    const pcb = b[1] as number;
    const inf = [...b.subarray(3, 3 + (b[2] as number))];
    if ((pcb & 0x80) === 0) {
      const ns = (pcb >> 6) & 1;
      if (ns !== this.expect) return cardBlock(0x80 | (this.expect << 4) | 2);
      this.expect ^= 1;
      this.incoming.push(...inf);
      if (pcb & 0x20) return cardBlock(0x80 | (this.expect << 4));
      const r = this.answer(Buffer.from(this.incoming));
      this.incoming = [];
      this.outgoing = [];
      for (let i = 0; i < r.length; i += this.ifsd) this.outgoing.push(r.subarray(i, i + this.ifsd));
      return this.nextI();
    }
    if ((pcb & 0xc0) === 0x80) {
      // N(R) names the I-block the IFD wants: our next one, or the last one again.
      const nr = (pcb >> 4) & 1;
      if (nr === this.cardNs) return this.outgoing.length ? this.nextI() : cardBlock(0x80 | (this.expect << 4) | 2);
      return this.last;
    }
    const type = pcb & 0x1f;
    if (pcb & 0x20) {
      // S response from the IFD (WTX, IFS): carry on with what we were doing.
      return this.outgoing.length || this.last.length ? this.last : cardBlock(0x80);
    }
    if (type === 0) {
      this.cardNs = 0;
      this.expect = 0;
      this.last = Buffer.alloc(0);
      return cardBlock(0xe0);
    }
    if (type === 1) return cardBlock(0xe1, inf);
    return cardBlock(0xe0 | type, inf);
  }

  private nextI(): Buffer {
    const chunk = this.outgoing.shift() as Buffer;
    const more = this.outgoing.length > 0;
    const blk = cardBlock((this.cardNs << 6) | (more ? 0x20 : 0), chunk);
    this.cardNs ^= 1;
    this.last = blk;
    return blk;
  }
}
