// ISO/IEC 7816-3 §8 Answer-to-Reset: TS, T0, the TA/TB/TC/TD(i) groups, historical bytes, TCK.
// Never throws on malformed bytes: what is wrong goes into `problems`, and what can be read is read.

import { toHex } from '../bytes/hex.js';
import { atrChecksum, DI, FI, firstGroupFor, FMAX_MHZ, readAtr } from './atr-structure.js';
import { analyzeHistoricalBytes, type HistoricalBytes } from './historical.js';

/** ISO 7816-3 caps an ATR at 33 characters: TS plus 32. */
export const MAX_ATR_LENGTH = 33;

const CLOCK_STOP = ['not supported', 'state L', 'state H', 'no preference'] as const;

export type ClockStop = (typeof CLOCK_STOP)[number];

/** One interface character with what it means here (its meaning depends on i and on T). */
export interface InterfaceByte {
  /** "TA1", "TD2", … */
  name: string;
  /** The byte, as upper-case hex ("13"). */
  value: string;
  /** Global, or the protocol these bytes are specific to ("T=1"). */
  scope: 'global' | ProtocolName;
  meaning: string;
}

/** A transmission protocol as people write it: "T=0", "T=1", … "T=14". */
export type ProtocolName = `T=${number}`;

/** TA1's clock rate conversion and bit rate adjustment: Fi, Di, f(max) and the bit rates they give. */
export interface TransmissionParameters {
  /** Clock rate conversion integer; null when TA1 codes an RFU value. */
  fi: number | null;
  di: number | null;
  /** f(max) in MHz for that Fi. */
  fMaxMHz: number | null;
  /** True when no TA1 was sent and these are the defaults (Fi=372, Di=1, f max 5 MHz). */
  default: boolean;
  /** Fi/Di, rounded to 3 decimals. */
  cyclesPerEtu: number | null;
  bitsPerSecondAt4MHz: number | null;
  bitsPerSecondAtFMax: number | null;
}

export interface T1Parameters {
  ifsc?: number;
  bwi?: number;
  cwi?: number;
  errorDetection?: 'LRC' | 'CRC';
}

/**
 * What analyzeAtr finds in an ATR: every interface byte with its meaning, the protocols, timing, historical
 * bytes, TCK and any problem.
 */
export interface AtrAnalysis {
  atr: string;
  length: number;
  /** TS as hex ("3B"); null for an empty ATR. */
  ts: string | null;
  convention: 'direct' | 'inverse' | null;
  t0: string | null;
  /** K: how many historical bytes T0 announces. */
  historicalLength: number;
  interfaceBytes: InterfaceByte[];
  /** Protocols the card offers, from the TD(i) bytes (T=0 when there is no TD1). T=15 is not a protocol. */
  protocols: ProtocolName[];
  /** T=15 (global interface bytes) indicated in some TD(i). */
  t15: boolean;
  transmission: TransmissionParameters;
  /** TC1: extra guard time N in ETUs (255: the minimum the protocol allows). */
  extraGuardTime: number;
  /** TA2: the card is in specific mode. */
  specificMode?: { protocol: ProtocolName; canChange: boolean; implicitParameters: boolean };
  /** TC2 (T=0): waiting integer WI (default 10). */
  waitingIntegerT0?: number;
  t1?: T1Parameters;
  /** First TA for T=15: clock stop and accepted classes. */
  clockStop?: ClockStop;
  classes?: ('A' | 'B' | 'C')[];
  historical: HistoricalBytes;
  tck: {
    /** The rules require TCK: some protocol other than T=0 is indicated. */
    required: boolean;
    present: boolean;
    value?: string;
    /** XOR of T0..TCK is zero. */
    valid?: boolean;
    /** The TCK that would make the ATR valid. */
    expected?: string;
  };
  /** Everything that breaks ISO 7816-3, in plain words; empty for a valid ATR. */
  problems: string[];
  valid: boolean;
}

