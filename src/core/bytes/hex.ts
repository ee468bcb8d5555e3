// Hex text ⇄ bytes, in the forms smart card people write: "00 A4 04 00", "00:a4:04:00", "00A40400".

import { UsageError } from '../errors.js';

export interface ParseHexOptions {
  /** Name of the thing being parsed, for error messages ("APDU 2", "--select"). */
  what?: string;
}

/**
 * Parses hex bytes separated by nothing, spaces, tabs, colons or dashes.
 * A separator may only stand between whole bytes ("0 A4" is an error: ambiguous).
 */
export function parseHex(text: string, opts: ParseHexOptions = {}): Buffer {
  const what = opts.what ?? 'hex';
  const trimmed = text.trim();
  if (trimmed === '') return Buffer.alloc(0);
  const groups = trimmed.split(/[\s:-]+/);
  const out: number[] = [];
  let col = 0;
  for (const g of groups) {
    const bad = /[^0-9a-fA-F]/.exec(g);
    if (bad) {
      const pos = trimmed.indexOf(g, col) + bad.index;
      throw new UsageError(`${what}: '${bad[0]}' at position ${pos + 1} is not a hex digit in "${trimmed}"`, 'EHEX');
    }
    if (g.length % 2 !== 0) {
      throw new UsageError(
        `${what}: odd number of hex digits in "${g}" (${g.length}); write each byte as two digits, e.g. 0${g.slice(-1)}`,
        'EHEX',
      );
    }
    for (let i = 0; i < g.length; i += 2) out.push(parseInt(g.slice(i, i + 2), 16));
    col = trimmed.indexOf(g, col) + g.length;
  }
  return Buffer.from(out);
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
