// ISO 7816-3 §12: APDU cases onto T=0 TPDUs, and the character-level procedure bytes.

import { describe, expect, it } from 'vitest';
import { PcscError, Scard } from '../../../src/core/errors.js';
import { apduToT0Tpdu, t0CharacterExchange } from '../../../src/core/card/t0-tpdu.js';
import { hex as h } from '../../helpers/hex.js';

const tpdu = (s: string): string => apduToT0Tpdu(h(s)).toString('hex');

describe('APDU → T=0 TPDU', () => {
  it('maps the short cases', () => {
    expect(tpdu('00 A4 00 00')).toBe('00a4000000');
    expect(tpdu('00 C0 00 00 0D')).toBe('00c000000d');
    expect(tpdu('00 A4 04 00 02 3F 00')).toBe('00a40400023f00');
    expect(tpdu('00 A4 04 00 02 3F 00 00')).toBe('00a40400023f00');
  });

  it('maps extended cases that fit, and refuses the rest', () => {
    expect(tpdu('00 B0 00 00 00 00 80')).toBe('00b0000080');
    expect(tpdu('00 B0 00 00 00 10 00')).toBe('00b0000000');
    expect(tpdu('00 D6 00 00 00 00 02 AA BB')).toBe('00d6000002aabb');
    expect(tpdu('00 D6 00 00 00 00 02 AA BB 00 00')).toBe('00d6000002aabb');
    expect(() => apduToT0Tpdu(Buffer.concat([h('00D6000000 0100'), Buffer.alloc(256)]))).toThrow(
      /T=0 cannot carry 256 command bytes/,
    );
  });

  it("refuses malformed APDUs as a reader driver does, with the APDU parser's reason", () => {
    const refused = (text: string): unknown => {
      try {
        apduToT0Tpdu(h(text));
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const [text, why] of [
      ['00A4', /at least CLA INS P1 P2/],
      ['00A4040002AA', /Lc is 2 \(0x02\) but 1 byte follows it/],
      ['00A4040000AA', /Lc is 00 with one byte after it/],
      ['00A4040000000001', /extended Lc is 0000/],
      ['00A4040000000300', /extended Lc is 3 \(0x0003\) but 1 byte follows it/],
    ] as const) {
      const e = refused(text);
      expect(e, text).toBeInstanceOf(PcscError);
      expect((e as PcscError).code).toBe(Scard.E_INVALID_PARAMETER);
      expect((e as PcscError).message).toMatch(why);
    }
  });
});

describe('character-level T=0 procedure bytes', () => {
  /** A card speaking T=0 byte by byte: returns what it puts on the line after each host write. */
  function script(steps: [string, string][]): (out: Buffer, expect: number) => Promise<Buffer> {
    let i = 0;
    return async (out, n) => {
      const [want, give] = steps[i++] ?? ['', ''];
      expect(out.toString('hex')).toBe(want);
      const g = h(give);
      expect(g.length).toBe(n);
      return g;
    };
  }

  it('sends data after INS, waits through NULL bytes, and ends with SW1 SW2', async () => {
    const io = script([
      ['00d6000002', '60'],
      ['', 'd6'],
      ['aabb', '90'],
      ['', '00'],
    ]);
    expect((await t0CharacterExchange(h('00D6000002AABB'), io)).toString('hex')).toBe('9000');
  });

  it('sends one byte at a time after ~INS, and reads data after INS for case 2', async () => {
    const io = script([
      ['00d6000002', '29'],
      ['aa', '29'],
      ['bb', '61'],
      ['', '10'],
    ]);
    expect((await t0CharacterExchange(h('00D6000002AABB'), io)).toString('hex')).toBe('6110');
    const read = script([
      ['00b0000003', 'b0'],
      ['', '010203'],
      ['', '90'],
      ['', '00'],
    ]);
    expect((await t0CharacterExchange(h('00B0000003'), read)).toString('hex')).toBe('0102039000');
  });

  it('refuses an invalid procedure byte', async () => {
    const io = script([['00b0000003', '42']]);
    await expect(t0CharacterExchange(h('00B0000003'), io)).rejects.toThrow(/procedure byte 0x42 is invalid/);
  });
});