/** Analyses ATR bytes. Never throws: a malformed ATR gives `problems`, not an exception. */
export function analyzeAtr(input: Uint8Array): AtrAnalysis {
  const b = Buffer.from(input);
  const problems: string[] = [];
  const iface: InterfaceByte[] = [];
  const out: AtrAnalysis = {
    atr: toHex(b),
    length: b.length,
    ts: null,
    convention: null,
    t0: null,
    historicalLength: 0,
    interfaceBytes: iface,
    protocols: [],
    t15: false,
    transmission: transmission(undefined),
    extraGuardTime: 0,
    historical: analyzeHistoricalBytes(Buffer.alloc(0), 0),
    tck: { required: false, present: false },
    problems,
    valid: false,
  };
  if (b.length === 0) {
    problems.push('the ATR is empty');
    return out;
  }
  const ts = b[0] as number;
  out.ts = hx(ts);
  out.convention = ts === 0x3b ? 'direct' : ts === 0x3f ? 'inverse' : null;
  if (!out.convention)
    problems.push(
      `TS is ${hx(ts)}, not 3B (direct) or 3F (inverse convention): not a microprocessor card ATR (a memory card?)`,
    );
  if (b.length > MAX_ATR_LENGTH)
    problems.push(`the ATR is ${b.length} bytes long; ISO 7816-3 allows at most ${MAX_ATR_LENGTH}`);
  if (b.length < 2) {
    problems.push('the ATR is truncated: T0 is missing');
    return out;
  }
  const st = readAtr(b);
  const k = st.historicalLength;
  out.t0 = hx(st.t0 as number);
  out.historicalLength = k;
  const firstT1Group = firstGroupFor(st, 1);
  for (const c of st.characters) {
    iface.push(describe(out, c.letter, c.i, c.t, c.value, c.i === firstT1Group));
    if (c.letter === 'D' && c.i === 1 && (c.value & 0x0f) === 15)
      problems.push('TD1 indicates T=15, which TD1 must not (T=15 only qualifies later global bytes)');
  }
  out.t15 = st.t15;
  out.protocols = (st.offered.length ? st.offered : [0]).map((p) => proto(p));
  out.tck.required = st.tckRequired;

  const pos = st.historicalStart;
  const remaining = b.length - pos;
  if (st.truncated) {
    problems.push(`the ATR is truncated: interface bytes are missing after byte ${b.length}`);
    out.historical = analyzeHistoricalBytes(Buffer.alloc(0), k);
  } else {
    const needed = k + (out.tck.required ? 1 : 0);
    // Many cards offering only T=0 send a TCK anyway: accept exactly one such extra byte as TCK.
    const tckPresent = out.tck.required ? remaining >= needed : remaining === k + 1;
    out.tck.present = tckPresent && remaining > k;
    const histEnd = Math.min(b.length, pos + k);
    out.historical = analyzeHistoricalBytes(b.subarray(pos, histEnd), k);
    if (remaining < needed) {
      const missing = needed - remaining;
      const what = remaining < k ? 'historical bytes' : 'TCK';
      problems.push(`the ATR is truncated: ${missing} byte${missing === 1 ? '' : 's'} missing (${what})`);
    }
    if (out.tck.present) {
      const tckPos = pos + k;
      const value = b[tckPos] as number;
      const x = atrChecksum(b, tckPos);
      out.tck.value = hx(value);
      out.tck.valid = (x ^ value) === 0;
      out.tck.expected = hx(x);
      if (!out.tck.valid) problems.push(wrongTck(hx(value), hx(x)));
      if (!out.tck.required)
        problems.push('a TCK is present although only T=0 is offered (ISO 7816-3 says to leave it out)');
      if (remaining > k + 1)
        problems.push(
          `the ATR is too long: ${remaining - k - 1} extra byte${remaining - k - 1 === 1 ? '' : 's'} after TCK`,
        );
    } else if (remaining > needed) {
      problems.push(
        `the ATR is too long: ${remaining - needed} extra byte${remaining - needed === 1 ? '' : 's'} after the historical bytes`,
      );
    }
  }
  problems.push(...out.historical.problems);
  out.valid = problems.length === 0;
  return out;
}

