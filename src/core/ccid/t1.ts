// ISO 7816-3 §11.5–11.6: the T=1 protocol over a block link: chaining both ways, IFS and WTX
// requests, the error-recovery rules (R-blocks, retransmission, RESYNCH) and IFSD negotiation.

import { PcscError, Scard } from '../errors.js';
import { BlockError, decodeBlock, describeBlock, encodeBlock, type Block, type Edc } from './t1-block.js';

/**
 * One block out, the card's next block back. `wtx` is the BWT multiplier the card asked for with
 * S(WTX request) (0 = none). Transmission faults the protocol can recover from (parity, BWT
 * elapsed, a garbled reply) are thrown as T1LinkError; anything else (card removed, reader gone)
 * ends the exchange as is.
 */
export interface T1Link {
  exchange(block: Buffer, wtx: number): Promise<Buffer>;
}

export class T1LinkError extends Error {
  readonly code: 1 | 2;
  constructor(message: string, code: 1 | 2 = 2) {
    super(message);
    this.name = 'T1LinkError';
    this.code = code;
  }
}

export interface T1Options {
  ifsc: number;
  ifsd: number;
  edc: Edc;
  nad?: number;
  /** Called for every block, both ways (for traces). */
  onBlock?: (dir: 'out' | 'in', b: Block) => void;
}

const MAX_ERRORS = 3;

class ResyncNeeded extends Error {}

export class T1Protocol {
  /** N(S) of our next I-block. */
  ns: 0 | 1 = 0;
  /** N(S) we expect in the card's next I-block. */
  nr: 0 | 1 = 0;
  ifsc: number;
  readonly ifsd: number;
  readonly edc: Edc;
  private readonly initialIfsc: number;
  private readonly nad: number;
  private readonly link: T1Link;
  private readonly onBlock: T1Options['onBlock'];

  constructor(link: T1Link, o: T1Options) {
    this.link = link;
    this.ifsc = this.initialIfsc = o.ifsc;
    this.ifsd = Math.min(254, Math.max(1, o.ifsd));
    this.edc = o.edc;
    this.nad = o.nad ?? 0;
    this.onBlock = o.onBlock;
  }

  /** One block exchange; a recoverable fault comes back as a BlockError-like code. */
  private async send(b: Block, wtx: number): Promise<Block | { invalid: 1 | 2; why: string }> {
    this.onBlock?.('out', b);
    try {
      const r = decodeBlock(await this.link.exchange(encodeBlock(b, this.edc), wtx), this.edc, this.ifsd);
      this.onBlock?.('in', r);
      return r;
    } catch (e) {
      if (e instanceof BlockError || e instanceof T1LinkError) return { invalid: e.code, why: e.message };
      throw e;
    }
  }

  /** S(IFS request) with our IFSD, as the first exchange after the ATR (ISO 7816-3 §11.4.2). */
  async negotiateIfsd(): Promise<boolean> {
    const req: Block = { kind: 'S', nad: this.nad, type: 'IFS', response: false, inf: Buffer.from([this.ifsd]) };
    for (let i = 0; i < MAX_ERRORS; i++) {
      const r = await this.send(req, 0);
      if ('invalid' in r) continue;
      if (r.kind === 'S' && r.type === 'IFS' && r.response && r.inf[0] === this.ifsd) return true;
      return false;
    }
    return false;
  }

  async transceive(apdu: Uint8Array): Promise<Buffer> {
    try {
      return await this.attempt(Buffer.from(apdu));
    } catch (e) {
      if (!(e instanceof ResyncNeeded)) throw e;
    }
    await this.resync();
    try {
      return await this.attempt(Buffer.from(apdu));
    } catch (e) {
      if (e instanceof ResyncNeeded)
        throw new PcscError(Scard.E_NOT_TRANSACTED, `T=1 exchange failed again after RESYNCH: ${e.message}`);
      throw e;
    }
  }

