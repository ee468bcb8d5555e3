// PIN and key masking (docs/apdu.md, "Secrets"): every command of SECRET_COMMANDS, the odd-INS
// forms by BER-TLV value, messages cut short, and APDU text quoted only when it carries no secret.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECRET_COMMANDS, isSecretCommand, quoteApduText, redactCommandHex } from '../../../src/core/card/redact.js';
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
    [
      'VERIFY, odd INS: values of the data objects',
      '00 21 00 81 07 5F 2E 04 31 32 33 34',
      '00 21 00 81 07 5F 2E 04 ** ** ** **',
    ],
    [
      'RESET RETRY COUNTER, odd INS: into constructed objects',
      '00 2D 00 81 0A 7F 2E 07 5F 2E 04 31 32 33 34',
      '00 2D 00 81 0A 7F 2E 07 5F 2E 04 ** ** ** **',
    ],
    [
      'CHANGE REFERENCE DATA, odd INS, two-byte length and padding',
      '00 25 00 81 08 00 81 81 04 31 32 33 34',
      '00 25 00 81 08 00 81 81 04 ** ** ** **',
    ],
    ['odd INS whose data is not BER-TLV: all of it', '00 21 00 81 04 5F 2E 09 31', '00 21 00 81 04 ** ** ** **'],
    ['DISABLE VERIFICATION REQUIREMENT', '00 26 00 81 02 31 32', '00 26 00 81 02 ** **'],
    ['ENABLE VERIFICATION REQUIREMENT, GSM class', 'A0 28 00 01 02 31 32', 'A0 28 00 01 02 ** **'],
    ['OpenPGP resetting code', '00 DA 00 D3 02 31 32', '00 DA 00 D3 02 ** **'],
    ['other PUT DATA is not secret', '00 DA 00 5B 02 31 32', '00 DA 00 5B 02 31 32'],
    ['OpenPGP key import', '00 DB 3F FF 04 4D 02 B6 00', '00 DB 3F FF 04 ** ** ** **'],
    ['PC/SC LOAD KEYS', 'FF 82 00 00 06 A0 A1 A2 A3 A4 A5', 'FF 82 00 00 06 ** ** ** ** ** **'],
    ['EXTERNAL AUTHENTICATE (INS 82, class 00) is not', '00 82 00 00 02 31 32', '00 82 00 00 02 31 32'],
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

describe('messages', () => {
  it('cut a long APDU after max bytes and say how long it was', () => {
    const big = Buffer.concat([h('00E20000 00FFFF'), Buffer.alloc(65535, 0xab), h('0000')]);
    const out = redactCommandHex(big, { max: 8 });
    expect(out).toBe('00 E2 00 00 00 FF FF AB … (65544 bytes)');
    expect(redactCommandHex(h('0020008104 31323334'), { max: 6 })).toBe('00 20 00 81 04 ** … (9 bytes)');
  });

  it.each([
    ['00 A4 04 00 05 01 02', '00 A4 04 00 05 01 02'],
    ['00a4040005' + '01'.repeat(40), '00a4040005' + '01'.repeat(19) + '…'],
    ['00 20 00 81 06 31 32 33 34 35 3G', null],
    ['0021008108 5F2E05 313233343', null],
    ['A0 2C 00 01 10 31', null],
    ['G0 A4 04 00', null],
    ['00 A', null],
  ])('quote APDU text %j as %j', (text, quoted) => {
    expect(quoteApduText(text)).toBe(quoted);
  });
});

describe('property: no secret byte survives', () => {
  it('for every command of the table, with any class, in short and extended form', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SECRET_COMMANDS),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.boolean(),
        (rule, anyCla, secret, ext) => {
          const cla = rule.cla ?? anyCla;
          const [p1, p2] = rule.p1p2 === undefined ? [0, 0x81] : [rule.p1p2 >> 8, rule.p1p2 & 0xff];
          // The odd-INS forms: the secret as the value of one data object ('5F2E', ISO 7816-11).
          const data =
            rule.mask === 'tlv'
              ? Buffer.concat([Buffer.from([0x5f, 0x2e, 0x82, secret.length >> 8, secret.length & 0xff]), secret])
              : Buffer.from(secret);
          const lc = data.length > 255 || ext ? [0, data.length >> 8, data.length & 0xff] : [data.length];
          const apdu = Buffer.from([cla, rule.ins, p1, p2, ...lc, ...data]);
          const out = redactCommandHex(apdu, { sep: ' ' }).split(' ');
          const hidden = out.map((x, i) => (x === '**' ? i : -1)).filter((i) => i >= 0);
          const start = apdu.length - secret.length;
          for (let i = start; i < apdu.length; i++) expect(hidden).toContain(i);
        },
      ),
    );
  });

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
