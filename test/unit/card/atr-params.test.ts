// ISO 7816-3 ATR fields the driver uses, and the parameters and PPS derived from them.

import { describe, expect, it } from 'vitest';
import { parseAtrParams } from '../../../src/core/card/atr-params.js';
import { parseCcidDescriptor } from '../../../src/core/ccid/descriptor.js';
import { cardWaitMs, ppsConfirmed, ppsRequest, protocolData, usableFidi } from '../../../src/core/ccid/params.js';
import { descriptorBytes } from '../ccid/sim.js';
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
    expect(a.historical.toString('latin1')).toBe('sfte cd144');
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
    expect(a.historical.toString('latin1')).toBe('Yubikey4');
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

describe('PPS and SetParameters', () => {
  it('builds and checks a PPS exchange', () => {
    const req = ppsRequest(1, 0x96);
    expect(req.toString('hex')).toBe('ff11967e'.replace('7e', (0xff ^ 0x11 ^ 0x96).toString(16)));
    expect(ppsConfirmed(req, req)).toBe(0x96);
    expect(ppsConfirmed(req, h('ff01fe'))).toBe(0x11);
    expect(ppsConfirmed(req, h('ff00ff'))).toBeUndefined();
    expect(ppsConfirmed(req, h('ff1197'))).toBeUndefined();
    expect(ppsConfirmed(req, h('6d00'))).toBeUndefined();
  });

  it('keeps Fi/Di within the reader data rate', () => {
    const atr = parseAtrParams(
      h(
        '3B F8 96 00 00 81 31 FE 15 59 75 62 69 6B 65 79 34 D4'.replace(
          'D4',
          (0xd4 ^ 0x13 ^ 0x96).toString(16).padStart(2, '0'),
        ),
      ),
    );
    expect(usableFidi(atr, parseCcidDescriptor(descriptorBytes({ maxDataRate: 344086 })))).toBe(0x96);
    expect(usableFidi(atr, parseCcidDescriptor(descriptorBytes({ maxDataRate: 115200 })))).toBe(0x11);
  });

  it('fills the protocol data structures from the ATR', () => {
    const t1 = parseAtrParams(h('3B F8 13 00 00 81 31 FE 15 59 75 62 69 6B 65 79 34 D4'));
    expect(protocolData(1, t1, 0x13)).toEqual({
      protocol: 1,
      fidi: 0x13,
      tcckst: 0x10,
      guardTime: 0,
      waitingIntegers: 0x15,
      clockStop: 0,
      ifsc: 0xfe,
      nad: 0,
    });
    const inv = parseAtrParams(h('3F 00'));
    expect(protocolData(0, inv, 0x11)).toEqual({
      protocol: 0,
      fidi: 0x11,
      tcckst: 2,
      guardTime: 0,
      waitingInteger: 10,
      clockStop: 0,
    });
    expect(cardWaitMs(0, inv, 0x11, 4000)).toBe(893);
    expect(cardWaitMs(1, t1, 0x13, 4000)).toBeGreaterThan(178);
  });
});
