// Status words: the table's precedence, the 61XX/6CXX/63CX patterns, and expected-status masks.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import {
  describeSw,
  isSuccessSw,
  matchSw,
  parseSw,
  parseSwPattern,
  parseSwPatterns,
} from '../../../src/core/card/sw.js';

describe('describeSw', () => {
  const table: [number, RegExp, string, string | null][] = [
    [0x9000, /^Success$/, 'success', 'ISO 7816-4'],
    [0x6110, /Success, 16 bytes wait for GET RESPONSE/, 'success', 'ISO 7816-4'],
    [0x6100, /256 or more bytes wait/, 'success', 'ISO 7816-4'],
    [0x6c12, /card has 18 bytes \(re-send with Le = 12\)/, 'error', 'ISO 7816-4'],
    [0x6c00, /card has 256 bytes/, 'error', 'ISO 7816-4'],
    [0x63c2, /counter is 2 .*wrong PIN, 2 tries left/, 'warning', 'ISO 7816-4'],
    [0x63c1, /1 try left/, 'warning', 'ISO 7816-4'],
    [0x63c0, /no tries left/, 'warning', 'ISO 7816-4'],
    [0x6a82, /^File or application not found$/, 'error', 'ISO 7816-4'],
    [0x6982, /Security status not satisfied/, 'error', 'ISO 7816-4'],
    [0x6700, /^Wrong length/, 'error', 'ISO 7816-4'],
    [0x6d00, /Instruction code not supported/, 'error', 'ISO 7816-4'],
    [0x6e00, /Class not supported/, 'error', 'ISO 7816-4'],
    [0x6281, /part of the returned data may be corrupted/, 'warning', 'ISO 7816-4'],
    [0x62f1, /non-volatile memory unchanged$/, 'warning', 'ISO 7816-4'],
    [0x6f42, /proprietary/, 'error', 'ISO 7816-4'],
    [0x6310, /More data available/, 'warning', 'GlobalPlatform'],
    [0x6999, /Applet selection failed/, 'error', 'Java Card'],
    [0x9484, /Algorithm not supported/, 'error', 'GlobalPlatform'],
    [0x9485, /Invalid key check value/, 'error', 'GlobalPlatform'],
    [0x9123, /Application-specific/, 'error', 'ISO 7816-4'],
    [0x6000, /Not a valid status word/, 'error', null],
    [0x7000, /Not a valid status word/, 'error', null],
    [0xa000, /Not a valid status word/, 'error', null],
  ];
  it.each(table.map(([sw, ...rest]) => [sw.toString(16).toUpperCase(), sw, ...rest] as const))(
    '%s',
    (_name, sw, re, category, source) => {
      const d = describeSw(sw);
      expect(d.meaning).toMatch(re);
      expect(d.category).toBe(category);
      expect(d.source).toBe(source);
      expect(d.sw).toBe(sw.toString(16).toUpperCase().padStart(4, '0'));
    },
  );

  it('adds the GlobalPlatform or EMV meaning after the ISO one for the same word', () => {
    expect(describeSw(0x6283).meaning).toBe(
      'Warning: the selected file is deactivated (GlobalPlatform: after SELECT: card locked, or application blocked)',
    );
    expect(describeSw(0x6983).meaning).toMatch(/^Authentication method blocked .*\(EMV: PIN try limit exceeded\)$/);
  });

  it('gives every valid word some meaning', () => {
    for (let sw1 = 0x61; sw1 <= 0x9f; sw1++) {
      if (sw1 > 0x6f && sw1 < 0x90) continue;
      for (let sw2 = 0; sw2 < 256; sw2++) {
        const d = describeSw((sw1 << 8) | sw2);
        expect(d.meaning).not.toMatch(/Unknown|Not a valid/);
      }
    }
  });

  it('isSuccessSw', () => {
    expect([0x9000, 0x6100, 0x61ff, 0x6282, 0x9001].map((w) => isSuccessSw(w))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('status words as text, numbers or responses', () => {
  it.each(['9000', '90 00', '0x9000', '0X9000', ' 90:00 ', '9000 '])('"%s" is 0x9000, never decimal 9000', (t) => {
    expect(parseSw(t)).toBe(0x9000);
    expect(describeSw(t)).toMatchObject({ sw: '9000', meaning: 'Success', category: 'success' });
    expect(isSuccessSw(t)).toBe(true);
  });

  it('reads hex letters in either case', () => {
    expect(describeSw('6a82').meaning).toBe('File or application not found');
    expect(isSuccessSw('6A82')).toBe(false);
    expect(isSuccessSw('61 1c')).toBe(true);
  });

  it('takes a number as it is, and a response by its last two bytes', () => {
    expect(describeSw(0x6982).sw).toBe('6982');
    expect(describeSw(Buffer.from('CAFE9000', 'hex')).meaning).toBe('Success');
    expect(isSuccessSw(new Uint8Array([0x6a, 0x82]))).toBe(false);
  });

  it.each([
    ['900', /"900" is not a status word: write 4 hex digits/],
    ['36864', /"36864" is not a status word/],
    ['0x90000', /not a status word/],
    ['90 00 00', /not a status word/],
    ['', /not a status word/],
    ['9G00', /not a status word/],
    ['0x', /not a status word/],
  ])('refuses the text "%s" with a clear error', (t, re) => {
    expect(() => describeSw(t)).toThrow(re);
    expect(() => isSuccessSw(t)).toThrow(UsageError);
  });

  it.each([0x10000, -1, 1.5, NaN])('refuses the number %s (not two bytes)', (n) => {
    expect(() => describeSw(n)).toThrow(/is not an integer from 0 to 0xFFFF/);
  });

  it('refuses a response shorter than two bytes', () => {
    expect(() => describeSw(Buffer.from([0x90]))).toThrow(/has no status word/);
  });

  it('the errors carry the code ESW', () => {
    try {
      parseSw('900');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).code).toBe('ESW');
    }
  });
});

describe('expected-status patterns', () => {
  it('parses digits and X masks', () => {
    expect(parseSwPattern('9000')).toMatchObject({ value: 0x9000, mask: 0xffff, fixed: 4 });
    expect(parseSwPattern('61xx')).toMatchObject({ text: '61XX', value: 0x6100, mask: 0xff00, fixed: 2 });
    expect(parseSwPattern('6XXX')).toMatchObject({ value: 0x6000, mask: 0xf000, fixed: 1 });
    expect(parseSwPattern('63C?')).toMatchObject({ text: '63CX', value: 0x63c0, mask: 0xfff0, fixed: 3 });
  });

  it('matches', () => {
    const p = parseSwPatterns('9000|61XX');
    expect(matchSw(p, 0x9000)).toBe(true);
    expect(matchSw(p, 0x6112)).toBe(true);
    expect(matchSw(p, 0x6a82)).toBe(false);
    expect(matchSw(parseSwPatterns('6XXX'), 0x6a82)).toBe(true);
    expect(matchSw(parseSwPatterns('6XXX'), 0x9000)).toBe(false);
    expect(matchSw(parseSwPatterns('9000,6A82'), 0x6a82)).toBe(true);
  });

  it('refuses what is not a pattern, with a message that shows the form', () => {
    expect(() => parseSwPattern('900')).toThrow(
      /"900" is not a status word pattern; write 4 hex digits, X for any digit/,
    );
    expect(() => parseSwPattern('90000')).toThrow(/not a status word pattern/);
    expect(() => parseSwPattern('90G0')).toThrow(/not a status word pattern/);
    expect(() => parseSwPatterns('9000|')).toThrow(/empty alternative/);
  });
});
