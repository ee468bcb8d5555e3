// ISO 7816-3 ATR analysis: facts worked out by hand from the standard's tables for each ATR below.
import { describe, expect, it } from 'vitest';
import { analyzeAtr, describeT0, MAX_ATR_LENGTH } from '../../../src/core/card/atr.js';
import { hex as atr } from '../../helpers/hex.js';

/** XOR of every byte after TS, computed here independently of the code under test. */
const xorAfterTs = (b: Buffer): number => b.subarray(1).reduce((x, v) => x ^ v, 0);

describe('analyzeAtr: valid ATRs', () => {
  it('vicc iso7816 card (T=1 only, TA1 13)', () => {
    const b = atr('3B 95 13 81 01 80 73 FF 01 00 0B');
    expect(xorAfterTs(b)).toBe(0);
    const a = analyzeAtr(b);
    expect(a.convention).toBe('direct');
    expect(a.historicalLength).toBe(5);
    expect(a.interfaceBytes.map((x) => `${x.name}=${x.value}`)).toEqual(['TA1=13', 'TD1=81', 'TD2=01']);
    expect(a.transmission).toMatchObject({ fi: 372, di: 4, fMaxMHz: 5, default: false, cyclesPerEtu: 93 });
    expect(a.transmission.bitsPerSecondAt4MHz).toBe(43010);
    expect(a.protocols).toEqual(['T=1']);
    expect(a.tck).toEqual({ required: true, present: true, value: '0B', valid: true, expected: '0B' });
    expect(a.historical.bytes).toBe('8073FF0100');
    expect(a.historical.format).toBe('compact-tlv');
    expect(a.historical.objects).toHaveLength(1);
    expect(a.historical.objects[0]).toMatchObject({ tag: 7, length: 3, value: 'FF0100', name: 'card capabilities' });
    expect(a.problems).toEqual([]);
    expect(a.valid).toBe(true);
  });

  it('T=0 only, no interface bytes: defaults and no TCK', () => {
    const a = analyzeAtr(atr('3B 02 14 50'));
    expect(a.protocols).toEqual(['T=0']);
    expect(a.transmission).toMatchObject({ fi: 372, di: 1, fMaxMHz: 5, default: true });
    expect(a.tck).toEqual({ required: false, present: false });
    expect(a.historical.bytes).toBe('1450');
    expect(a.historical.format).toBe('proprietary');
    expect(a.valid).toBe(true);
  });

  it('T=1 with TA3/TB3 (IFSC, BWI, CWI) and TB1/TC1', () => {
    const b = atr('3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40');
    const a = analyzeAtr(b);
    expect(a.interfaceBytes.map((x) => x.name)).toEqual(['TA1', 'TB1', 'TC1', 'TD1', 'TD2', 'TA3', 'TB3']);
    expect(a.extraGuardTime).toBe(0);
    expect(a.t1).toEqual({ ifsc: 254, bwi: 1, cwi: 5 });
    expect(a.historicalLength).toBe(13);
    expect(a.tck.valid).toBe(xorAfterTs(b) === 0);
    expect(a.interfaceBytes.find((x) => x.name === 'TA3')?.scope).toBe('T=1');
  });

  it('T=15 global bytes: clock stop and classes; TC1=FF', () => {
    const b = atr('3B DF 18 FF 81 F1 FE 43 00 3F 03 83 4D 49 46 41 52 45 20 50 6C 75 73 20 53 41 4D 3B');
    const a = analyzeAtr(b);
    expect(a.transmission).toMatchObject({ fi: 372, di: 12 });
    expect(a.extraGuardTime).toBe(255);
    expect(a.t1).toEqual({ ifsc: 254, bwi: 4, cwi: 3, errorDetection: 'LRC' });
    expect(a.t15).toBe(true);
    expect(a.protocols).toEqual(['T=1']);
    expect(a.clockStop).toBe('not supported');
    expect(a.classes).toEqual(['A', 'B']);
    expect(a.interfaceBytes.find((x) => x.name === 'TB4')).toMatchObject({ value: '83', scope: 'global' });
    expect(Buffer.from(a.historical.bytes, 'hex').toString('latin1')).toBe('MIFARE Plus SAM');
    expect(a.tck.valid).toBe(xorAfterTs(b) === 0);
  });

  it('specific mode (TA2) and T=0 waiting integer (TC2)', () => {
    // T0=B0: Y1=1011 (TA1, TB1, TD1), K=0. TD1=50: Y2=0101 (TA2, TC2), T=0.
    // TA2=10: T=0, can change, implicit parameters. TC2=0A: WI=10. Only T=0, so no TCK.
    const a = analyzeAtr(atr('3B B0 11 00 50 10 0A'));
    expect(a.interfaceBytes.map((x) => x.name)).toEqual(['TA1', 'TB1', 'TD1', 'TA2', 'TC2']);
    expect(a.specificMode).toEqual({ protocol: 'T=0', canChange: true, implicitParameters: true });
    expect(a.waitingIntegerT0).toBe(10);
    expect(a.tck.required).toBe(false);
    expect(a.valid).toBe(true);
  });

  it('PC/SC part 3 contactless storage card', () => {
    const a = analyzeAtr(atr('3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A'));
    expect(a.protocols).toEqual(['T=0', 'T=1']);
    expect(a.tck).toMatchObject({ required: true, present: true, valid: true });
    expect(a.historical.format).toBe('pcsc-storage-card');
    expect(a.historical.pcsc).toEqual({
      rid: 'A000000306',
      standard: '03',
      standardName: 'ISO 14443 A, part 3',
      cardName: '0001',
      cardNameText: 'MIFARE Classic 1K',
    });
    expect(a.valid).toBe(true);
  });

  it('category 00: compact-TLV then a mandatory status indicator', () => {
    const hist = '00 31 C0 05 90 00';
    const body = atr(`3B 06 ${hist}`);
    const a = analyzeAtr(body);
    expect(a.historical.format).toBe('compact-tlv+status');
    expect(a.historical.objects).toEqual([expect.objectContaining({ tag: 3, length: 1, value: 'C0' })]);
    expect(a.historical.objects[0]?.details).toContain('card with MF');
    expect(a.historical.status).toEqual({ lcs: '05', lcsMeaning: 'operational state, activated', sw: '9000' });
  });
});

