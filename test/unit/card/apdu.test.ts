// ISO 7816-4 §5.1 command APDU cases: decoding, building, and the messages for bad lengths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildApdu, MAX_APDU_LENGTH, parseApdu, withNe, type ApduCase } from '../../../src/core/card/apdu.js';
import { UsageError } from '../../../src/core/errors.js';
import { hex as h } from '../../helpers/hex.js';

const seq = (n: number, from = 0): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff));

describe('parseApdu: the seven encodings', () => {
  const cases: [string, Buffer, ApduCase, number, number | null][] = [
    ['case 1', h('00 A4 04 00'), '1', 0, null],
    ['case 2S, Le 10', h('00 B0 00 00 10'), '2S', 0, 16],
    ['case 2S, Le 00 means 256', h('00 B0 00 00 00'), '2S', 0, 256],
    ['case 3S', h('00 A4 04 00 02 3F 00'), '3S', 2, null],
    ['case 4S', h('00 A4 04 00 02 3F 00 00'), '4S', 2, 256],
    ['case 4S, Le 0C', h('00 A4 04 00 01 AA 0C'), '4S', 1, 12],
    ['case 2E, Le 0100', h('00 B0 00 00 00 01 00'), '2E', 0, 256],
    ['case 2E, Le 0000 means 65536', h('00 B0 00 00 00 00 00'), '2E', 0, 65536],
    ['case 3E with 300 bytes', Buffer.concat([h('00 D6 00 00 00 01 2C'), seq(300)]), '3E', 300, null],
    [
      'case 4E with 2 bytes, Le 1000',
      Buffer.concat([h('00 2A 9E 9A 00 00 02'), h('AB CD'), h('10 00')]),
      '4E',
      2,
      4096,
    ],
    ['case 4E, Le 0000 means 65536', Buffer.concat([h('80 CA 00 00 00 00 01 AA 00 00')]), '4E', 1, 65536],
  ];
  it.each(cases)('%s', (_n, bytes, c, nc, ne) => {
    const a = parseApdu(bytes);
    expect(a.case).toBe(c);
    expect(a.data.length).toBe(nc);
    expect(a.ne).toBe(ne);
    expect(a.extended).toBe(c.endsWith('E'));
    expect([a.cla, a.ins, a.p1, a.p2]).toEqual([...bytes.subarray(0, 4)]);
  });

  it('keeps the data bytes', () => {
    expect(parseApdu(h('00 A4 04 00 07 A0 00 00 02 47 10 01 00')).data).toEqual(h('A0 00 00 02 47 10 01'));
    expect(parseApdu(Buffer.concat([h('00 D6 00 00 00 01 2C'), seq(300, 7)])).data.equals(seq(300, 7))).toBe(true);
  });

  it('takes the longest extended APDU (65535 data bytes, Le 0000)', () => {
    const b = Buffer.concat([h('00 D6 00 00 00 FF FF'), seq(65535), h('00 00')]);
    expect(b.length).toBe(MAX_APDU_LENGTH);
    expect(parseApdu(b).case).toBe('4E');
  });
});

describe('parseApdu: lengths that fit no case', () => {
  const bad: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /0 bytes is too short/],
    ['one byte (unquoted spaces)', h('00'), /1 byte is too short.*quote them/],
    ['three bytes', h('00 A4 04'), /3 bytes is too short/],
    [
      'Lc says 5, 3 follow',
      h('00 A4 04 00 05 01 02 03'),
      /Lc is 5 \(0x05\) but 3 bytes follow it; expected 5 \(no Le\) or 6 \(with Le\)/,
    ],
    ['Lc says 2, 4 follow', h('00 A4 04 00 02 01 02 03 04'), /Lc is 2 .* but 4 bytes follow/],
    ['short Lc of 00 and one byte', h('00 A4 04 00 00 01'), /short Lc must be 1–255/],
    ['extended Lc 0000', h('00 A4 04 00 00 00 00 01'), /extended Lc is 0000/],
    [
      'extended Lc says 3, 1 follows',
      h('00 A4 04 00 00 00 03 01'),
      /extended Lc is 3 \(0x0003\) but 1 byte follows it/,
    ],
    [
      'extended Lc says 2, 3 follow',
      h('00 A4 04 00 00 00 02 01 02 03'),
      /expected 2 \(no Le\) or 4 \(with a 2-byte Le\)/,
    ],
  ];
  it.each(bad)('%s', (_n, bytes, re) => {
    expect(() => parseApdu(bytes, { what: 'APDU 2' })).toThrow(UsageError);
    expect(() => parseApdu(bytes, { what: 'APDU 2' })).toThrow(re);
    expect(() => parseApdu(bytes, { what: 'APDU 2' })).toThrow(/^APDU 2: /);
  });

  it('says an APDU is too long', () => {
    const b = Buffer.concat([h('00 D6 00 00 00 FF FF'), seq(65535), h('00 00 00')]);
    expect(() => parseApdu(b)).toThrow(/too long: 65545 bytes, the longest extended APDU is 65544 bytes/);
  });

  it('suggests the extended form for more than 255 data bytes in short form', () => {
    expect(() => parseApdu(Buffer.concat([h('00 D6 00 00 FF'), seq(300)]))).toThrow(/use an extended APDU/);
  });
});

