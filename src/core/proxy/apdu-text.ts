// Stand-in until src/core/card/sw.ts and redact.ts (branch `apdu`) land on main: ISO 7816-4 §5.6
// status-word meanings for the common words, and masking of the data field of PIN-bearing commands
// (VERIFY 20, CHANGE REFERENCE DATA 24, RESET RETRY COUNTER 2C, §11.5.6–11.5.10).

import { toHex } from '../bytes/hex.js';

const SECRET_INS = new Set([0x20, 0x24, 0x2c]);

/** Byte range [start, end) of the secret data field, or null when the command carries none. */
export function secretRange(apdu: Uint8Array): [number, number] | null {
  if (apdu.length <= 5 || !SECRET_INS.has(apdu[1] as number)) return null;
  const lc = apdu[4] as number;
  if (lc !== 0) return [5, Math.min(apdu.length, 5 + lc)];
  if (apdu.length >= 7) return [7, apdu.length]; // extended Lc (00 hi lo)
  return [4, apdu.length];
}

/** The command as compact hex, each secret byte shown as `**`. */
export function commandHex(apdu: Uint8Array, showSecrets: boolean): { hex: string; redacted: boolean } {
  const r = showSecrets ? null : secretRange(apdu);
  if (!r) return { hex: toHex(apdu), redacted: false };
  return { hex: toHex(apdu.subarray(0, r[0])) + '**'.repeat(r[1] - r[0]) + toHex(apdu.subarray(r[1])), redacted: true };
}

const EXACT: Record<number, string> = {
  0x9000: 'Success',
  0x6200: 'Warning: state of non-volatile memory unchanged',
  0x6281: 'Part of returned data may be corrupted',
  0x6282: 'End of file or record reached before reading Ne bytes',
  0x6283: 'Selected file deactivated',
  0x6300: 'Verification failed',
  0x6581: 'Memory failure',
  0x6700: 'Wrong length',
  0x6881: 'Logical channel not supported',
  0x6882: 'Secure messaging not supported',
  0x6981: 'Command incompatible with file structure',
  0x6982: 'Security status not satisfied',
  0x6983: 'Authentication method blocked',
  0x6984: 'Reference data not usable',
  0x6985: 'Conditions of use not satisfied',
  0x6986: 'Command not allowed (no current EF)',
  0x6A80: 'Incorrect parameters in the data field',
  0x6A81: 'Function not supported',
  0x6A82: 'File or application not found',
  0x6A83: 'Record not found',
  0x6A84: 'Not enough memory space in the file',
  0x6A86: 'Incorrect parameters P1-P2',
  0x6A88: 'Referenced data or reference data not found',
  0x6B00: 'Wrong parameters P1-P2',
  0x6D00: 'Instruction code not supported or invalid',
  0x6E00: 'Class not supported',
  0x6F00: 'No precise diagnosis',
};

/** What a status word means (a short table; unknown words say so). */
export function swMeaning(sw: number): string {
  const w = sw & 0xffff;
  const exact = EXACT[w];
  if (exact) return exact;
  const sw1 = w >> 8;
  const sw2 = w & 0xff;
  if (sw1 === 0x61) return `${sw2} more bytes available (GET RESPONSE)`;
  if (sw1 === 0x6c) return `Wrong Le: exact length is ${sw2}`;
  if (sw1 === 0x63 && (sw2 & 0xf0) === 0xc0) return `Verification failed, ${sw2 & 0x0f} tries left`;
  if (sw1 === 0x62 || sw1 === 0x63) return 'Warning';
  if (sw1 >= 0x64 && sw1 <= 0x6f) return 'Error';
  return 'Unknown status word';
}
