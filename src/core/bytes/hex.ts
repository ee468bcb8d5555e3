// Hex text ⇄ bytes, in the forms smart card people write: "00 A4 04 00", "00:a4:04:00", "00A40400".

import { UsageError } from '../errors.js';

export interface ParseHexOptions {
  /** Name of the thing being parsed, for error messages ("APDU 2", "--select"). */
  what?: string;
  /**
   * How error messages may quote the text: the quote, or null to quote nothing of it (an APDU
   * that may carry a PIN). Default: the text, cut after 48 characters.
   */
  quote?: (text: string) => string | null;
}

const QUOTE_MAX = 48;
const defaultQuote = (t: string): string => (t.length > QUOTE_MAX ? `${t.slice(0, QUOTE_MAX)}…` : t);

/**
 * Parses hex bytes separated by nothing, spaces, tabs, colons or dashes; a group may start with
 * 0x ("0x3B95…", "0x3B 0x95"). A separator may only stand between whole bytes ("0 A4" is an error: ambiguous).
 * Linear in the text, and one buffer for the result (a script may hold megabytes of hex).
 */
export function parseHex(text: string, opts: ParseHexOptions = {}): Buffer {
  const trimmed = text.trim();
  if (trimmed === '') return Buffer.alloc(0);
  const out = Buffer.allocUnsafe(trimmed.length >> 1);
  let n = 0;
  let groupStart = 0;
  let digits = 0; // in the current group
  let high = 0;
  for (let i = 0; i <= trimmed.length; i++) {
    const c = i < trimmed.length ? trimmed.charCodeAt(i) : 32;
    // "0x3B…" or "0x3B 0x95": a C-style prefix at the start of a group, before a hex digit.
    if (
      digits === 0 &&
      c === 48 &&
      (trimmed.charCodeAt(i + 1) | 32) === 120 &&
      hexValue(trimmed.charCodeAt(i + 2)) >= 0
    ) {
      i++;
      continue;
    }
    const v = hexValue(c);
    if (v >= 0) {
      if (digits === 0) groupStart = i;
      if (digits % 2 === 0) high = v;
      else out[n++] = (high << 4) | v;
      digits++;
      continue;
    }
    if (!isSeparator(c)) throw hexError(trimmed, opts, { badAt: i });
    if (digits % 2 !== 0) throw hexError(trimmed, opts, { odd: trimmed.slice(groupStart, i), oddAt: groupStart });
    digits = 0;
  }
  return out.subarray(0, n);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** White space (as \s: also the no-break spaces of text copied from web pages), colon, dash. */
function isSeparator(c: number): boolean {
  if (c === 32 || c === 58 || c === 45 || (c >= 9 && c <= 13)) return true;
  return c > 127 && /\s/.test(String.fromCharCode(c));
}

function hexError(
  text: string,
  opts: ParseHexOptions,
  at: { badAt?: number; odd?: string; oddAt?: number },
): UsageError {
  const what = opts.what ?? 'hex';
  const quote = (opts.quote ?? defaultQuote)(text);
  if (at.badAt !== undefined) {
    const pos = at.badAt + 1;
    // The character itself is data too: named only when the text may be quoted.
    if (quote === null) return new UsageError(`${what}: the character at position ${pos} is not a hex digit`, 'EHEX');
    const ch = JSON.stringify(text.charAt(at.badAt)).slice(1, -1);
    return new UsageError(`${what}: '${ch}' at position ${pos} is not a hex digit in "${quote}"`, 'EHEX');
  }
  const g = at.odd ?? '';
  if (quote === null)
    return new UsageError(
      `${what}: odd number of hex digits (${g.length}) in the group at position ${(at.oddAt ?? 0) + 1}; write each byte as two digits`,
      'EHEX',
    );
  const shown = defaultQuote(g);
  return new UsageError(
    `${what}: odd number of hex digits in "${shown}" (${g.length}); write each byte as two digits, e.g. 0${g.slice(-1)}`,
    'EHEX',
  );
}

/** True when the text is hex that parseHex accepts. */
export function isHex(text: string): boolean {
  try {
    parseHex(text);
    return true;
  } catch {
    return false;
  }
}

export interface FormatHexOptions {
  /** Separator between bytes; default one space. */
  sep?: string;
  lower?: boolean;
}

/** "3B 82 00 86 1E": upper case, space separated, as pcsc_scan prints ATRs. */
export function formatHex(bytes: Uint8Array, opts: FormatHexOptions = {}): string {
  const sep = opts.sep ?? ' ';
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) s += sep;
    s += (bytes[i] as number).toString(16).padStart(2, '0');
  }
  return opts.lower ? s : s.toUpperCase();
}

/** "3B8200861E": compact upper-case hex, as used in JSON. */
export function toHex(bytes: Uint8Array): string {
  return formatHex(bytes, { sep: '' });
}