describe('buildApdu', () => {
  it('writes each case in short form', () => {
    expect(buildApdu({ cla: 0, ins: 0xa4, p1: 4, p2: 0 })).toEqual(h('00A40400'));
    expect(buildApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 256 })).toEqual(h('00B0000000'));
    expect(buildApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0, data: h('3F00') })).toEqual(h('00A40000023F00'));
    expect(buildApdu({ cla: 0xa0, ins: 0xc0, p1: 0, p2: 0, ne: 0x17 })).toEqual(h('A0C0000017'));
    expect(buildApdu({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: h('A0000002471001'), ne: 256 })).toEqual(
      h('00A4040007A000000247100100'),
    );
  });

  it('switches to the extended form when the data or Ne need it', () => {
    expect(buildApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 257 })).toEqual(h('00B00000000101'));
    expect(buildApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 65536 })).toEqual(h('00B00000000000'));
    const d = seq(256);
    expect(buildApdu({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data: d })).toEqual(Buffer.concat([h('00D6000000 0100'), d]));
    expect(buildApdu({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data: d, ne: 65536 })).toEqual(
      Buffer.concat([h('00D6000000 0100'), d, h('0000')]),
    );
    expect(buildApdu({ cla: 0, ins: 0xca, p1: 0, p2: 0, data: h('AA'), ne: 10, extended: true })).toEqual(
      h('00CA0000 000001 AA 000A'),
    );
  });

  it('refuses impossible fields', () => {
    expect(() => buildApdu({ cla: 256, ins: 0, p1: 0, p2: 0 })).toThrow(/CLA must be a byte/);
    expect(() => buildApdu({ cla: 0, ins: 0, p1: 0, p2: 0, ne: 0 })).toThrow(/Ne must be 1–65536/);
    expect(() => buildApdu({ cla: 0, ins: 0, p1: 0, p2: 0, data: new Uint8Array(65536) })).toThrow(/at most 65535/);
  });

  it('withNe keeps the form and the data', () => {
    expect(withNe(parseApdu(h('00B0000000')), 0x12)).toEqual(h('00B0000012'));
    expect(withNe(parseApdu(h('00A40000023F00')), 0x0c)).toEqual(h('00A40000023F000C'));
    expect(withNe(parseApdu(h('00B00000000000')), 0x12)).toEqual(h('00B00000000012'));
  });
});

describe('property: build then parse gives the fields back', () => {
  const sizes = fc.constantFrom(0, 1, 2, 254, 255, 256, 257, 300, 4096, 65535);
  const ne = fc.option(fc.oneof(fc.constantFrom(1, 255, 256, 257, 65535, 65536), fc.integer({ min: 1, max: 65536 })), {
    nil: null,
  });
  const byte = fc.integer({ min: 0, max: 255 });

  it('for any header, data size, Ne and form', () => {
    fc.assert(
      fc.property(byte, byte, byte, byte, sizes, byte, ne, fc.boolean(), (cla, ins, p1, p2, nc, seed, ne, extended) => {
        const f = { cla, ins, p1, p2, data: seq(nc, seed), ne, extended };
        const bytes = buildApdu(f);
        const a = parseApdu(bytes);
        expect([a.cla, a.ins, a.p1, a.p2]).toEqual([cla, ins, p1, p2]);
        // Buffer.equals: vitest's deep equality is slow on 64 KiB buffers.
        expect(a.data.equals(f.data)).toBe(true);
        expect(a.ne).toBe(ne);
        // Case 1 has no extended form.
        expect(a.extended).toBe((extended && (nc > 0 || ne !== null)) || nc > 255 || (ne ?? 0) > 256);
        expect(buildApdu({ ...a }).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('parse never throws anything but a UsageError, and accepts exactly the lengths of a case', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (b) => {
        try {
          const a = parseApdu(b);
          expect(buildApdu({ ...a }).equals(Buffer.from(b))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
