// Script format: scriptor's lines plus expected statuses; errors name the line.
import { describe, expect, it } from 'vitest';
import { parseApduText, parseScript, type ApduItem } from '../../../src/core/script/parse.js';

const hex = (b: Buffer): string => b.toString('hex').toUpperCase();
const apdus = (items: ReturnType<typeof parseScript>): [number, string][] =>
  items.filter((i): i is ApduItem => i.kind === 'apdu').map((i) => [i.line, hex(i.bytes)]);

describe('parseScript', () => {
  it("reads scriptor's own example layout", () => {
    const text = [
      '# a comment',
      '',
      'reset',
      '',
      '# SELECT MF',
      '00 A4 00 00 02 3F 00',
      '00A40000023F00',
      '00:A4:00:00:02:3F:00',
      'A0 A4 00 00 02 \\',
      '  7F 20',
      'exit',
      '00 B0 00 00 10',
    ].join('\n');
    const items = parseScript(text);
    expect(items[0]).toEqual({ kind: 'reset', line: 3 });
    expect(apdus(items)).toEqual([
      [6, '00A40000023F00'],
      [7, '00A40000023F00'],
      [8, '00A40000023F00'],
      [9, 'A0A40000027F20'],
    ]);
  });

  it('takes CRLF line ends, tabs, trailing comments and upper-case keywords', () => {
    const items = parseScript('RESET\r\n00\tA4 04 00 00 # select nothing\r\n\r\nEXIT\r\n00 B0');
    expect(items.map((i) => i.kind)).toEqual(['reset', 'apdu']);
    expect(apdus(items)).toEqual([[2, '00A4040000']]);
  });

  it('continues over several lines and numbers the APDU by its first line', () => {
    const items = parseScript('\n00 D6 00 00 \\\n04 \\\n# between\n01 02 03 04');
    expect(apdus(items)).toEqual([[2, '00D600000401020304']]);
  });

  it('reads expected statuses', () => {
    const [a, b, c] = parseScript('00A4040000=9000\n00 B0 00 00 00 = 61XX|6CXX\n00B0000000') as ApduItem[];
    expect(a?.expect?.map((p) => p.text)).toEqual(['9000']);
    expect(b?.expect?.map((p) => p.text)).toEqual(['61XX', '6CXX']);
    expect(c?.expect).toBeNull();
  });

  const errors: [string, string, RegExp][] = [
    [
      'odd digits',
      '00A4040000\n00 A4 04 0',
      /^t\.apdu line 2: odd number of hex digits \(1\) in the group at position 10/,
    ],
    ['odd digits in a readable header', '00A4040002 0102 3', /^t\.apdu line 1: odd number of hex digits in "3" \(1\)/],
    ['not hex', '00 A4 04 00 0G', /^t\.apdu line 1: 'G' at position 14 is not a hex digit/],
    ['bad Lc', '\n\n00 A4 04 00 05 01 02', /^t\.apdu line 3: Lc is 5 \(0x05\) but 2 bytes follow it/],
    ['unknown word', 'select 3F00', /^t\.apdu line 1: "select" is neither hex nor a command \(reset, exit\)/],
    ['dangling continuation', '00 A4 \\\n', /^t\.apdu line 1: the APDU continues with "\\" but the script ends there/],
    ['bad expectation', '00A4040000=90', /^t\.apdu line 1: expected status: "90" is not a status word pattern/],
    ['two =', '00A4040000=9000=9000', /more than one "="/],
    ['= with nothing before', '=9000', /no APDU bytes before "="/],
  ];
  it.each(errors)('says where the error is: %s', (_n, text, re) => {
    expect(() => parseScript(text, { name: 't.apdu' })).toThrow(re);
  });

  it("sends any bytes with validation off, up to pcscd's limit", () => {
    expect(apdus(parseScript('00 A4 04 00 05 01', { validate: false }))).toEqual([[1, '00A404000501']]);
    expect(() => parseScript('AA'.repeat(65549), { validate: false })).toThrow(
      /too long: 65549 bytes, pcscd takes at most 65548/,
    );
  });

  it('an empty script has no items', () => {
    expect(parseScript('# nothing\n\n')).toEqual([]);
  });
});

describe('parseApduText (command-line APDUs)', () => {
  it('accepts the forms people write', () => {
    for (const t of [
      '00A4040007A0000002471001',
      '00 A4 04 00 07 A0 00 00 02 47 10 01',
      '00:a4:04:00:07:a0:00:00:02:47:10:01',
    ]) {
      expect(hex(parseApduText(t, { what: 'APDU 1' }).bytes)).toBe('00A4040007A0000002471001');
    }
  });
  it('names the argument in errors', () => {
    expect(() => parseApduText('00', { what: 'APDU 2' })).toThrow(/^APDU 2: 1 byte is too short/);
  });
  it('an argument with no bytes and no "=" (`pcsc apdu -`, an empty one) says where a script goes', () => {
    for (const t of ['-', '', ' '])
      expect(() => parseApduText(t, { what: 'APDU 1' })).toThrow(
        /^APDU 1: no APDU bytes; give them in hex \(00A4040000\), or a script with -f FILE \(-f - for stdin\)$/,
      );
    expect(() => parseApduText('=9000', { what: 'APDU 1' })).toThrow(/^APDU 1: no APDU bytes before "="$/);
  });
});
