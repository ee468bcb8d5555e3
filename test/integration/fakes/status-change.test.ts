// SCardGetStatusChange's wire discipline on every protocol minor (docs/protocol.md#calls): 4:2/4:3 WAIT
// and STOP bodies, garbage notification timeOut, the STOP race (before and after 1.8.19), the 4:5
// notification that overtakes the CMD_GET_READER_EVENTS reply, and cancel.

import { describe, expect, it } from 'vitest';
import { PNP_NOTIFICATION, PcscError } from '../../../src/core/index.js';
import type { PcscdContext } from '../../../src/core/pcscd/context.js';
import type { FakePcscd } from '../../fakes/fake-pcscd.js';
import { RawClient } from '../../fakes/raw-client.js';
import * as S from '../../fakes/structs.js';
import { FAKE_ATR } from '../../fakes/test-card.js';
import { READER, READER2, clientWaiting, empty, establish, guard, settle, startFake, withCard } from './helpers.js';

guard();

const scardName = (e: unknown): string => (e instanceof PcscError ? e.scardName : `not a PcscError: ${String(e)}`);

/** The stream is in step: the array parses, and a change is still seen. */
async function stillInStep(fake: FakePcscd, ctx: PcscdContext): Promise<void> {
  expect(await ctx.listReaders()).toEqual([READER, READER2]);
  const [r] = await ctx.getStatusChange([{ reader: READER2 }]);
  const wait = ctx.getStatusChange([{ reader: READER2, currentState: r?.eventState }], { timeout: 10_000 });
  await clientWaiting(fake);
  fake.insertCard(READER2, { atr: FAKE_ATR });
  const [after] = await wait;
  expect(after?.flags).toContain('PRESENT');
  expect(fake.violations).toEqual([]);
}

describe.each(['1.8.3', '1.8.8', '1.8.18', '1.8.23'])('protocol 4:2/4:3 (pcscd %s)', (version) => {
  it('WAIT and STOP carry 8-byte bodies; a timeout leaves the stream in step', async () => {
    const fake = await startFake({ version, readers: [withCard(), empty()] });
    const ctx = await establish(fake);
    const [r] = await ctx.getStatusChange([{ reader: READER }]);
    const e = await ctx
      .getStatusChange([{ reader: READER, currentState: r?.eventState }], { timeout: 250 })
      .catch((x: unknown) => x);
    expect(scardName(e)).toBe('SCARD_E_TIMEOUT');
    const waits = fake.requests.filter((q) => q.cmd === 0x13 || q.cmd === 0x14);
    expect(waits.map((q) => q.cmd)).toContain(0x14);
    expect(waits.every((q) => q.size === 8)).toBe(true);
    await stillInStep(fake, ctx);
    await ctx.release();
  });

  it('a notification (garbage timeOut) wakes the wait; no STOP follows it', async () => {
    const fake = await startFake({ version, readers: [withCard(), empty()] });
    const ctx = await establish(fake);
    const [r] = await ctx.getStatusChange([{ reader: READER }]);
    const wait = ctx.getStatusChange([{ reader: READER, currentState: r?.eventState }], { timeout: 10_000 });
    await clientWaiting(fake);
    fake.removeCard(READER);
    const [out] = await wait;
    expect(out?.flags).toEqual(['CHANGED', 'EMPTY']);
    // Unregistered by the notification: a STOP now would be answered by old daemons only.
    expect(fake.strayStops).toBe(0);
    await stillInStep(fake, ctx);
    await ctx.release();
  });
});

describe.each(['1.8.18', '1.8.23', '2.2.3', '2.4.1', '2.5.1'])(
  'the STOP race on pcscd %s (docs/protocol.md#registration-and-the-stop-race)',
  (version) => {
    it('a notification that beats the STOP reply leaves no stray bytes', async () => {
      const fake = await startFake({ version, readers: [withCard(), empty()] });
      const ctx = await establish(fake);
      const [r] = await ctx.getStatusChange([{ reader: READER }]);
      // The change happens just as the client gives up waiting and sends STOP.
      fake.before(S.CMD.STOP_WAITING_READER_STATE_CHANGE, () => fake.removeCard(READER));
      const e = await ctx.getStatusChange([{ reader: READER, currentState: r?.eventState }], { timeout: 250 }).then(
        (x) => x,
        (x: unknown) => x,
      );
      if (e instanceof Array) expect(e[0]?.flags).toContain('EMPTY');
      else expect(scardName(e)).toBe('SCARD_E_TIMEOUT');
      const [now] = await ctx.getStatusChange([{ reader: READER, currentState: r?.eventState }], { timeout: 1000 });
      expect(now?.flags).toEqual(['CHANGED', 'EMPTY']);
      await stillInStep(fake, ctx);
      await ctx.release();
    });
  },
);

