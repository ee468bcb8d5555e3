// Status words (ISO 7816-4 status bytes, plus common GlobalPlatform, EMV and Java Card words): a table
// of patterns, the most specific match wins; and the expected-status masks scripts use (=61XX).

import { UsageError } from '../errors.js';

/** Whether a status word means success, a warning, or an error. */
export type SwCategory = 'success' | 'warning' | 'error';
export type SwSource = 'ISO 7816-4' | 'GlobalPlatform' | 'EMV' | 'Java Card';

/** What a status word means: its category, description and the standard that defines it. */
export interface SwInfo {
  /** Four upper-case hex digits. */
  sw: string;
  meaning: string;
  category: SwCategory;
  source: SwSource | null;
}

interface Entry {
  pattern: string;
  text: string | ((x: number) => string);
  category: SwCategory;
  source: SwSource;
}

const ISO = 'ISO 7816-4';
const ok = (pattern: string, text: Entry['text']): Entry => ({ pattern, text, category: 'success', source: ISO });
const warn = (pattern: string, text: Entry['text']): Entry => ({ pattern, text, category: 'warning', source: ISO });
const err = (pattern: string, text: Entry['text']): Entry => ({ pattern, text, category: 'error', source: ISO });

const triesLeft = (n: number): string => (n === 0 ? 'no tries left' : `${n} ${n === 1 ? 'try' : 'tries'} left`);
const bytesLeft = (x: number): string => (x === 0 ? '256 or more' : String(x));

const ISO_TABLE: Entry[] = [
  ok('9000', 'Success'),
  ok('61XX', (x) => `Success, ${bytesLeft(x)} bytes wait for GET RESPONSE`),
  warn('62XX', 'Warning: non-volatile memory unchanged'),
  warn('6200', 'Warning: non-volatile memory unchanged, no details'),
  warn('6281', 'Warning: part of the returned data may be corrupted'),
  warn('6282', 'Warning: end of file or record reached before Ne bytes were read'),
  warn('6283', 'Warning: the selected file is deactivated'),
  warn('6284', 'Warning: file control information is not formatted as ISO 7816-4 says'),
  warn('6285', 'Warning: the selected file is in termination state'),
  warn('6286', 'Warning: no input data available from a sensor on the card'),
  warn('6287', 'Warning: at least one of the referenced records is deactivated'),
  warn('63XX', 'Warning: non-volatile memory changed'),
  warn('6300', 'Warning: non-volatile memory changed, no details (often: verification failed)'),
  warn('6381', 'Warning: the file was filled up by the last write'),
  warn('63CX', (x) => `Warning: counter is ${x & 0x0f} (for VERIFY: wrong PIN, ${triesLeft(x & 0x0f)})`),
  err('64XX', 'Execution error: non-volatile memory unchanged'),
  err('6400', 'Execution error: non-volatile memory unchanged, no details'),
  err('6401', 'Execution error: immediate response required by the card'),
  err('65XX', 'Execution error: non-volatile memory changed'),
  err('6500', 'Execution error: non-volatile memory changed, no details'),
  err('6581', 'Execution error: memory failure'),
  err('66XX', 'Security-related error'),
  err('6700', 'Wrong length (Lc or Le)'),
  err('67XX', 'Wrong length'),
  err('68XX', 'Function in CLA not supported'),
  err('6800', 'Function in CLA not supported, no details'),
  err('6881', 'Logical channel not supported'),
  err('6882', 'Secure messaging not supported'),
  err('6883', 'The last command of the chain was expected'),
  err('6884', 'Command chaining not supported'),
  err('69XX', 'Command not allowed'),
  err('6900', 'Command not allowed, no details'),
  err('6981', 'Command incompatible with the file structure'),
  err('6982', 'Security status not satisfied (e.g. PIN not verified)'),
  err('6983', 'Authentication method blocked (e.g. PIN blocked)'),
  err('6984', 'Reference data not usable'),
  err('6985', 'Conditions of use not satisfied'),
  err('6986', 'Command not allowed: no current EF'),
  err('6987', 'Expected secure messaging data objects missing'),
  err('6988', 'Incorrect secure messaging data objects'),
  err('6AXX', 'Wrong parameters P1-P2'),
  err('6A00', 'Wrong parameters P1-P2, no details'),
  err('6A80', 'Incorrect parameters in the command data field'),
  err('6A81', 'Function not supported'),
  err('6A82', 'File or application not found'),
  err('6A83', 'Record not found'),
  err('6A84', 'Not enough memory space in the file'),
  err('6A85', 'Nc inconsistent with the TLV structure'),
  err('6A86', 'Incorrect parameters P1-P2'),
  err('6A87', 'Nc inconsistent with parameters P1-P2'),
  err('6A88', 'Referenced data or reference data not found'),
  err('6A89', 'File already exists'),
  err('6A8A', 'DF name already exists'),
  err('6B00', 'Wrong parameters P1-P2 (e.g. offset outside the file)'),
  err('6BXX', 'Wrong parameters P1-P2 (SW2 not defined by ISO 7816-4)'),
  err('6CXX', (x) => `Wrong Le: the card has ${x === 0 ? 256 : x} bytes (re-send with Le = ${hex(x, 2)})`),
  err('6D00', 'Instruction code not supported or invalid'),
  err('6DXX', 'Instruction code not supported (SW2 not defined by ISO 7816-4)'),
  err('6E00', 'Class not supported'),
  err('6EXX', 'Class not supported (SW2 not defined by ISO 7816-4)'),
  err('6F00', 'No precise diagnosis'),
  err('6FXX', 'No precise diagnosis (proprietary code)'),
  err('9XXX', 'Application-specific status'),
];

