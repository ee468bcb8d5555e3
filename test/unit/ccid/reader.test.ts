// CCID command/reply pairing on a simulated reader: replies split across transfers, zero-length
// packets, stale replies, time extension, timeouts with Abort, cancellation, unplugging.

import { describe, expect, it } from 'vitest';
import { getSlotStatus, mechanical, xfrBlock } from '../../../src/core/ccid/messages.js';
import { CcidReader } from '../../../src/core/ccid/reader.js';
import { replyBytes, SimTransport, simInfo, type CardModel } from './sim.js';

const ATR = Buffer.from('3B0253 01'.replace(' ', ''), 'hex');
const card = (xfr: CardModel['xfr'] = (d) => Buffer.concat([d, Buffer.from([0x90, 0])])): CardModel => ({
  atr: ATR,
  xfr,
});

function make(c = card()): { t: SimTransport; r: CcidReader } {
  const t = new SimTransport(simInfo(), [{ card: c, powered: true }]);
  return { t, r: new CcidReader(t, t.info.descriptor) };
}

describe('CCID reader pipe', () => {
  it('reassembles a reply split at every packet boundary, skipping zero-length packets', async () => {
    // A bulk transfer ends early only after a full packet (a short packet ends the message), so
    // a reply can be cut at every multiple of 64 bytes: 10 + 300 bytes gives cuts 64…256.
    const payload = Buffer.alloc(300, 0xab);
    for (let cut = 64; cut < 310; cut += 64) {
      const { t, r } = make(card(() => payload));
      t.split = (m) => [m.subarray(0, cut), m.subarray(cut)];
      t.prefix = [Buffer.alloc(0)];
      const reply = await r.command((seq) => xfrBlock(0, seq, Buffer.from([1])));
      expect(reply.data).toEqual(payload);
    }
  });

  it('refuses a reply cut short by a short packet', async () => {
    const { t, r } = make(card(() => Buffer.alloc(100)));
    t.split = (m) => [m.subarray(0, 50)];
    await expect(r.command((seq) => xfrBlock(0, seq, Buffer.from([1])))).rejects.toMatchObject({
      code: 'EPROTO',
      message: expect.stringMatching(/announces 100 data bytes but carries 40/),
    });
  });

  it('reads a reply delivered in 64-byte packets', async () => {
    const { t, r } = make(card(() => Buffer.alloc(200, 1)));
    t.split = (m) => Array.from({ length: Math.ceil(m.length / 64) }, (_, i) => m.subarray(i * 64, i * 64 + 64));
    expect((await r.command((seq) => xfrBlock(0, seq, Buffer.from([1])))).data).toHaveLength(200);
  });

  it('skips replies to older commands and waits through time extensions', async () => {
    const { t, r } = make(card(() => ({ reply: Buffer.from([0x90, 0]), timeExtensions: 3 })));
    t.prefix = [replyBytes(0x81, 0, 0xee, 0x40, 0, 0)];
    const reply = await r.command((seq) => xfrBlock(0, seq, Buffer.from([1])));
    expect(reply.status.command).toBe('ok');
    expect(reply.data.toString('hex')).toBe('9000');
  });

  it('times out, aborts the slot (class request and PC_to_RDR_Abort with the same bSeq), and stays usable', async () => {
    let silent = true;
    const { t, r } = make(card((d) => (silent ? 'silent' : Buffer.concat([d, Buffer.from([0x90, 0])]))));
    await expect(r.command((seq) => xfrBlock(0, seq, Buffer.from([1])), { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      kind: 'timeout',
    });
    const sent = t.commands.at(-2) as Buffer;
    const abort = t.commands.at(-1) as Buffer;
    expect(abort[0]).toBe(0x72);
    expect(abort[6]).toBe(sent[6]);
    expect(t.classRequests).toEqual([{ request: 1, value: (sent[6] as number) << 8 }]);
    silent = false;
    // The Abort's own SlotStatus is stale for the next command and is skipped by bSeq.
    expect((await r.command((seq) => xfrBlock(0, seq, Buffer.from([7])))).data.toString('hex')).toBe('079000');
  });

  it('stops waiting when the signal aborts', async () => {
    const { t, r } = make(card(() => 'silent'));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    await expect(
      r.command((seq) => xfrBlock(0, seq, Buffer.from([1])), { timeoutMs: 5000, signal: ac.signal }),
    ).rejects.toMatchObject({ scardName: 'SCARD_E_CANCELLED' });
    expect(t.commands.at(-1)?.[0]).toBe(0x72);
  });

  it('fails at once, and for good, when the reader is unplugged mid-exchange', async () => {
    const { t, r } = make(card(() => 'silent'));
    const notes: string[] = [];
    r.onNotification((n) => notes.push(n.type));
    setTimeout(() => t.unplug(), 20);
    await expect(r.command((seq) => xfrBlock(0, seq, Buffer.from([1])), { timeoutMs: 5000 })).rejects.toMatchObject({
      scardName: 'SCARD_E_READER_UNAVAILABLE',
    });
    expect(r.gone).toBeDefined();
    expect(notes).toContain('gone');
    await expect(r.command((seq) => getSlotStatus(0, seq))).rejects.toMatchObject({
      scardName: 'SCARD_E_READER_UNAVAILABLE',
    });
  });

  it('accepts a failed SlotStatus for a command the reader does not know, refuses other mismatches', async () => {
    const { t, r } = make();
    const reply = await r.command((seq) => mechanical(0, seq, 1));
    expect(reply.status).toMatchObject({ command: 'failed', error: 0 });
    t.prefix = [];
    const { t: t2, r: r2 } = make();
    t2.split = (m) => [Buffer.concat([Buffer.from([0x82]), m.subarray(1)])];
    await expect(r2.command((seq) => getSlotStatus(0, seq))).rejects.toMatchObject({ code: 'EPROTO' });
  });

  it('delivers interrupt notifications to listeners', async () => {
    const { t, r } = make();
    const got = new Promise((resolve) => r.onNotification(resolve));
    t.notify(Buffer.from([0x50, 0x02]));
    expect(await got).toEqual({ type: 'slot-change', slots: [{ present: false, changed: true }] });
    await r.close();
    expect(t.closed).toBe(true);
  });

  it('gives Abort its own exchange', async () => {
    const { t, r } = make();
    const reply = await r.abort(0);
    expect(reply.type).toBe(0x81);
    expect(t.classRequests[0]?.request).toBe(1);
  });
});