describe('analyzeAtr: malformed ATRs give problems, never exceptions', () => {
  it('empty', () => {
    expect(analyzeAtr(Buffer.alloc(0)).problems).toEqual(['the ATR is empty']);
  });
  it('TS only', () => {
    const a = analyzeAtr(atr('3B'));
    expect(a.valid).toBe(false);
    expect(a.problems.join()).toMatch(/T0 is missing/);
  });
  it('interface bytes cut off', () => {
    const a = analyzeAtr(atr('3B 95 13 81'));
    expect(a.problems.join()).toMatch(/truncated: interface bytes are missing/);
  });
  it('historical bytes cut off', () => {
    const a = analyzeAtr(atr('3B 02 14'));
    expect(a.problems).toEqual(['the ATR is truncated: 1 byte missing (historical bytes)']);
    expect(a.historical.bytes).toBe('14');
    expect(a.historical.expected).toBe(2);
  });
  it('TCK missing', () => {
    const a = analyzeAtr(atr('3B 95 13 81 01 80 73 FF 01 00'));
    expect(a.tck.present).toBe(false);
    expect(a.problems).toEqual(['the ATR is truncated: 1 byte missing (TCK)']);
  });
  it('wrong TCK names the right one', () => {
    const a = analyzeAtr(atr('3B 95 13 81 01 80 73 FF 01 00 0C'));
    expect(a.tck).toMatchObject({ present: true, valid: false, value: '0C', expected: '0B' });
    expect(a.problems).toEqual(['TCK is 0C, the checksum needs 0B']);
  });
  it('a TCK on a T=0-only ATR is read as TCK, and flagged', () => {
    const a = analyzeAtr(atr('3B 02 14 50 46'));
    expect(a.tck).toMatchObject({ required: false, present: true, valid: true });
    expect(a.problems.join()).toMatch(/only T=0/);
  });
  it('extra bytes', () => {
    expect(analyzeAtr(atr('3B 02 14 50 00 00')).problems).toEqual([
      'the ATR is too long: 2 extra bytes after the historical bytes',
    ]);
    expect(analyzeAtr(atr('3B 95 13 81 01 80 73 FF 01 00 0B 99')).problems).toEqual([
      'the ATR is too long: 1 extra byte after TCK',
    ]);
  });
  it('not 3B/3F', () => {
    const a = analyzeAtr(atr('A2 13 10 91'));
    expect(a.convention).toBeNull();
    expect(a.problems[0]).toMatch(/memory card/);
  });
  it('longer than 33 bytes', () => {
    const a = analyzeAtr(Buffer.concat([atr('3B 0F'), Buffer.alloc(MAX_ATR_LENGTH)]));
    expect(a.problems.join()).toMatch(/at most 33/);
  });
  it('TD1 with T=15 and RFU TA1', () => {
    const a = analyzeAtr(atr('3B 90 70 0F 00'));
    expect(a.problems.join('|')).toMatch(/TD1 indicates T=15/);
    expect(a.problems.join('|')).toMatch(/RFU Fi/);
  });
  it('a compact-TLV object longer than what is left', () => {
    const a = analyzeAtr(atr('3B 03 80 45 01'));
    expect(a.historical.problems).toEqual(['compact-TLV object 45 announces 5 bytes, only 1 left']);
    expect(a.valid).toBe(false);
  });
  it('every byte string up to 4 bytes analyses without throwing', () => {
    const vals = [0x00, 0x3b, 0x3f, 0x80, 0xff, 0x0f, 0xf0, 0x11];
    for (const x of vals)
      for (const y of vals)
        for (const z of vals) {
          const a = analyzeAtr(Buffer.from([0x3b, x, y, z]));
          expect(typeof a.valid).toBe('boolean');
        }
  });
});