/** Words these specifications define beyond ISO 7816-4, or give a narrower meaning. */
const OTHER_TABLE: Entry[] = [
  {
    pattern: '6310',
    text: 'More data available (GET STATUS: send it again with P2 = 01)',
    category: 'warning',
    source: 'GlobalPlatform',
  },
  {
    pattern: '6283',
    text: 'after SELECT: card locked, or application blocked',
    category: 'warning',
    source: 'GlobalPlatform',
  },
  { pattern: '6999', text: 'Applet selection failed', category: 'error', source: 'Java Card' },
  { pattern: '9484', text: 'Algorithm not supported', category: 'error', source: 'GlobalPlatform' },
  { pattern: '9485', text: 'Invalid key check value', category: 'error', source: 'GlobalPlatform' },
  { pattern: '6983', text: 'PIN try limit exceeded', category: 'error', source: 'EMV' },
  { pattern: '6A81', text: 'card or application blocked', category: 'error', source: 'EMV' },
];

interface Compiled {
  value: number;
  mask: number;
  fixed: number;
  entry: Entry;
}

function compile(e: Entry): Compiled {
  const p = parseSwPattern(e.pattern);
  return { value: p.value, mask: p.mask, fixed: p.fixed, entry: e };
}

const byFixed = (a: Compiled, b: Compiled): number => b.fixed - a.fixed;
const ISO_COMPILED = ISO_TABLE.map(compile).sort(byFixed);
const OTHER_COMPILED = OTHER_TABLE.map(compile).sort(byFixed);

function lookup(table: Compiled[], sw: number): Compiled | undefined {
  return table.find((c) => (sw & c.mask) === c.value);
}

function render(e: Entry, sw: number): string {
  return typeof e.text === 'string' ? e.text : e.text(sw & 0xff);
}

/**
 * A status word as callers hold it: a number (0x9000), hex text ('9000', '90 00', '0x9000'), or a
 * response APDU whose last two bytes are SW1 SW2.
 */
export type SwInput = number | string | Uint8Array;

const SW_TEXT = /^\s*(?:0x)?([0-9a-f]{2})[\s:]?([0-9a-f]{2})\s*$/i;

/**
 * The status word as a number. Text is always hexadecimal, never decimal: '9000' is 0x9000.
 * Anything that is not exactly two bytes (an integer above 0xFFFF, '900', '0x90000', a response
 * shorter than 2 bytes) is refused with a UsageError (code ESW) rather than guessed at.
 */
