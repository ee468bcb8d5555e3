// ISO 7816-3 §11 T=1: block coding (LRC, CRC, PCB) and the protocol against a card simulated
// from the standard's rules, including its error-recovery paths (ISO 7816-3 §11.6.3).

import { describe, expect, it } from 'vitest';
import { crc16, decodeBlock, encodeBlock, lrc } from '../../../src/core/ccid/t1-block.js';
import { T1Protocol, type T1Link } from '../../../src/core/ccid/t1.js';
import { cardBlock, T1Card } from './t1-card.js';
import { hex as h } from '../../helpers/hex.js';

describe('T=1 blocks', () => {
  it('computes LRC and the ISO 13239 CRC', () => {
    expect(lrc(h('00 40 05 00 A4 04 00 00'))).toBe(0x00 ^ 0x40 ^ 0x05 ^ 0xa4 ^ 0x04);
    expect(crc16(Buffer.from('123456789'))).toBe(0x6f91);
  });

  it('encodes I-, R- and S-blocks', () => {
    expect(encodeBlock({ kind: 'I', nad: 0, ns: 0, more: false, inf: h('00A40400') }, 'lrc').toString('hex')).toBe(
      '00000400a40400a4',
    );
    expect(encodeBlock({ kind: 'I', nad: 0, ns: 1, more: true, inf: h('01') }, 'lrc').toString('hex')).toBe(
      '0060010160',
    );
    expect(encodeBlock({ kind: 'R', nad: 0, nr: 1, error: 2 }, 'lrc').toString('hex')).toBe('00920092');
    expect(encodeBlock({ kind: 'S', nad: 0, type: 'IFS', response: false, inf: h('FE') }, 'lrc').toString('hex')).toBe(
      '00c101fe3e',
    );
    expect(encodeBlock({ kind: 'S', nad: 0, type: 'WTX', response: true, inf: h('02') }, 'crc')).toHaveLength(6);
    expect(() => encodeBlock({ kind: 'I', nad: 0, ns: 0, more: false, inf: Buffer.alloc(255) }, 'lrc')).toThrow(
      /254 at most/,
    );
  });

  it('decodes what it encodes, and every block the card writes', () => {
    for (const edc of ['lrc', 'crc'] as const) {
      for (const b of [
        { kind: 'I', nad: 0, ns: 1, more: true, inf: h('0102') },
        { kind: 'R', nad: 0, nr: 0, error: 1 },
        { kind: 'S', nad: 0, type: 'RESYNCH', response: true, inf: Buffer.alloc(0) },
        { kind: 'S', nad: 0, type: 'ABORT', response: false, inf: Buffer.alloc(0) },
      ] as const)
        expect(decodeBlock(encodeBlock(b, edc), edc)).toEqual(b);
    }
    expect(decodeBlock(cardBlock(0xe3, [5]), 'lrc')).toEqual({
      kind: 'S',
      nad: 0,
      type: 'WTX',
      response: true,
      inf: h('05'),
    });
  });

  it('rejects invalid blocks with the R-block error code to answer', () => {
    const bad = cardBlock(0x00, [0x90, 0x00]);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    expect(() => decodeBlock(bad, 'lrc')).toThrow(
      expect.objectContaining({ code: 1, message: expect.stringMatching(/wrong LRC/) }),
    );
    expect(() => decodeBlock(h('0000'), 'lrc')).toThrow(expect.objectContaining({ code: 2 }));
    expect(() => decodeBlock(cardBlock(0x00, [1, 2, 3]).subarray(0, 5), 'lrc')).toThrow(/does not match/);
    expect(() => decodeBlock(cardBlock(0x81, [1]), 'lrc')).toThrow(/R-block with an information field/);
    expect(() => decodeBlock(cardBlock(0x83), 'lrc')).toThrow(/error code 3/);
    expect(() => decodeBlock(cardBlock(0xa0), 'lrc')).toThrow(/reserved PCB bits/);
    expect(() => decodeBlock(cardBlock(0xc4), 'lrc')).toThrow(/unknown type/);
    expect(() => decodeBlock(cardBlock(0xc1), 'lrc')).toThrow(/S\(IFS\) block with 0 information bytes/);
    expect(() => decodeBlock(cardBlock(0xc1, [0]), 'lrc')).toThrow(/invalid size 0/);
    expect(() => decodeBlock(cardBlock(0x00, Array(20).fill(0)), 'lrc', 16)).toThrow(/exceeds IFSD 16/);
    const f = Buffer.from([0, 0, 0xff, 0]);
    expect(() => decodeBlock(f, 'lrc')).toThrow(/LEN = FF/);
  });
});

const echo = (apdu: Buffer): Buffer => Buffer.concat([apdu, h('9000')]);
const proto = (card: T1Card, ifsc = 254): T1Protocol => new T1Protocol(card, { ifsc, ifsd: 254, edc: 'lrc' });

