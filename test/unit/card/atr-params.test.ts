// ISO 7816-3 ATR fields the CCID driver uses (parseAtrParams), read through the one ATR parser.

import { describe, expect, it } from 'vitest';
import { parseAtrParams } from '../../../src/core/card/atr-params.js';
import { analyzeAtr } from '../../../src/core/card/atr.js';
import { hex as h } from '../../helpers/hex.js';

describe('ATR parameters', () => {
  it("reads QEMU's CAC ATR: T=0 only, TA1 18, no TCK", () => {
    const a = parseAtrParams(h('3B 7A 18 00 00 73 66 74 65 20 63 64 31 34 34'));
    expect(a).toMatchObject({
      inverse: false,
      protocols: [0],
      firstProtocol: 0,
      fidi: 0x18,
      guardTime: 0,
      t0WaitingInteger: 10,
    });
    expect(a.specific).toBeUndefined();
  });

  it('reads a T=1 ATR: IFSC, BWI/CWI, TCK checked', () => {
    const a = parseAtrParams(h('3B F8 13 00 00 81 31 FE 15 59 75 62 69 6B 65 79 34 D4'));
    expect(a).toMatchObject({
      protocols: [1],
      firstProtocol: 1,
      fidi: 0x13,
      ifsc: 0xfe,
      t1WaitingIntegers: 0x15,
      crc: false,
    });
  });

  it('reads a dual-protocol ATR with specific mode (TA2) and CRC', () => {
    // TD1 = 90 (TA2, TD2 follow; T=0), TA2 = 01 (specific mode, T=1), TD2 = 71 (T=1): TA3 20, TB3 45, TC3 01
    const body = h('3B 80 90 01 71 20 45 01');
    let tck = 0;
    for (const b of body.subarray(1)) tck ^= b;
    const a = parseAtrParams(Buffer.concat([body, Buffer.from([tck])]));
    expect(a.protocols).toEqual([0, 1]);
    expect(a.specific).toEqual({ protocol: 1, implicitFidi: false });
    expect(a).toMatchObject({ ifsc: 0x20, t1WaitingIntegers: 0x45, crc: true });
  });

  it('refuses broken ATRs with a clear reason', () => {
    expect(() => parseAtrParams(h('3B'))).toThrow(/invalid ATR: only 1 byte/);
    expect(() => parseAtrParams(h('3C 00'))).toThrow(/TS = 3c/);
    expect(() => parseAtrParams(h('3B F8 13 00'))).toThrow(/run past the end|historical/);
    expect(() => parseAtrParams(h('3B 85 80 01 01 02 03'))).toThrow(/historical bytes announced|TCK missing/);
    expect(() => parseAtrParams(h('3B F8 13 00 00 81 31 FE 15 59 75 62 69 6B 65 79 34 D5'))).toThrow(
      /TCK does not match/,
    );
  });
});

describe('one ATR parser for the analysis and the driver', () => {
  // Each ATR is read by both; the fields they share must agree (they once had a parser each).
  const atrs = [
    '3B 7A 18 00 00 73 66 74 65 20 63 64 31 34 34',
    '3B F8 13 00 00 81 31 FE 15 59 75 62 69 6B 65 79 34 D4',
    '3B 95 13 81 01 80 73 FF 01 00 0B',
    '3B DF 18 FF 81 F1 FE 43 00 3F 03 83 4D 49 46 41 52 45 20 50 6C 75 73 20 53 41 4D 3B',
    '3B 02 14 50',
    '3F 00',
  ];
  it.each(atrs)('%s', (text) => {
    const p = parseAtrParams(h(text));
    const a = analyzeAtr(h(text));
    expect(a.protocols).toEqual(p.protocols.map((t) => `T=${t}`));
    expect(a.convention).toBe(p.inverse ? 'inverse' : 'direct');
    expect(a.extraGuardTime).toBe(p.guardTime);
    expect(a.t1?.ifsc ?? 32).toBe(p.ifsc);
    expect((a.t1?.bwi ?? 4) * 16 + (a.t1?.cwi ?? 13)).toBe(p.t1WaitingIntegers);
    expect(a.t1?.errorDetection === 'CRC').toBe(p.crc);
    const ta1 = a.interfaceBytes.find((x) => x.name === 'TA1')?.value;
    expect(ta1 === undefined ? 0x11 : parseInt(ta1, 16)).toBe(p.fidi);
  });
});
