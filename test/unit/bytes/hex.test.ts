// Hex text as smart card people write it ("00 A4 04 00", "00:a4", "00A4") and as pcsc_scan prints it.

import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { formatHex, isHex, parseHex, toHex } from '../../../src/core/bytes/hex.js';

describe('parseHex', () => {
  it.each([
    ['00 A4 04 00', '00a40400'],
    ['00a40400', '00a40400'],
    ['00:a4:04:00', '00a40400'],
    ['00-A4-04-00', '00a40400'],
    ['  00\tA4\n0400  ', '00a40400'],
    ['00A4 0400', '00a40400'],
    ['', ''],
    ['   ', ''],
    ['0x3B9513', '3b9513'],
    ['0X3b 0x95 0x13', '3b9513'],
    ['0x3B:0x95', '3b95'],
  ])('%j', (text, hex) => {
    expect(parseHex(text).toString('hex')).toBe(hex);
  });

  it.each([
    ['0 A4', /odd number of hex digits in "0".*e\.g\. 00/],
    ['00 A', /odd number/],
    ['00 G1', /'G' at position 4/],
    ['0x', /'x' at position 2/],
    ['3B0x95', /'x' at position 4/],
    ['00x3B', /'x' at position 3/],
  ])('refuses %j with a usage error that says where', (text, msg) => {
    expect(() => parseHex(text)).toThrow(UsageError);
    expect(() => parseHex(text)).toThrow(msg);
  });

  it('quotes at most 48 characters of the text', () => {
    expect(() => parseHex('00'.repeat(60) + 'G')).toThrow(/in "(00){24}…"$/);
  });

  it('quotes nothing, not even the bad character, when told so (an APDU that may carry a PIN)', () => {
    const quote = (): null => null;
    expect(() => parseHex('00 20 00 81 04 31 32 3G', { quote })).toThrow(
      /^hex: the character at position 23 is not a hex digit$/,
    );
    expect(() => parseHex('00 20 00 81 04 31 32 333', { quote })).toThrow(
      /^hex: odd number of hex digits \(3\) in the group at position 22; write each byte as two digits$/,
    );
  });

  it('takes no-break spaces as separators (hex copied from web pages)', () => {
    expect(parseHex('00\u00a0A4').toString('hex')).toBe('00a4');
  });

  it('names the thing parsed', () => {
    expect(() => parseHex('zz', { what: 'APDU 2' })).toThrow(/^APDU 2: /);
  });

  it('isHex', () => {
    expect(isHex('00 a4')).toBe(true);
    expect(isHex('0')).toBe(false);
  });
});

describe('formatHex / toHex', () => {
  it('upper case, space separated, as pcsc_scan prints ATRs', () => {
    expect(formatHex(Buffer.from([0x3b, 0x82, 0x00, 0x86, 0x1e]))).toBe('3B 82 00 86 1E');
    expect(formatHex(Buffer.from([0xab, 0x01]), { sep: ':', lower: true })).toBe('ab:01');
    expect(formatHex(new Uint8Array(0))).toBe('');
    expect(toHex(Buffer.from([0x3b, 0x8f]))).toBe('3B8F');
  });

  it('round trips every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(parseHex(formatHex(all)).equals(all)).toBe(true);
    expect(parseHex(toHex(all)).equals(all)).toBe(true);
  });
});