describe('describeT0', () => {
  it.each([
    [0x95, 'K=5 historical bytes; TA1, TD1 follow'],
    [0x8f, 'K=15 historical bytes; TD1 follows'],
    [0x01, 'K=1 historical byte; no interface bytes'],
    [0xf0, 'K=0 historical bytes; TA1, TB1, TC1, TD1 follow'],
  ])('%s', (t0, text) => {
    expect(describeT0(t0)).toBe(text);
  });

  it('TD(i) meanings agree: one byte follows, several follow', () => {
    const a = analyzeAtr(atr('3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A'));
    expect(a.interfaceBytes.find((b) => b.name === 'TD1')?.meaning).toBe('protocol T=0; TD2 follows');
    const b = analyzeAtr(atr('3B F5 18 00 02 C1 0A 31 FE 58 56 34 63 76 C5'));
    expect(b.interfaceBytes.find((x) => x.name === 'TD1')?.meaning).toBe('protocol T=1; TC2, TD2 follow');
  });
});

describe('ATR wording: one of a thing is singular', () => {
  it('IFSC 1 byte, data unit 1 quartet', () => {
    // TD1 81 (T=1, TD2), TD2 31 (TA3, TB3, T=1), TA3 01 (IFSC 1), TB3 45; historical 80 73 40 00 00 (data coding 00).
    const a = analyzeAtr(atr('3B 85 81 31 01 45 80 73 40 00 00'));
    expect(a.interfaceBytes.find((b) => b.name === 'TA3')?.meaning).toBe('IFSC 1 byte');
    const details = a.historical.objects.flatMap((o) => o.details).join('\n');
    expect(details).toMatch(/data unit 1 quartet$/m);
  });
});