describe('T=1 protocol', () => {
  it('exchanges an APDU in one I-block each way and toggles N(S)', async () => {
    const card = new T1Card(echo);
    const p = proto(card);
    expect((await p.transceive(h('00A40400'))).toString('hex')).toBe('00a404009000');
    expect((await p.transceive(h('00B0000000'))).toString('hex')).toBe('00b00000009000');
    expect(card.seen).toEqual([
      '00000400a40400a4',
      '004005' + '00b0000000' + 'f5'.replace('f5', (0x40 ^ 5 ^ 0xb0).toString(16)),
    ]);
    expect([p.ns, p.nr]).toEqual([0, 0]);
  });

  it('chains a command longer than IFSC, and an answer longer than IFSD', async () => {
    const card = new T1Card(() => Buffer.concat([Buffer.alloc(600, 0x5a), h('9000')]), [], 254);
    const p = proto(card, 32);
    const apdu = Buffer.concat([h('80E2000064'), Buffer.alloc(100, 1)]);
    const r = await p.transceive(apdu);
    expect(r).toHaveLength(602);
    expect(r.subarray(-2).toString('hex')).toBe('9000');
    // 105 bytes in 32-byte parts: 4 I-blocks from us, 3 of them with M set.
    const ours = card.seen.map((s) => parseInt(s.slice(2, 4), 16)).filter((pcb) => (pcb & 0x80) === 0);
    expect(ours.map((pcb) => (pcb & 0x20) !== 0)).toEqual([true, true, true, false]);
    // The card's 602 bytes in 3 I-blocks: we asked for the 2nd and 3rd with R-blocks.
    expect(card.seen.filter((s) => (parseInt(s.slice(2, 4), 16) & 0xc0) === 0x80)).toEqual(['00900090', '00800080']);
  });

  it('answers WTX (and applies it to the next exchange only) and IFS requests', async () => {
    const card = new T1Card(echo, ['wtx', undefined, 'ifs', undefined]);
    const p = proto(card, 254);
    expect((await p.transceive(h('0001020304'))).toString('hex')).toBe('00010203049000');
    expect(card.wtxSeen.slice(0, 2)).toEqual([0, 3]);
    expect(card.seen[1]).toBe('00e30103e1');
    expect((await p.transceive(h('0001020304'))).toString('hex')).toBe('00010203049000');
    expect(p.ifsc).toBe(16);
    expect(card.seen[3]).toBe('00e10110f0');
  });

  it('sends an R-block with error 1 after a bad EDC, and the card repeats its block', async () => {
    const card = new T1Card(echo, ['corrupt']);
    const p = proto(card);
    expect((await p.transceive(h('00A40400'))).toString('hex')).toBe('00a404009000');
    expect(card.seen[1]).toBe('00810081');
  });

  it('sends an R-block with error 2 after a mute card or a garbled block, then retransmits when asked', async () => {
    for (const fault of ['mute', 'garbage'] as const) {
      const card = new T1Card(echo, [fault]);
      const p = proto(card);
      expect((await p.transceive(h('00A40400'))).toString('hex')).toBe('00a404009000');
      expect(card.seen[1]).toBe('00820082');
      // The card had never seen our I-block: it asked for it with R(0), and we sent it again.
      expect(card.seen[2]).toBe('00000400a40400a4');
    }
  });

  it('retransmits its I-block when the card asks for it', async () => {
    const card = new T1Card(echo, ['ask-again']);
    const p = proto(card);
    expect((await p.transceive(h('00A40400'))).toString('hex')).toBe('00a404009000');
    expect(card.seen[0]).toBe(card.seen[1]);
  });

  it('resynchronises after three failures and retries the APDU once', async () => {
    const card = new T1Card(echo, ['mute', 'mute', 'mute']);
    const p = proto(card);
    expect((await p.transceive(h('00A40400'))).toString('hex')).toBe('00a404009000');
    expect(card.seen[3]).toBe('00c000c0');
    expect(card.seen[4]).toBe('00000400a40400a4');
  });

  it('gives up when RESYNCH fails three times: the card must be reset', async () => {
    const card = new T1Card(echo, Array(6).fill('mute'));
    await expect(proto(card).transceive(h('00A40400'))).rejects.toMatchObject({
      scardName: 'SCARD_W_UNRESPONSIVE_CARD',
    });
  });

  it('fails the exchange when the card aborts the chain', async () => {
    const card = new T1Card(echo, ['abort']);
    await expect(proto(card).transceive(h('00A40400'))).rejects.toMatchObject({
      scardName: 'SCARD_E_NOT_TRANSACTED',
      message: expect.stringMatching(/aborted/),
    });
    expect(card.seen[1]).toBe('00e200e2');
  });

  it('negotiates IFSD with S(IFS request)', async () => {
    const card = new T1Card(echo);
    expect(await proto(card).negotiateIfsd()).toBe(true);
    expect(card.seen[0]).toBe('00c101fe3e');
    const refusing = new T1Card(echo, ['abort']);
    expect(await proto(refusing).negotiateIfsd()).toBe(false);
  });

  it('lets a transport failure that is not a transmission error through', async () => {
    const link: T1Link = {
      exchange: async () => {
        throw new Error('unplugged');
      },
    };
    await expect(new T1Protocol(link, { ifsc: 32, ifsd: 32, edc: 'lrc' }).transceive(h('00A40400'))).rejects.toThrow(
      'unplugged',
    );
  });
});
