// ISO/IEC 7816-3 ISO 7816-3 §8.2 the structure of an Answer-to-Reset: TS, T0, the TA/TB/TC/TD(i) groups, the
// historical bytes and TCK; and the Fi/Di tables (ISO 7816-3 §8.3, tables 7 and 8). Both the ATR analysis
// (atr.ts) and the reader driver's parameters (atr-params.ts) read ATRs through this one parser.

/** Table 7: Fi by the high nibble of TA1; null is RFU. */
export const FI: readonly (number | null)[] = [
  372,
  372,
  558,
  744,
  1116,
  1488,
  1860,
  null,
  null,
  512,
  768,
  1024,
  1536,
  2048,
  null,
  null,
];
/** Table 7: f(max) in MHz by the high nibble of TA1; null is RFU. */
export const FMAX_MHZ: readonly (number | null)[] = [
  4,
  5,
  6,
  8,
  12,
  16,
  20,
  null,
  null,
  5,
  7.5,
  10,
  15,
  20,
  null,
  null,
];
/** Table 8: Di by the low nibble of TA1; null is RFU. */
export const DI: readonly (number | null)[] = [
  null,
  1,
  2,
  4,
  8,
  16,
  32,
  64,
  12,
  20,
  null,
  null,
  null,
  null,
  null,
  null,
];

/** One interface character: TA(i), TB(i), TC(i) or TD(i). */
export interface AtrCharacter {
  letter: 'A' | 'B' | 'C' | 'D';
  /** The group number i (1 for TA1…TD1). */
  i: number;
  /** T of the TD(i−1) that announced this group; undefined in group 1. */
  t: number | undefined;
  value: number;
}

export interface AtrStructure {
  /** TS; undefined for an empty ATR. */
  ts: number | undefined;
  /** T0 (format byte); undefined when the ATR stops after TS. */
  t0: number | undefined;
  /** K: how many historical bytes T0 announces. */
  historicalLength: number;
  /** Every interface character present, in ATR order. */
  characters: AtrCharacter[];
  /** The Y(i) bits announce more interface characters than the ATR holds. */
  truncated: boolean;
  /** Offset of the first historical byte (= the length of TS, T0 and the interface characters). */
  historicalStart: number;
  /** Protocols TD(i) announce, in order of first mention, T=15 left out (it is no protocol). */
  offered: number[];
  /** Some TD(i) announces T=15 (global interface bytes follow). */
  t15: boolean;
  /** TCK must follow the historical bytes: a protocol other than T=0 (or T=15) is announced. */
  tckRequired: boolean;
}

/** Splits an ATR into its characters. Never throws: what is missing shows in `truncated`. */
export function readAtr(atr: Uint8Array): AtrStructure {
  const s: AtrStructure = {
    ts: atr[0],
    t0: atr[1],
    historicalLength: 0,
    characters: [],
    truncated: false,
    historicalStart: Math.min(atr.length, 2),
    offered: [],
    t15: false,
    tckRequired: false,
  };
  if (s.t0 === undefined) return s;
  s.historicalLength = s.t0 & 0x0f;
  let pos = 2;
  let y = s.t0 >> 4;
  let t: number | undefined;
  for (let i = 1; y !== 0; i++) {
    for (const [bit, letter] of [
      [1, 'A'],
      [2, 'B'],
      [4, 'C'],
      [8, 'D'],
    ] as const) {
      if (!(y & bit)) continue;
      const value = atr[pos];
      if (value === undefined) {
        s.truncated = true;
        s.historicalStart = pos;
        return finish(s);
      }
      pos++;
      s.characters.push({ letter, i, t, value });
    }
    if (!(y & 8)) break;
    const td = atr[pos - 1] as number;
    t = td & 0x0f;
    if (t === 15) s.t15 = true;
    else if (!s.offered.includes(t)) s.offered.push(t);
    y = td >> 4;
  }
  s.historicalStart = pos;
  return finish(s);
}

function finish(s: AtrStructure): AtrStructure {
  s.tckRequired = s.offered.some((p) => p !== 0) || s.t15;
  return s;
}

/** The value of TA(i), TB(i), TC(i) or TD(i), if present. */
export function atrCharacter(s: AtrStructure, letter: AtrCharacter['letter'], i: number): number | undefined {
  return s.characters.find((c) => c.letter === letter && c.i === i)?.value;
}

/**
 * The first group (i ≥ 3) specific to protocol T, as ISO 7816-3 reads T=1's IFSC/BWI/CWI/EDC and
 * T=15's clock stop and class: undefined when no TD announces T with characters after it.
 */
export function firstGroupFor(s: AtrStructure, t: number): number | undefined {
  return s.characters.find((c) => c.i >= 3 && c.t === t)?.i;
}

/** XOR of T0 up to and including the byte before `end`: what TCK must equal for the ATR to check. */
export function atrChecksum(atr: Uint8Array, end: number): number {
  let x = 0;
  for (let j = 1; j < end; j++) x ^= atr[j] as number;
  return x;
}