  /** S(RESYNCH request) up to three times (rule 6.4); then the card must be reset. */
  async resync(): Promise<void> {
    const req: Block = { kind: 'S', nad: this.nad, type: 'RESYNCH', response: false, inf: Buffer.alloc(0) };
    for (let i = 0; i < MAX_ERRORS; i++) {
      const r = await this.send(req, 0);
      if (!('invalid' in r) && r.kind === 'S' && r.type === 'RESYNCH' && r.response) {
        this.ns = 0;
        this.nr = 0;
        this.ifsc = this.initialIfsc;
        return;
      }
    }
    throw new PcscError(Scard.W_UNRESPONSIVE_CARD, 'T=1 RESYNCH failed three times: the card must be reset');
  }

  private async attempt(apdu: Buffer): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (let i = 0; i < apdu.length || chunks.length === 0; i += this.ifsc)
      chunks.push(apdu.subarray(i, i + this.ifsc));
    let idx = 0;
    const iBlock = (): Block => ({
      kind: 'I',
      nad: this.nad,
      ns: this.ns,
      more: idx < chunks.length - 1,
      inf: chunks[idx] as Buffer,
    });
    let lastI = iBlock();
    let toSend: Block = lastI;
    /** Our last I-block still waits for the card's acknowledgement. */
    let unacked = true;
    let receiving = false;
    const answer: Buffer[] = [];
    let errors = 0;
    let wtx = 0;
    const fail = (why: string): void => {
      if (++errors >= MAX_ERRORS) throw new ResyncNeeded(why);
    };

    for (;;) {
      const r = await this.send(toSend, wtx);
      wtx = 0;
      if ('invalid' in r) {
        fail(r.why);
        // Rule 7.2/7.3: an S request is repeated; otherwise ask again for what we expect.
        toSend =
          toSend.kind === 'S' && !toSend.response
            ? toSend
            : { kind: 'R', nad: this.nad, nr: this.nr, error: r.invalid };
        continue;
      }
      if (r.kind === 'S') {
        if (r.response) {
          fail(`unexpected ${describeBlock(r)}`);
          toSend = { kind: 'R', nad: this.nad, nr: this.nr, error: 2 };
          continue;
        }
        if (r.type === 'WTX') {
          wtx = r.inf[0] as number;
          toSend = { ...r, response: true };
          continue;
        }
        if (r.type === 'IFS') {
          this.ifsc = r.inf[0] as number;
          toSend = { ...r, response: true };
          continue;
        }
        if (r.type === 'ABORT') {
          await this.send({ kind: 'S', nad: this.nad, type: 'ABORT', response: true, inf: Buffer.alloc(0) }, 0);
          throw new PcscError(Scard.E_NOT_TRANSACTED, 'the card aborted the T=1 chain (S(ABORT request))');
        }
        fail(`unexpected ${describeBlock(r)}`);
        toSend = { kind: 'R', nad: this.nad, nr: this.nr, error: 2 };
        continue;
      }
      if (r.kind === 'R') {
        const chaining = !receiving && unacked && lastI.kind === 'I' && lastI.more;
        if (chaining && r.nr !== this.ns) {
          // Acknowledgement of a chained block: send the next part.
          this.ns = (this.ns ^ 1) as 0 | 1;
          idx++;
          errors = 0;
          lastI = toSend = iBlock();
          continue;
        }
        fail(`card sent ${describeBlock(r)}`);
        // The card asks again for our last I-block (rule 7.4), or did not get our R-block.
        toSend =
          !receiving && unacked && r.nr === this.ns
            ? lastI
            : receiving
              ? toSend
              : { kind: 'R', nad: this.nad, nr: this.nr, error: 2 };
        continue;
      }
      // An I-block.
      const stillSending = !receiving && unacked && lastI.kind === 'I' && lastI.more;
      if (stillSending || r.ns !== this.nr) {
        fail(`card sent ${describeBlock(r)} out of turn`);
        toSend = { kind: 'R', nad: this.nad, nr: this.nr, error: 2 };
        continue;
      }
      if (unacked) {
        this.ns = (this.ns ^ 1) as 0 | 1;
        unacked = false;
      }
      this.nr = (this.nr ^ 1) as 0 | 1;
      errors = 0;
      answer.push(r.inf);
      if (!r.more) return Buffer.concat(answer);
      receiving = true;
      toSend = { kind: 'R', nad: this.nad, nr: this.nr, error: 0 };
    }
  }
}