/** The interface bytes a Y nibble announces, in words: "TA1, TD1 follow", "TD1 follows", or `none`. */
function following(y: number, group: number, none: string): string {
  const follow = ['A', 'B', 'C', 'D'].filter((_, n) => y & (1 << n)).map((l) => `T${l}${group}`);
  if (follow.length === 0) return none;
  return `${follow.join(', ')} ${follow.length === 1 ? 'follows' : 'follow'}`;
}

/** The problem a wrong TCK makes (its row says it too, so a renderer can leave this line out). */
export function wrongTck(value: string, expected: string): string {
  return `TCK is ${value}, the checksum needs ${expected}`;
}

/** T0 in words (ISO 7816-3 §8.2.2): "K=5 historical bytes; TA1, TD1 follow". */
export function describeT0(t0: number): string {
  const k = t0 & 0x0f;
  return `K=${k} historical byte${k === 1 ? '' : 's'}; ${following(t0 >> 4, 1, 'no interface bytes')}`;
}

function describe(
  out: AtrAnalysis,
  letter: 'A' | 'B' | 'C' | 'D',
  i: number,
  t: number | undefined,
  v: number,
  firstT1: boolean,
): InterfaceByte {
  const name = `T${letter}${i}`;
  if (letter === 'D') {
    const next = v & 0x0f;
    const what = next === 15 ? 'T=15: global interface bytes follow' : `protocol T=${next}`;
    return {
      name,
      value: hx(v),
      scope: 'global',
      meaning: `${what}; ${following(v >> 4, i + 1, 'no more interface bytes')}`,
    };
  }
  if (i === 1) return global1(out, letter, name, v);
  if (i === 2) return group2(out, letter, name, v, t);
  // i ≥ 3: T=15 makes them global; otherwise they are specific to the T of the TD before them.
  if (t === 15) return t15Byte(out, letter, name, v);
  if (firstT1) return t1Byte(out, letter, name, v);
  return { name, value: hx(v), scope: proto(t as number), meaning: `specific to T=${t}` };
}

function global1(out: AtrAnalysis, letter: 'A' | 'B' | 'C', name: string, v: number): InterfaceByte {
  if (letter === 'A') {
    out.transmission = transmission(v);
    const tr = out.transmission;
    const f = tr.fi === null ? `Fi RFU (${v >> 4})` : `Fi=${tr.fi}`;
    const d = tr.di === null ? `Di RFU (${v & 15})` : `Di=${tr.di}`;
    let meaning = `${f}, ${d}`;
    if (tr.cyclesPerEtu !== null) {
      meaning += `: ${tr.cyclesPerEtu} cycles/ETU, ${tr.bitsPerSecondAt4MHz} bit/s at 4 MHz`;
      meaning += `, f max ${tr.fMaxMHz} MHz (${tr.bitsPerSecondAtFMax} bit/s)`;
    }
    if (tr.fi === null || tr.di === null)
      out.problems.push(`TA1 ${hx(v)} codes an RFU ${tr.fi === null ? 'Fi' : 'Di'}`);
    return { name, value: hx(v), scope: 'global', meaning };
  }
  if (letter === 'B') {
    const meaning =
      v === 0
        ? 'no VPP (deprecated byte; 00 as ISO 7816-3:2006 asks)'
        : `VPP programming: PI1=${v & 0x1f} V, II=${(v >> 5) & 3} (deprecated since ISO 7816-3:2006)`;
    return { name, value: hx(v), scope: 'global', meaning };
  }
  out.extraGuardTime = v;
  const meaning =
    v === 255
      ? 'extra guard time N=255: minimum character spacing (12 ETU for T=0, 11 for T=1)'
      : `extra guard time N=${v} ETU`;
  return { name, value: hx(v), scope: 'global', meaning };
}