describe('4:5: a notification overtakes the CMD_GET_READER_EVENTS reply (docs/protocol.md#registration-and-the-stop-race)', () => {
  it('a change notification is told from the reply by its first word', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard(), empty()] });
    const ctx = await establish(fake);
    fake.before(S.CMD.GET_READER_EVENTS, () => fake.addReader({ name: 'Late 02 00' }));
    const [p] = await ctx.getStatusChange([{ reader: PNP_NOTIFICATION }], { timeout: 10_000 });
    expect(p?.changed).toBe(true);
    expect(p?.eventCount).toBe(4);
    fake.removeReader('Late 02 00');
    await stillInStep(fake, ctx);
    await ctx.release();
  });

  it('a cancel notification that overtakes it cancels, and no STOP is sent after it', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard(), empty()] });
    const ctx = await establish(fake);
    let cancelAt = 0;
    fake.before(S.CMD.GET_READER_EVENTS, async () => {
      const side = await RawClient.open(fake.path);
      side.write(S.request(S.CMD.CANCEL, S.words(ctx.hContext, 0)));
      expect(S.u32((await side.read(8)) as Buffer, 4)).toBe(0);
      side.close();
      cancelAt = fake.requests.length;
    });
    const e = await ctx.getStatusChange([{ reader: PNP_NOTIFICATION }], { timeout: 10_000 }).catch((x: unknown) => x);
    expect(scardName(e)).toBe('SCARD_E_CANCELLED');
    expect(
      fake.requests
        .slice(cancelAt)
        .filter((q) => q.conn === 1)
        .map((q) => q.cmd),
    ).not.toContain(0x14);
    expect(fake.strayStops).toBe(0);
    await stillInStep(fake, ctx);
    await ctx.release();
  });
});

describe.each(['1.8.23', '2.0.0', '2.2.3', '2.4.1', '2.5.1'])(
  'cancel on pcscd %s (docs/protocol.md#cancel)',
  (version) => {
    it('cancel() ends a waiting getStatusChange with SCARD_E_CANCELLED; the context stays usable', async () => {
      const fake = await startFake({ version, readers: [withCard(), empty()] });
      const ctx = await establish(fake);
      const wait = settle(
        ctx.getStatusChange([{ reader: READER, currentState: 0x20 }, { reader: PNP_NOTIFICATION }], {
          timeout: 30_000,
        }),
      );
      await clientWaiting(fake, true);
      const before = fake.requests.length;
      await ctx.cancel();
      expect(scardName(await wait)).toBe('SCARD_E_CANCELLED');
      const after = fake.requests.slice(before);
      // A side connection without CMD_VERSION carries the CANCEL; the waiter sends no STOP.
      const side = after.find((q) => q.cmd === S.CMD.CANCEL)?.conn;
      expect(side).toBeDefined();
      expect(after.filter((q) => q.conn === side).map((q) => q.cmd)).toEqual([S.CMD.CANCEL]);
      // The waiter sends no STOP: the cancel notification unregistered it. On 4:2/4:3 the client reads
      // the states on a side connection after its WAIT, so a cancel() can land before it is waiting
      // for the notification; it then unregisters itself with a STOP (which stop() reconciles with the
      // notification that crossed it). What must hold either way: no stray STOP, the stream in step.
      if (fake.b.minor >= 4) expect(after.filter((q) => q.conn === 1).map((q) => q.cmd)).not.toContain(0x14);
      expect(fake.strayStops).toBe(0);
      await stillInStep(fake, ctx);
      await ctx.release();
    });

    it('cancel() when nothing waits does no I/O', async () => {
      const fake = await startFake({ version, readers: [withCard(), empty()] });
      const ctx = await establish(fake);
      const before = fake.requests.length;
      await ctx.cancel();
      expect(fake.requests.length).toBe(before);
      await ctx.release();
    });

    it('an AbortSignal ends the wait with SCARD_E_CANCELLED and unregisters', async () => {
      const fake = await startFake({ version, readers: [withCard(), empty()] });
      const ctx = await establish(fake);
      const ac = new AbortController();
      const wait = settle(
        ctx.getStatusChange([{ reader: READER, currentState: 0x20 }], { timeout: 30_000, signal: ac.signal }),
      );
      await clientWaiting(fake);
      ac.abort();
      expect(scardName(await wait)).toBe('SCARD_E_CANCELLED');
      await stillInStep(fake, ctx);
      expect(fake.registered).toEqual([]);
      await ctx.release();
    });

    it('release() during a wait cancels it and releases', async () => {
      const fake = await startFake({ version, readers: [withCard(), empty()] });
      const ctx = await establish(fake);
      const wait = settle(ctx.getStatusChange([{ reader: READER, currentState: 0x20 }], { timeout: 30_000 }));
      await clientWaiting(fake);
      await ctx.release();
      expect(scardName(await wait)).toBe('SCARD_E_CANCELLED');
      expect(fake.commands(1)).toContain(S.CMD.RELEASE_CONTEXT);
    });
  },
);

it('timeout 0 polls: SCARD_E_TIMEOUT at once when nothing changed', async () => {
  const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
  const ctx = await establish(fake);
  const [r] = await ctx.getStatusChange([{ reader: READER }]);
  const e = await ctx
    .getStatusChange([{ reader: READER, currentState: r?.eventState }], { timeout: 0 })
    .catch((x: unknown) => x);
  expect(scardName(e)).toBe('SCARD_E_TIMEOUT');
  expect(await ctx.listReaders()).toEqual([READER]);
  await ctx.release();
  expect(fake.violations).toEqual([]);
});
