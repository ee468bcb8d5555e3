// ISO 7816-4 §5.1 command APDUs: the four cases in short and extended form — decode, check, build.

import { UsageError } from '../errors.js';

/** 1: no data, no Le · 2: Le only · 3: data only · 4: data and Le. S short, E extended. */
export type ApduCase = '1' | '2S' | '3S' | '4S' | '2E' | '3E' | '4E';

/** A decoded command APDU (parseApdu): header, data, Ne and its ISO 7816-4 case. */
export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data (Nc bytes); empty for cases 1 and 2. */
  data: Buffer;
  /** Ne, the most response bytes expected (1…65536), or null when there is no Le field. */
  ne: number | null;
  extended: boolean;
  case: ApduCase;
}

/**
 * The fields of a command APDU to build (buildApdu); the short form unless the sizes or `extended` need the
 * long one.
 */
export interface ApduFields {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array;
  ne?: number | null;
  /** Force the extended form even when the short one would do. */
  extended?: boolean;
}

export const SHORT_MAX_NC = 255;
export const SHORT_MAX_NE = 256;
export const EXTENDED_MAX_NC = 65535;
export const EXTENDED_MAX_NE = 65536;
/** 4 header bytes, 3 of extended Lc, 65535 of data, 2 of extended Le. */
export const MAX_APDU_LENGTH = 4 + 3 + EXTENDED_MAX_NC + 2;

export interface ParseApduOptions {
  /** Names the APDU in messages ("APDU 3 (line 7)"). */
  what?: string;
}

/** Decodes the body of a command APDU; any length that fits no case is a UsageError saying why. */
export function parseApdu(bytes: Uint8Array, opts: ParseApduOptions = {}): CommandApdu {
  const what = opts.what ?? 'APDU';
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = b.length;
  const fail = (msg: string): never => {
    throw new UsageError(`${what}: ${msg}`, 'EAPDU');
  };
  if (n < 4) {
    fail(
      `${n} byte${n === 1 ? '' : 's'} is too short: a command APDU has at least CLA INS P1 P2 (4 bytes)` +
        (n === 1 ? '; to give bytes separated by spaces as one APDU, quote them' : ''),
    );
  }
  if (n > MAX_APDU_LENGTH) fail(`too long: ${n} bytes, the longest extended APDU is ${MAX_APDU_LENGTH} bytes`);
  // Fields written out, not spread from a header object: this runs for every line of a script.
  const mk = (c: ApduCase, data: Buffer, ne: number | null): CommandApdu => ({
    cla: b[0] as number,
    ins: b[1] as number,
    p1: b[2] as number,
    p2: b[3] as number,
    data,
    ne,
    extended: c.length === 2 && c[1] === 'E',
    case: c,
  });
  if (n === 4) return mk('1', Buffer.alloc(0), null);
  const b5 = b[4] as number;
  if (n === 5) return mk('2S', Buffer.alloc(0), b5 === 0 ? 256 : b5);
  if (b5 !== 0) {
    if (n === 5 + b5) return mk('3S', b.subarray(5), null);
    if (n === 6 + b5) {
      const le = b[n - 1] as number;
      return mk('4S', b.subarray(5, n - 1), le === 0 ? 256 : le);
    }
    const after = n - 5;
    return fail(
      `Lc is ${b5} (0x${hex2(b5)}) but ${follow(after)}; ` +
        `expected ${b5} (no Le) or ${b5 + 1} (with Le)` +
        (after > 256 ? '; for more than 255 data bytes use an extended APDU (Lc = 00 hi lo)' : ''),
    );
  }
  // b5 = 00: an extended length follows, or this is a short Lc of zero (not allowed).
  if (n === 6)
    fail(
      'Lc is 00 with one byte after it: short Lc must be 1–255, and an extended length needs 2 more bytes (00 hi lo)',
    );
  if (n === 7) {
    const le = b.readUInt16BE(5);
    return mk('2E', Buffer.alloc(0), le === 0 ? 65536 : le);
  }
  const lc = b.readUInt16BE(5);
  if (lc === 0) fail('extended Lc is 0000: give 0001–FFFF data bytes, or for Le only use 00 hi lo with nothing after');
  if (n === 7 + lc) return mk('3E', b.subarray(7), null);
  if (n === 9 + lc) {
    const le = b.readUInt16BE(n - 2);
    return mk('4E', b.subarray(7, n - 2), le === 0 ? 65536 : le);
  }
  const after = n - 7;
  return fail(
    `extended Lc is ${lc} (0x${hex4(lc)}) but ${follow(after)}; ` +
      `expected ${lc} (no Le) or ${lc + 2} (with a 2-byte Le)`,
  );
}

/** Encodes a command APDU, in short form unless the data, Ne or `extended` need the long one. */
export function buildApdu(f: ApduFields): Buffer {
  for (const [k, v] of [
    ['CLA', f.cla],
    ['INS', f.ins],
    ['P1', f.p1],
    ['P2', f.p2],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 255)
      throw new UsageError(`${k} must be a byte (00–FF), got ${String(v)}`, 'EAPDU');
  }
  const data = f.data ?? new Uint8Array(0);
  const ne = f.ne ?? null;
  if (data.length > EXTENDED_MAX_NC)
    throw new UsageError(`too much data: ${data.length} bytes, at most ${EXTENDED_MAX_NC} fit in one APDU`, 'EAPDU');
  if (ne !== null && (!Number.isInteger(ne) || ne < 1 || ne > EXTENDED_MAX_NE)) {
    throw new UsageError(`Ne must be 1–${EXTENDED_MAX_NE}, got ${String(ne)}`, 'EAPDU');
  }
  const extended = f.extended === true || data.length > SHORT_MAX_NC || (ne !== null && ne > SHORT_MAX_NE);
  const parts: number[] = [f.cla, f.ins, f.p1, f.p2];
  if (!extended) {
    if (data.length > 0) parts.push(data.length);
    const head = Buffer.from(parts);
    const tail = ne === null ? Buffer.alloc(0) : Buffer.from([ne & 0xff]);
    return Buffer.concat([head, data, tail]);
  }
  const head = Buffer.from(parts);
  const lc = data.length > 0 ? Buffer.from([0, data.length >> 8, data.length & 0xff]) : Buffer.alloc(0);
  let le = Buffer.alloc(0);
  if (ne !== null) {
    const v = ne & 0xffff; // 65536 is written 0000
    le = data.length > 0 ? Buffer.from([v >> 8, v & 0xff]) : Buffer.from([0, v >> 8, v & 0xff]);
  }
  return Buffer.concat([head, lc, data, le]);
}

/** The same command with a new Ne (re-sending after 6Cxx), keeping the short or extended form. */
export function withNe(cmd: CommandApdu, ne: number): Buffer {
  return buildApdu({ cla: cmd.cla, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, data: cmd.data, ne, extended: cmd.extended });
}

/** Parses without throwing: null when the bytes fit no case (sent as is with --no-validate). */
export function tryParseApdu(bytes: Uint8Array): CommandApdu | null {
  try {
    return parseApdu(bytes);
  } catch {
    return null;
  }
}

function follow(n: number): string {
  return n === 1 ? '1 byte follows it' : `${n} bytes follow it`;
}

function hex2(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, '0');
}

function hex4(v: number): string {
  return v.toString(16).toUpperCase().padStart(4, '0');
}