function group2(
  out: AtrAnalysis,
  letter: 'A' | 'B' | 'C',
  name: string,
  v: number,
  t: number | undefined,
): InterfaceByte {
  if (letter === 'A') {
    const mode = { protocol: proto(v & 0x0f), canChange: (v & 0x80) === 0, implicitParameters: (v & 0x10) !== 0 };
    out.specificMode = mode;
    const meaning = `specific mode, ${mode.protocol}; ${mode.canChange ? 'can change to negotiable mode' : 'cannot change mode'}; parameters ${mode.implicitParameters ? 'implicit' : 'from the interface bytes'}`;
    return { name, value: hx(v), scope: 'global', meaning };
  }
  if (letter === 'B')
    return {
      name,
      value: hx(v),
      scope: 'global',
      meaning: `VPP programming: PI2=${v} (deprecated since ISO 7816-3:2006)`,
    };
  // TC2 is specific to T=0.
  if (t === 0) {
    out.waitingIntegerT0 = v;
    return {
      name,
      value: hx(v),
      scope: 'T=0',
      meaning: v === 0 ? 'waiting integer WI=0 (RFU)' : `waiting integer WI=${v}: WT = ${v} × 960 × Fi/f`,
    };
  }
  return { name, value: hx(v), scope: t === undefined ? 'global' : proto(t), meaning: `specific to T=${t}` };
}

function t15Byte(out: AtrAnalysis, letter: 'A' | 'B' | 'C', name: string, v: number): InterfaceByte {
  if (letter === 'A' && out.clockStop === undefined) {
    out.clockStop = CLOCK_STOP[v >> 6] as ClockStop;
    const classes = (['A', 'B', 'C'] as const).filter((_, n) => v & (1 << n));
    out.classes = classes;
    const cls = classes.map((c) => ({ A: 'A (5 V)', B: 'B (3 V)', C: 'C (1.8 V)' })[c]).join(', ') || 'none given';
    return { name, value: hx(v), scope: 'global', meaning: `clock stop ${out.clockStop}; classes ${cls}` };
  }
  if (letter === 'B') {
    const meaning =
      v === 0
        ? 'SPU: contact C6 not used'
        : `SPU: contact C6 ${v & 0x80 ? 'proprietary use' : 'standard use'} (${hx(v & 0x7f)})`;
    return { name, value: hx(v), scope: 'global', meaning };
  }
  return { name, value: hx(v), scope: 'global', meaning: 'global (T=15), RFU' };
}

function t1Byte(out: AtrAnalysis, letter: 'A' | 'B' | 'C', name: string, v: number): InterfaceByte {
  const t1 = (out.t1 ??= {});
  if (letter === 'A') {
    t1.ifsc = v;
    if (v === 0 || v === 0xff) out.problems.push(`IFSC ${hx(v)} is invalid (1 to 254)`);
    return { name, value: hx(v), scope: 'T=1', meaning: `IFSC ${v} byte${v === 1 ? '' : 's'}` };
  }
  if (letter === 'B') {
    t1.bwi = v >> 4;
    t1.cwi = v & 0x0f;
    return { name, value: hx(v), scope: 'T=1', meaning: `BWI=${t1.bwi}, CWI=${t1.cwi}` };
  }
  t1.errorDetection = v & 1 ? 'CRC' : 'LRC';
  return {
    name,
    value: hx(v),
    scope: 'T=1',
    meaning: `error detection ${t1.errorDetection}${v & 0xfe ? ` (RFU bits ${hx(v & 0xfe)})` : ''}`,
  };
}

function transmission(ta1: number | undefined): TransmissionParameters {
  const fiIdx = ta1 === undefined ? 1 : ta1 >> 4;
  const diIdx = ta1 === undefined ? 1 : ta1 & 0x0f;
  const fi = FI[fiIdx] ?? null;
  const di = DI[diIdx] ?? null;
  const fMaxMHz = FMAX_MHZ[fiIdx] ?? null;
  const cycles = fi !== null && di !== null ? fi / di : null;
  return {
    fi,
    di,
    fMaxMHz,
    default: ta1 === undefined,
    cyclesPerEtu: cycles === null ? null : round(cycles),
    bitsPerSecondAt4MHz: cycles ? Math.floor(4e6 / cycles) : null,
    bitsPerSecondAtFMax: cycles && fMaxMHz ? Math.floor((fMaxMHz * 1e6) / cycles) : null,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function proto(t: number): ProtocolName {
  return `T=${t}`;
}

function hx(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, '0');
}
