// ISO 7816-3 §9 PPS and CCID SetParameters: the parameters a driver derives from an ATR.

import { describe, expect, it } from 'vitest';
import { parseAtrParams } from '../../../src/core/card/atr-params.js';
import { parseCcidDescriptor } from '../../../src/core/ccid/descriptor.js';
import { cardWaitMs, ppsConfirmed, ppsRequest, protocolData, usableFidi } from '../../../src/core/ccid/params.js';
import { descriptorBytes } from './sim.js';
import { hex as h } from '../../helpers/hex.js';

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
