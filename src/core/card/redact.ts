// Hides PINs and keys in traces: the data field of VERIFY (20), CHANGE REFERENCE DATA (24) and
// RESET RETRY COUNTER (2C), ISO 7816-4 §11.5 security commands, whatever the class byte.

import { formatHex } from '../bytes/hex.js';
import { tryParseApdu } from './apdu.js';

export const SECRET_INS: ReadonlySet<number> = new Set([0x20, 0x24, 0x2c]);

/** What stands for each hidden byte in hex output. */
export const MASK = '**';

/** Byte offsets [start, end) of the secret part of a command, or null when it has none. */
export function secretRange(apdu: Uint8Array): [number, number] | null {
  if (apdu.length <= 4 || !SECRET_INS.has(apdu[1] as number)) return null;
  const cmd = tryParseApdu(apdu);
  if (!cmd) return [4, apdu.length]; // unparsable (--no-validate): hide everything after the header
  if (cmd.data.length === 0) return null;
  const start = cmd.extended ? 7 : 5;
  return [start, start + cmd.data.length];
}

export interface RedactOptions {
  /** --show-secrets: print everything. */
  show?: boolean;
  /** Byte separator, as formatHex: ' ' for humans, '' for JSON. */
  sep?: string;
}

/** The command as hex, with the secret bytes replaced by `**`. */
export function redactCommandHex(apdu: Uint8Array, opts: RedactOptions = {}): string {
  const sep = opts.sep ?? ' ';
  const range = opts.show ? null : secretRange(apdu);
  if (!range) return formatHex(apdu, { sep });
  const parts: string[] = [];
  for (let i = 0; i < apdu.length; i++) {
    parts.push(i >= range[0] && i < range[1] ? MASK : formatHex(apdu.subarray(i, i + 1)));
  }
  return parts.join(sep);
}

export function isSecretCommand(apdu: Uint8Array): boolean {
  return secretRange(apdu) !== null;
}
