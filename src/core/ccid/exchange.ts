// The four CCID exchange levels (CCID rev 1.1 §6.1.4 XfrBlock): character (T=0 procedure bytes
// by the host), TPDU (T=0 TPDUs, T=1 blocks), short APDU, and extended APDU with chaining.

import { PcscError, Scard } from '../errors.js';
import { ChainParameter, LevelParameter, SlotError, xfrBlock, type ReplyMessage } from './messages.js';
import { SlotFailure, type CcidReader, type CommandOptions } from './reader.js';
import { apduToT0Tpdu, t0CharacterExchange } from '../card/t0-tpdu.js';
import { T1LinkError, T1Protocol, type T1Link } from './t1.js';

export type Exchange = (apdu: Uint8Array, opts: CommandOptions) => Promise<Buffer>;

/** XfrBlock on one slot; a failed reply or a card gone away becomes the matching error. */
export async function xfr(
  reader: CcidReader,
  slot: number,
  data: Uint8Array,
  opts: CommandOptions,
  bwi = 0,
  level = 0,
): Promise<ReplyMessage> {
  const r = await reader.command((seq) => xfrBlock(slot, seq, data, bwi, level), opts);
  if (r.status.icc === 'absent') throw new PcscError(Scard.W_REMOVED_CARD, 'the card was removed');
  if (r.status.command === 'failed') throw transferError(r, 'XfrBlock');
  return r;
}

export function transferError(r: ReplyMessage, what: string): Error {
  switch (r.status.error) {
    case SlotError.ICC_MUTE:
      return new PcscError(Scard.W_UNRESPONSIVE_CARD, `${what}: the card does not answer`);
    case SlotError.CMD_NOT_SUPPORTED:
      return new PcscError(Scard.E_UNSUPPORTED_FEATURE, `${what} is not supported by the reader`);
    case SlotError.CMD_ABORTED:
      return new PcscError(Scard.E_CANCELLED, `${what} was aborted`);
    default:
      return new SlotFailure(r, what);
  }
}

/** TPDU level, T=0: the reader handles procedure bytes; 61xx/6Cxx go back to the caller. */
export function t0Tpdu(reader: CcidReader, slot: number): Exchange {
  return async (apdu, opts) => (await xfr(reader, slot, apduToT0Tpdu(apdu), opts)).data;
}

/** Character level, T=0: the host plays the procedure bytes, one XfrBlock per step. */
export function t0Character(reader: CcidReader, slot: number): Exchange {
  return (apdu, opts) =>
    t0CharacterExchange(apduToT0Tpdu(apdu), async (out, expect) => {
      const r = await xfr(reader, slot, out, opts, 0, expect);
      if (r.data.length !== expect)
        throw new PcscError(Scard.E_NOT_TRANSACTED, `the reader returned ${r.data.length} of ${expect} expected bytes`);
      return r.data;
    });
}

/** The T=1 block link over XfrBlock: transmission faults become recoverable link errors. */
export function t1Link(reader: CcidReader, slot: number, opts: () => CommandOptions): T1Link {
  return {
    async exchange(block, wtx) {
      let r: ReplyMessage;
      try {
        r = await reader.command((seq) => xfrBlock(slot, seq, block, wtx), opts());
      } catch (e) {
        if (e instanceof Error && 'code' in e && (e as { code: unknown }).code === 'ETIMEDOUT')
          throw new T1LinkError('the reader did not answer in time', 2);
        throw e;
      }
      if (r.status.icc === 'absent') throw new PcscError(Scard.W_REMOVED_CARD, 'the card was removed');
      if (r.status.command === 'failed') {
        const e = r.status.error;
        if (e === SlotError.XFR_PARITY_ERROR) throw new T1LinkError('parity error', 1);
        if (e === SlotError.ICC_MUTE || e === SlotError.XFR_OVERRUN)
          throw new T1LinkError(e === SlotError.ICC_MUTE ? 'block waiting time elapsed' : 'overrun', 2);
        throw transferError(r, 'T=1 XfrBlock');
      }
      return r.data;
    },
  };
}

export function t1Tpdu(protocol: T1Protocol, optsRef: { current: CommandOptions }): Exchange {
  return async (apdu, opts) => {
    optsRef.current = opts;
    return protocol.transceive(apdu);
  };
}

/** Short APDU level: one XfrBlock per APDU (the reader does GET RESPONSE itself). */
export function shortApdu(reader: CcidReader, slot: number): Exchange {
  return async (apdu, opts) => {
    if (apdu.length > 261)
      throw new PcscError(
        Scard.E_INVALID_PARAMETER,
        `this reader exchanges short APDUs only (${apdu.length} bytes given, 261 at most)`,
      );
    return (await xfr(reader, slot, apdu, opts)).data;
  };
}

/**
 * Extended APDU level: commands longer than one message go in parts (wLevelParameter 1, 3…,
 * 2); answers that come in parts (bChainParameter 1, 3…, 2) are fetched with empty XfrBlocks
 * whose wLevelParameter is 0x10.
 */
export function extendedApdu(reader: CcidReader, slot: number): Exchange {
  return async (apdu, opts) => {
    const room = Math.max(1, reader.descriptor.maxMessageLength - 10);
    let r: ReplyMessage | undefined;
    if (apdu.length <= room) {
      r = await xfr(reader, slot, apdu, opts, 0, LevelParameter.beginEnd);
    } else {
      for (let off = 0; off < apdu.length; off += room) {
        const last = off + room >= apdu.length;
        const level = off === 0 ? LevelParameter.begin : last ? LevelParameter.end : LevelParameter.middle;
        r = await xfr(reader, slot, apdu.subarray(off, off + room), opts, 0, level);
        if (!last && r.specific !== ChainParameter.continue) {
          throw new PcscError(
            Scard.E_NOT_TRANSACTED,
            `the reader did not ask for the next part of the command (bChainParameter 0x${r.specific.toString(16)})`,
          );
        }
      }
    }
    if (!r) throw new PcscError(Scard.E_INVALID_PARAMETER, 'empty APDU');
    const parts = [r.data];
    let total = r.data.length;
    let chain = r.specific;
    while (chain === ChainParameter.begin || chain === ChainParameter.middle) {
      const next = await xfr(reader, slot, new Uint8Array(0), opts, 0, LevelParameter.continue);
      parts.push(next.data);
      total += next.data.length;
      if (total > 65_538) throw new PcscError(Scard.E_INSUFFICIENT_BUFFER, 'the chained answer exceeds 65538 bytes');
      chain = next.specific;
      if (chain !== ChainParameter.middle && chain !== ChainParameter.end) {
        throw new PcscError(
          Scard.E_NOT_TRANSACTED,
          `unexpected bChainParameter 0x${chain.toString(16)} in a chained answer`,
        );
      }
    }
    return Buffer.concat(parts, total);
  };
}
