// PIN masking for VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretCommand, redactCommandHex } from '../../../src/core/card/redact.js';
import { hex as h } from '../../helpers/hex.js';

describe('redactCommandHex', () => {
  const table: [string, string, string][] = [
    ['VERIFY', '00 20 00 81 06 31 32 33 34 35 36', '00 20 00 81 06 ** ** ** ** ** **'],
    ['VERIFY with a proprietary class', '80 20 00 01 04 31 32 33 34', '80 20 00 01 04 ** ** ** **'],
    [
      'CHANGE REFERENCE DATA',
      '00 24 00 81 0C 31 32 33 34 35 36 31 32 33 34 35 37',
      '00 24 00 81 0C ' + Array(12).fill('**').join(' '),
    ],
    [
      'RESET RETRY COUNTER',
      '00 2C 00 81 08 31 32 33 34 35 36 37 38',
      '00 2C 00 81 08 ' + Array(8).fill('**').join(' '),
    ],
    ['VERIFY extended with Le', '00 20 00 81 00 00 02 31 32 00 00', '00 20 00 81 00 00 02 ** ** 00 00'],
    ['VERIFY status query (no data)', '00 20 00 81', '00 20 00 81'],
    ['VERIFY case 2', '00 20 00 81 00', '00 20 00 81 00'],
    ['unparsable VERIFY', '00 20 00 81 05 31 32', '00 20 00 81 ** ** **'],
    ['SELECT is not secret', '00 A4 04 00 02 31 32', '00 A4 04 00 02 31 32'],
  ];
  it.each(table)('%s', (_n, cmd, out) => {
    expect(redactCommandHex(h(cmd))).toBe(out);
  });

  it('shows everything with --show-secrets', () => {
    expect(redactCommandHex(h('0020008104 31323334'), { show: true })).toBe('00 20 00 81 04 31 32 33 34');
  });

  it('writes JSON-style compact hex', () => {
    expect(redactCommandHex(h('0020008102 3132'), { sep: '' })).toBe('0020008102****');
    expect(isSecretCommand(h('0020008102 3132'))).toBe(true);
    expect(isSecretCommand(h('00A4040000'))).toBe(false);
  });
});

describe('property: no secret byte survives', () => {
  it('for any VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER with data', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0x20, 0x24, 0x2c),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.boolean(),
        (cla, ins, pin, ext) => {
          const lc = pin.length > 255 || ext ? [0, pin.length >> 8, pin.length & 0xff] : [pin.length];
          const apdu = Buffer.from([cla, ins, 0x00, 0x81, ...lc, ...pin]);
          const out = redactCommandHex(apdu, { sep: '' });
          expect(out).toBe(
            apdu
              .subarray(0, 4 + lc.length)
              .toString('hex')
              .toUpperCase() + '**'.repeat(pin.length),
          );
        },
      ),
    );
  });
});
