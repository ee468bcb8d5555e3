// GET RESPONSE after 61xx and the re-send after 6Cxx, against a scripted card that checks each command.
import { describe, expect, it } from 'vitest';
import { exchange, getResponseApdu, getResponseCla, transmitFollowing } from '../../../src/core/card/t0.js';
import { hex as h } from '../../helpers/hex.js';

const hex = (b: Buffer): string => b.toString('hex').toUpperCase();

/** A card that expects exactly these commands, in order, and gives these answers. */
function scripted(pairs: [string, string][]): { send: (a: Buffer) => Promise<Buffer>; sent: string[] } {
  const sent: string[] = [];
  let i = 0;
  return {
    sent,
    send: async (a) => {
      sent.push(hex(a));
      const p = pairs[i++];
      if (!p) throw new Error(`unexpected command ${hex(a)}`);
      expect(hex(a)).toBe(p[0].replace(/\s+/g, ''));
      return h(p[1]);
    },
  };
}

describe('exchange', () => {
  it('passes a plain answer through', async () => {
    const c = scripted([['00A4040000', '6A82']]);
    const r = await exchange(c.send, h('00A4040000'));
    expect(r.sw).toBe(0x6a82);
    expect(r.data.length).toBe(0);
    expect(r.steps.map((s) => s.reason)).toEqual(['command']);
  });

  it('fetches 61xx with GET RESPONSE (vicc SELECT MF)', async () => {
    const c = scripted([
      ['00 A4 00 00 02 3F 00', '61 0C'],
      ['00 C0 00 00 0C', '6F 0A 83 02 3F 00 8A 01 05 82 01 38 90 00'],
    ]);
    const r = await exchange(c.send, h('00A40000023F00'));
    expect(hex(r.data)).toBe('6F0A83023F008A0105820138');
    expect(r.sw).toBe(0x9000);
    expect(r.steps.map((s) => s.reason)).toEqual(['command', 'get-response']);
  });

  it('chains GET RESPONSE and concatenates the data, keeping a SIM class byte', async () => {
    const c = scripted([
      ['A0 A4 00 00 02 7F 20', '61 04'],
      ['A0 C0 00 00 04', '01 02 03 04 61 02'],
      ['A0 C0 00 00 02', '05 06 61 00'],
      ['A0 C0 00 00 00', '07 90 00'],
    ]);
    const r = await exchange(c.send, h('A0A40000027F20'));
    expect(hex(r.data)).toBe('01020304050607');
    expect(r.sw).toBe(0x9000);
  });

  it('keeps data that came with the 61xx itself', async () => {
    const c = scripted([
      ['00 CA 00 6E 00', 'AA BB 61 01'],
      ['00 C0 00 00 01', 'CC 90 00'],
    ]);
    expect(hex((await exchange(c.send, h('00CA006E00'))).data)).toBe('AABBCC');
  });

  it('re-sends with Le = SW2 after 6Cxx, keeping the command', async () => {
    const c = scripted([
      ['00 B0 00 00 00', '6C 12'],
      ['00 B0 00 00 12', '01'.repeat(18) + '9000'],
    ]);
    const r = await exchange(c.send, h('00B0000000'));
    expect(r.data.length).toBe(18);
    expect(r.steps.map((s) => s.reason)).toEqual(['command', 'resend']);
  });

  it('adds an Le to a case 3 command after 6Cxx, and 6C00 means 256', async () => {
    const c = scripted([
      ['00 A4 04 00 01 AA', '6C 00'],
      ['00 A4 04 00 01 AA 00', '9000'],
    ]);
    expect((await exchange(c.send, h('00A4040001AA'))).sw).toBe(0x9000);
  });

  it('handles 6Cxx on a GET RESPONSE, then 61xx again', async () => {
    const c = scripted([
      ['00 A4 00 00 02 3F 00', '61 10'],
      ['00 C0 00 00 10', '6C 08'],
      ['00 C0 00 00 08', '01 02 03 04 05 06 07 08 61 02'],
      ['00 C0 00 00 02', '09 0A 90 00'],
    ]);
    const r = await exchange(c.send, h('00A40000023F00'));
    expect(hex(r.data)).toBe('0102030405060708090A');
  });

  it('does not loop when the card keeps asking for the Le it already got', async () => {
    const c = scripted([
      ['00 B0 00 00 00', '6C 12'],
      ['00 B0 00 00 12', '6C 12'],
    ]);
    const r = await exchange(c.send, h('00B0000000'));
    expect(r.sw).toBe(0x6c12);
    expect(c.sent.length).toBe(2);
  });

  it('stops a GET RESPONSE chain at the loop limit and says so', async () => {
    const c = { send: async (): Promise<Buffer> => h('AA 61 01') };
    const r = await exchange(c.send, h('00CA000000'), { maxRounds: 5 });
    expect(r.limitReached).toBe(true);
    expect(r.steps.length).toBe(6);
    expect(r.data.length).toBe(6);
    expect(r.sw).toBe(0x6101);
  });

  it('sends once with getResponse and fixLe off (--raw)', async () => {
    const c = scripted([['00 A4 00 00 02 3F 00', '61 0C']]);
    const r = await exchange(c.send, h('00A40000023F00'), { getResponse: false, fixLe: false });
    expect(r.sw).toBe(0x610c);
    expect(r.steps.length).toBe(1);
  });

  it('re-sends nothing for an unparsable command (--no-validate)', async () => {
    const c = scripted([['00 A4 04 00 05 01', '6C 05']]);
    expect((await exchange(c.send, h('00A404000501'))).sw).toBe(0x6c05);
  });

  it('reports an answer shorter than a status word', async () => {
    const r = await exchange(async () => h('90'), h('00A4040000'));
    expect(r.sw).toBeNull();
    expect(hex(r.data)).toBe('90');
  });

  it('times each step with the given clock', async () => {
    let t = 0n;
    const r = await exchange(async () => h('9000'), h('00A4040000'), { clock: () => (t += 1000n) });
    expect(r.steps[0]?.durationNs).toBe(1000n);
  });
});

