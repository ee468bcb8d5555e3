// ISO 7816-3 §8.2–8.3 and §10–11: the parts of an ATR a reader driver needs (protocols, Fi/Di,
// N, specific mode, T=0 WI, T=1 IFSC/BWI/CWI/EDC, clock stop). A minimal parser of our own while
// the full analyser (src/core/card/atr.ts) is written elsewhere; it checks TCK.

import { PcscError, Scard } from '../errors.js';

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
  /** First TA for T=15: clock stop (bits 8–7) and class (bits 6–1); 0 when absent. */
  t15ClockClass: number;
  historical: Buffer;
}

/** Fi and Di tables (ISO 7816-3 tables 7 and 8); undefined entries are RFU. */
export const FI: readonly (number | undefined)[] = [
  372,
  372,
  558,
  744,
  1116,
  1488,
  1860,
  undefined,
  undefined,
  512,
  768,
  1024,
  1536,
  2048,
  undefined,
  undefined,
];
export const FMAX_MHZ: readonly (number | undefined)[] = [
  4,
  5,
  6,
  8,
  12,
  16,
  20,
  undefined,
  undefined,
  5,
  7.5,
  10,
  15,
  20,
  undefined,
  undefined,
];
export const DI: readonly (number | undefined)[] = [
  undefined,
  1,
  2,
  4,
  8,
  16,
  32,
  64,
  12,
  20,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
];

function bad(detail: string): PcscError {
  return new PcscError(Scard.W_UNSUPPORTED_CARD, `invalid ATR: ${detail}`);
}

export function parseAtrParams(atr: Uint8Array): AtrParams {
  const a = Buffer.from(atr);
  if (a.length < 2) throw bad(`only ${a.length} byte(s)`);
  if (a[0] !== 0x3b && a[0] !== 0x3f) throw bad(`TS = ${a[0]?.toString(16).padStart(2, '0')} (3B or 3F expected)`);
  const t0 = a[1] as number;
  const k = t0 & 0x0f;
  const groups: { ta?: number; tb?: number; tc?: number; td?: number }[] = [];
  let y = t0 >> 4;
  let i = 2;
  let protocolOfGroup = 0;
  const tdProtocols: number[] = [];
  const groupProtocol: number[] = [];
  while (true) {
    const g: { ta?: number; tb?: number; tc?: number; td?: number } = {};
    for (const [bit, key] of [
      [1, 'ta'],
      [2, 'tb'],
      [4, 'tc'],
      [8, 'td'],
    ] as const) {
      if (y & bit) {
        const v = a[i++];
        if (v === undefined) throw bad('interface bytes run past the end');
        g[key] = v;
      }
    }
    groups.push(g);
    groupProtocol.push(protocolOfGroup);
    if (g.td === undefined) break;
    protocolOfGroup = g.td & 0x0f;
    tdProtocols.push(protocolOfGroup);
    y = g.td >> 4;
    if (groups.length > 16) throw bad('too many interface byte groups');
  }
  if (i + k > a.length) throw bad(`${k} historical bytes announced, ${a.length - i} present`);
  const historical = a.subarray(i, i + k);
  const offered = [...new Set(tdProtocols.filter((p) => p !== 15))];
  const protocols = offered.length > 0 ? offered : [0];
  const needsTck = tdProtocols.some((p) => p !== 0);
  if (needsTck) {
    if (i + k >= a.length) throw bad('TCK missing');
    let x = 0;
    for (let j = 1; j <= i + k; j++) x ^= a[j] as number;
    if (x !== 0) throw bad('TCK does not match');
  }
  const g1 = groups[0] ?? {};
  const g2 = groups[1];
  // Parameters for T=1 and T=15 sit in the groups after the first TD announcing that protocol (i ≥ 3).
  const firstFor = (p: number): { ta?: number; tb?: number; tc?: number } | undefined => {
    for (let j = 2; j < groups.length; j++) if (groupProtocol[j] === p) return groups[j];
    return undefined;
  };
  const t1 = firstFor(1);
  const t15 = firstFor(15);
  const out: AtrParams = {
    inverse: a[0] === 0x3f,
    protocols,
    firstProtocol: protocols[0] as number,
    fidi: g1.ta ?? 0x11,
    guardTime: g1.tc ?? 0,
    t0WaitingInteger: g2?.tc ?? 10,
    ifsc: t1?.ta ?? 32,
    t1WaitingIntegers: t1?.tb ?? 0x4d,
    crc: ((t1?.tc ?? 0) & 1) === 1,
    t15ClockClass: t15?.ta ?? 0,
    historical: Buffer.from(historical),
  };
  if (g2?.ta !== undefined) out.specific = { protocol: g2.ta & 0x0f, implicitFidi: (g2.ta & 0x10) !== 0 };
  if (out.ifsc === 0 || out.ifsc === 0xff) throw bad(`IFSC ${out.ifsc} is invalid`);
  return out;
}
