// Hides PINs and keys in everything that shows a command APDU (docs/apdu.md, "Secrets"): the
// `>` lines, JSON, error messages and the spy's log. One table says which commands carry
// secrets and which bytes of them; one function masks bytes, one quotes APDU text.

import { formatHex } from '../bytes/hex.js';
import { tryParseApdu } from './apdu.js';

export interface SecretCommand {
  name: string;
  cla?: number;
  ins: number;
  /** P1P2, when only one form of the command carries a secret. */
  p1p2?: number;
  /**
   * 'all': the whole data field. 'tlv': the values of its BER-TLV data objects (the odd-INS forms
   * of ISO 7816-4, whose data field is data objects), tags and lengths kept; all of it when it
   * is not well-formed BER-TLV.
   */
  mask: 'all' | 'tlv';
}

/**
 * Commands whose data field holds a PIN, a PUK, new reference data or a key, whatever the class
 * byte unless `cla` is given (GSM 11.11's CHV commands use the same INS with CLA A0).
 */
export const SECRET_COMMANDS: readonly SecretCommand[] = [
  { name: 'VERIFY', ins: 0x20, mask: 'all' },
  { name: 'VERIFY', ins: 0x21, mask: 'tlv' },
  { name: 'CHANGE REFERENCE DATA', ins: 0x24, mask: 'all' },
  { name: 'CHANGE REFERENCE DATA', ins: 0x25, mask: 'tlv' },
  { name: 'DISABLE VERIFICATION REQUIREMENT', ins: 0x26, mask: 'all' },
  { name: 'ENABLE VERIFICATION REQUIREMENT', ins: 0x28, mask: 'all' },
  { name: 'RESET RETRY COUNTER', ins: 0x2c, mask: 'all' },
  { name: 'RESET RETRY COUNTER', ins: 0x2d, mask: 'tlv' },
  { name: 'PUT DATA (OpenPGP card: resetting code)', ins: 0xda, p1p2: 0x00d3, mask: 'all' },
  { name: 'PUT DATA (OpenPGP card: private key import)', ins: 0xdb, p1p2: 0x3fff, mask: 'all' },
  { name: 'LOAD KEYS (PC/SC part 3, contactless storage cards)', cla: 0xff, ins: 0x82, mask: 'all' },
];

/** What stands for each hidden byte in hex output. */
export const MASK = '**';

/** The secret command these header bytes start, if any. */
export function secretCommand(cla: number, ins: number, p1: number, p2: number): SecretCommand | undefined {
  return SECRET_COMMANDS.find(
    (c) =>
      c.ins === ins && (c.cla === undefined || c.cla === cla) && (c.p1p2 === undefined || c.p1p2 === ((p1 << 8) | p2)),
  );
}

/** Byte ranges [start, end) to hide in a command; empty when it carries no secret. */
export function secretRanges(apdu: Uint8Array): [number, number][] {
  if (apdu.length <= 4) return [];
  const rule = secretCommand(apdu[0] as number, apdu[1] as number, apdu[2] as number, apdu[3] as number);
  if (!rule) return [];
  const cmd = tryParseApdu(apdu);
  if (!cmd) return [[4, apdu.length]]; // unparsable (--no-validate): hide everything after the header
  if (cmd.data.length === 0) return [];
  const start = cmd.extended ? 7 : 5;
  const end = start + cmd.data.length;
  if (rule.mask === 'tlv') return tlvValueRanges(apdu, start, end) ?? [[start, end]];
  return [[start, end]];
}

export function isSecretCommand(apdu: Uint8Array): boolean {
  return secretRanges(apdu).length > 0;
}

/**
 * The value ranges of the BER-TLV data objects in bytes [start, end) (ISO 7816-4 §6.3), descending
 * into constructed ones; null when the bytes are not well-formed BER-TLV.
 */
function tlvValueRanges(b: Uint8Array, start: number, end: number): [number, number][] | null {
  const out: [number, number][] = [];
  let i = start;
  while (i < end) {
    const first = b[i] as number;
    if (first === 0x00 || first === 0xff) {
      i++; // padding between data objects
      continue;
    }
    i++;
    if ((first & 0x1f) === 0x1f) {
      while (i < end && ((b[i] as number) & 0x80) !== 0) i++;
      i++;
    }
    if (i >= end) return null;
    let len = b[i++] as number;
    if (len > 0x80) {
      const n = len & 0x7f;
      if (n > 3 || i + n > end) return null;
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + (b[i++] as number);
    } else if (len === 0x80) return null;
    if (i + len > end) return null;
    if (len > 0) {
      const inner = (first & 0x20) !== 0 ? tlvValueRanges(b, i, i + len) : null;
      if (inner) out.push(...inner);
      else out.push([i, i + len]);
    }
    i += len;
  }
  return out;
}

export interface RedactOptions {
  /** --show-secrets: print everything. */
  show?: boolean;
  /** Byte separator, as formatHex: ' ' for humans, '' for JSON. */
  sep?: string;
  /** Show at most this many bytes, then "… (N bytes)": for messages, which must stay one short line. */
  max?: number;
}

/** The command as hex, with the secret bytes replaced by `**`. */
export function redactCommandHex(apdu: Uint8Array, opts: RedactOptions = {}): string {
  const sep = opts.sep ?? ' ';
  const shown = opts.max !== undefined && apdu.length > opts.max ? apdu.subarray(0, opts.max) : apdu;
  const tail = shown.length < apdu.length ? `${sep || ' '}… (${apdu.length} bytes)` : '';
  const ranges = opts.show ? [] : secretRanges(apdu);
  if (ranges.length === 0) return formatHex(shown, { sep }) + tail;
  const parts: string[] = [];
  for (let i = 0; i < shown.length; i++) {
    const hidden = ranges.some(([s, e]) => i >= s && i < e);
    parts.push(hidden ? MASK : formatHex(shown.subarray(i, i + 1)));
  }
  return parts.join(sep) + tail;
}

/** The most characters of APDU text an error message quotes. */
const QUOTE_MAX = 48;

/**
 * APDU text the user wrote, as an error message may quote it: as written (cut after 48
 * characters) when its header shows a command without secrets; null, quote nothing of it, when
 * it is a secret command or its header cannot be read (it may be anything).
 */
export function quoteApduText(text: string): string | null {
  const digits = /^[0-9a-f]{8}/i.exec(text.trim().replace(/[\s:-]+/g, ''));
  if (!digits) return null;
  const [cla, ins, p1, p2] = [0, 2, 4, 6].map((k) => parseInt(digits[0].slice(k, k + 2), 16)) as [
    number,
    number,
    number,
    number,
  ];
  if (secretCommand(cla, ins, p1, p2)) return null;
  const t = text.trim();
  return t.length > QUOTE_MAX ? `${t.slice(0, QUOTE_MAX)}…` : t;
}