export function parseSw(sw: SwInput): number {
  if (typeof sw === 'number') {
    if (Number.isInteger(sw) && sw >= 0 && sw <= 0xffff) return sw;
    throw new UsageError(`status word ${sw} is not an integer from 0 to 0xFFFF`, 'ESW');
  }
  if (typeof sw === 'string') {
    const m = SW_TEXT.exec(sw);
    if (m) return parseInt(`${m[1]}${m[2]}`, 16);
    throw new UsageError(
      `"${sw}" is not a status word: write 4 hex digits ('9000', '90 00' or '0x9000') or pass a number (0x9000)`,
      'ESW',
    );
  }
  if (sw instanceof Uint8Array) {
    if (sw.length >= 2) return ((sw[sw.length - 2] as number) << 8) | (sw[sw.length - 1] as number);
    throw new UsageError(`a response of ${sw.length} byte(s) has no status word (SW1 SW2 are its last 2 bytes)`, 'ESW');
  }
  throw new UsageError(`a status word is a number, hex text or a response, not ${typeof sw}`, 'ESW');
}

/**
 * What a status word means. ISO 7816-4's meaning comes first; a GlobalPlatform, EMV or Java Card
 * meaning of the same word is added after it, and stands alone when ISO leaves the word open.
 * Takes a number, hex text or a response APDU (see parseSw).
 */
export function describeSw(sw: SwInput): SwInfo {
  const w = parseSw(sw);
  const swHex = hex(w, 4);
  const sw1 = w >> 8;
  if (sw1 < 0x61 || (sw1 > 0x6f && sw1 < 0x90) || sw1 > 0x9f) {
    return {
      sw: swHex,
      meaning: `Not a valid status word (SW1 must be 61–6F or 90–9F)`,
      category: 'error',
      source: null,
    };
  }
  const iso = lookup(ISO_COMPILED, w);
  const other = lookup(OTHER_COMPILED, w);
  if (other && (!iso || iso.fixed < 4)) {
    return { sw: swHex, meaning: render(other.entry, w), category: other.entry.category, source: other.entry.source };
  }
  if (iso) {
    let meaning = render(iso.entry, w);
    if (other) meaning += ` (${other.entry.source}: ${render(other.entry, w)})`;
    return { sw: swHex, meaning, category: iso.entry.category, source: iso.entry.source };
  }
  return { sw: swHex, meaning: 'Unknown status word', category: 'error', source: null };
}

/** True for 9000 and 61XX: the command worked (61XX: more data waits). Takes what describeSw takes. */
export function isSuccessSw(sw: SwInput): boolean {
  const w = parseSw(sw);
  return w === 0x9000 || (w & 0xff00) === 0x6100;
}

/** An expected status: four hex digits where X (or x, ?) stands for any digit. */
export interface SwPattern {
  text: string;
  value: number;
  mask: number;
  /** How many of the four digits are fixed. */
  fixed: number;
}

export function parseSwPattern(text: string, what = 'expected status'): SwPattern {
  const t = text.trim().toUpperCase().replace(/\?/g, 'X');
  if (!/^[0-9A-FX]{4}$/.test(t)) {
    throw new UsageError(
      `${what}: "${text}" is not a status word pattern; write 4 hex digits, X for any digit (9000, 61XX, 6XXX)`,
      'ESW',
    );
  }
  let value = 0;
  let mask = 0;
  let fixed = 0;
  for (const ch of t) {
    value <<= 4;
    mask <<= 4;
    if (ch !== 'X') {
      value |= parseInt(ch, 16);
      mask |= 0xf;
      fixed++;
    }
  }
  return { text: t, value, mask, fixed };
}

/** Alternatives separated by `|` or `,`: `9000|61XX`. */
export function parseSwPatterns(text: string, what = 'expected status'): SwPattern[] {
  const parts = text.split(/[|,]/);
  if (parts.some((p) => p.trim() === '')) {
    throw new UsageError(`${what}: "${text}" has an empty alternative; write e.g. 9000|61XX`, 'ESW');
  }
  return parts.map((p) => parseSwPattern(p, what));
}

export function matchSw(patterns: readonly SwPattern[], sw: number): boolean {
  return patterns.some((p) => (sw & 0xffff & p.mask) === p.value);
}

export function swPatternsText(patterns: readonly SwPattern[]): string {
  return patterns.map((p) => p.text).join('|');
}

function hex(v: number, digits: number): string {
  return v.toString(16).toUpperCase().padStart(digits, '0');
}