describe('GET RESPONSE class byte', () => {
  it('drops only the chaining bit of interindustry classes', () => {
    expect(getResponseCla(0x00)).toBe(0x00);
    expect(getResponseCla(0x10)).toBe(0x00);
    expect(getResponseCla(0x13)).toBe(0x03);
    expect(getResponseCla(0x0c)).toBe(0x0c);
    expect(getResponseCla(0x50)).toBe(0x40);
    expect(getResponseCla(0xa0)).toBe(0xa0);
    expect(getResponseCla(0x80)).toBe(0x80);
    expect(getResponseCla(0x90)).toBe(0x90);
  });
  it('builds the command', () => {
    expect(hex(getResponseApdu(0xa0, 0x17))).toBe('A0C0000017');
    expect(hex(getResponseApdu(0x00, 0x00))).toBe('00C0000000');
  });
});

describe('transmitFollowing (Card.transmit on every backend)', () => {
  it('joins the data of a 61xx chain and ends with the last status word', async () => {
    const c = scripted([
      ['00A4000002 3F00', '610C'],
      ['00C000000C', '6F0A 8302 3F00 8A01 05 8201 38 9000'],
    ]);
    expect(hex(await transmitFollowing(c.send, h('00A40000023F00'), undefined))).toBe(
      '6F0A83023F008A0105820138' + '9000',
    );
  });

  it('re-sends with Le = SW2 after 6Cxx and returns the second answer', async () => {
    const c = scripted([
      ['00B0000000', '6C04'],
      ['00B0000004', '01020304 9000'],
    ]);
    expect(hex(await transmitFollowing(c.send, h('00B0000000'), false))).toBe('010203049000');
  });

  it('raw: one command, the card answer as is', async () => {
    const c = scripted([['00A4000002 3F00', '610C']]);
    expect(hex(await transmitFollowing(c.send, h('00A40000023F00'), true))).toBe('610C');
    expect(c.sent).toHaveLength(1);
  });

  it('returns a plain answer itself (no copy) and an answer without status word as it came', async () => {
    const answer = h('CAFE9000');
    expect(await transmitFollowing(async () => answer, h('80CA000000'), false)).toBe(answer);
    expect(hex(await transmitFollowing(async () => h('01'), h('80CA000000'), false))).toBe('01');
  });

  it('takes a Uint8Array as well as a Buffer', async () => {
    const c = scripted([['00B0000002', '0102 9000']]);
    expect(hex(await transmitFollowing(c.send, new Uint8Array([0, 0xb0, 0, 0, 2]), false))).toBe('01029000');
  });
});
