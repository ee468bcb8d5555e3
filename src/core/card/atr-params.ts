// ISO 7816-3 §8.2–8.3 and §10–11: the parts of an ATR a reader driver needs (protocols, Fi/Di,
// N, specific mode, T=0 WI, T=1 IFSC/BWI/CWI/EDC), read through the one ATR parser
// (atr-structure.ts). Unlike the analysis, it refuses an ATR a card cannot be driven with.

import { PcscError, Scard } from '../errors.js';
import { atrCharacter, atrChecksum, firstGroupFor, readAtr, type AtrStructure } from './atr-structure.js';

export interface AtrParams {
  /** TS = 3F: inverse convention. */
  inverse: boolean;
  /** Protocols offered, in ATR order (T=0 when no TD1). */
  protocols: number[];
  /** The first offered protocol: the default one when no PPS is made. */
  firstProtocol: number;
  /** TA1 as is (Fi index high nibble, Di index low nibble); 0x11 when absent. */
  fidi: number;
  /** TC1 (extra guard time N), 0 when absent. */
  guardTime: number;
  /** TA2 present: the card is in specific mode with this protocol (and cannot negotiate). */
  specific?: { protocol: number; implicitFidi: boolean };
  /** TC2: T=0 waiting integer WI (default 10). */
  t0WaitingInteger: number;
  /** First TA for T=1: IFSC (default 32). */
  ifsc: number;
  /** First TB for T=1: BWI (high nibble) and CWI (low nibble); default 0x4D. */
  t1WaitingIntegers: number;
  /** First TC for T=1, bit 0: CRC instead of LRC. */
  crc: boolean;
}

function bad(detail: string): PcscError {
  return new PcscError(Scard.W_UNSUPPORTED_CARD, `invalid ATR: ${detail}`);
}

/** The driver's view of an ATR; a PcscError (SCARD_W_UNSUPPORTED_CARD) saying why it cannot be used. */
export function parseAtrParams(atr: Uint8Array): AtrParams {
  if (atr.length < 2) throw bad(`only ${atr.length} byte(s)`);
  if (atr[0] !== 0x3b && atr[0] !== 0x3f)
    throw bad(`TS = ${atr[0]?.toString(16).padStart(2, '0')} (3B or 3F expected)`);
  const s = readAtr(atr);
  if (s.truncated) throw bad('interface bytes run past the end');
  const k = s.historicalLength;
  const end = s.historicalStart + k;
  if (end > atr.length) throw bad(`${k} historical bytes announced, ${atr.length - s.historicalStart} present`);
  if (s.tckRequired) {
    if (end >= atr.length) throw bad('TCK missing');
    if (atrChecksum(atr, end + 1) !== 0) throw bad('TCK does not match');
  }
  const protocols = s.offered.length > 0 ? s.offered : [0];
  const ta2 = atrCharacter(s, 'A', 2);
  const t1 = groupOf(s, 1);
  const out: AtrParams = {
    inverse: atr[0] === 0x3f,
    protocols,
    firstProtocol: protocols[0] as number,
    fidi: atrCharacter(s, 'A', 1) ?? 0x11,
    guardTime: atrCharacter(s, 'C', 1) ?? 0,
    t0WaitingInteger: atrCharacter(s, 'C', 2) ?? 10,
    ifsc: t1.A ?? 32,
    t1WaitingIntegers: t1.B ?? 0x4d,
    crc: ((t1.C ?? 0) & 1) === 1,
  };
  if (ta2 !== undefined) out.specific = { protocol: ta2 & 0x0f, implicitFidi: (ta2 & 0x10) !== 0 };
  if (out.ifsc === 0 || out.ifsc === 0xff) throw bad(`IFSC ${out.ifsc} is invalid`);
  return out;
}

/** TA/TB/TC of the first group specific to protocol T (ISO 7816-3 §8.2.3: T=1's IFSC, BWI/CWI, EDC). */
function groupOf(s: AtrStructure, t: number): Partial<Record<'A' | 'B' | 'C', number>> {
  const i = firstGroupFor(s, t);
  if (i === undefined) return {};
  return { A: atrCharacter(s, 'A', i), B: atrCharacter(s, 'B', i), C: atrCharacter(s, 'C', i) };
}
