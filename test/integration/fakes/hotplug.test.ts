// Readers and cards coming and going at run time (docs/protocol.md#reader-states,
// docs/protocol.md#waiting-for-changes, docs/protocol.md#protocol-46): listReaders, the PnP pseudo-reader
// with 4:5's reader-event counter, 4:6's growing arrays, and 48-slot builds.

import { describe, expect, it } from 'vitest';
import { PNP_NOTIFICATION, PcscError, type ReaderState } from '../../../src/core/index.js';
import { FAKE_ATR } from '../../fakes/test-card.js';
import { READER, READER2, clientWaiting, empty, establish, guard, startFake, withCard } from './helpers.js';

guard();

const LINES = [
  { version: '1.8.3', minor: 2 },
  { version: '1.8.8', minor: 2 },
  { version: '1.8.23', minor: 3 },
  { version: '2.2.3', minor: 4 },
  { version: '2.4.1', minor: 5 },
  { version: '2.5.1', minor: 6 },
] as const;

const pnp = (currentState = 0): { reader: string; currentState: number } => ({
  reader: PNP_NOTIFICATION,
  currentState,
});
const byName = (rs: ReaderState[], name: string): ReaderState => rs.find((r) => r.reader === name) as ReaderState;

describe.each(LINES)('pcscd $version (4:$minor)', ({ version, minor }) => {
  it('lists readers added and removed at run time, in slot order', async () => {
    const fake = await startFake({ version, readers: [withCard(), empty()] });
    const ctx = await establish(fake);
    expect(await ctx.listReaders()).toEqual([READER, READER2]);
    fake.removeReader(READER);
    expect(await ctx.listReaders()).toEqual([READER2]);
    fake.addReader({ name: 'Third 02 00' });
    // The new reader takes the freed first slot.
    expect(await ctx.listReaders()).toEqual(['Third 02 00', READER2]);
    fake.removeReader(READER2);
    fake.removeReader('Third 02 00');
    expect(await ctx.listReaders()).toEqual([]);
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });

  it('wakes the PnP entry when a reader is added, then when one is removed', async () => {
    const fake = await startFake({ version, readers: [withCard()] });
    const ctx = await establish(fake);
    const first = ctx.getStatusChange([pnp()], { timeout: 10_000 });
    await clientWaiting(fake, true);
    fake.addReader(empty());
    const [a] = await first;
    expect(a?.changed).toBe(true);
    expect(a?.flags).toContain('CHANGED');
    // 4:5+: the daemon-wide counter in the high word (1, +1 per reader added or removed); else 0.
    expect(a?.eventCount).toBe(minor >= 5 ? 3 : 0);
    expect(fake.commands().includes(0x15)).toBe(minor >= 5);

    const second = ctx.getStatusChange([pnp(a?.eventState)], { timeout: 10_000 });
    await clientWaiting(fake, true);
    fake.removeReader(READER);
    const [b] = await second;
    expect(b?.changed).toBe(true);
    expect(b?.eventCount).toBe(minor >= 5 ? 4 : 0);
    expect(await ctx.listReaders()).toEqual([READER2]);
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });

  it('does not return for the PnP entry on UNAWARE alone', async () => {
    const fake = await startFake({ version, readers: [withCard()] });
    const ctx = await establish(fake);
    const e = await ctx.getStatusChange([pnp()], { timeout: 300 }).catch((x: unknown) => x);
    expect((e as PcscError).scardName).toBe('SCARD_E_TIMEOUT');
    // The context stays usable (the stream is in step).
    expect(await ctx.listReaders()).toEqual([READER]);
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });

  it('sees card removal and insertion, with the event counter and the ATR', async () => {
    const fake = await startFake({ version, readers: [withCard(), empty()] });
    const ctx = await establish(fake);
    const [now] = await ctx.getStatusChange([{ reader: READER }], { timeout: 1000 });
    expect(now?.flags).toEqual(['CHANGED', 'PRESENT']);
    expect(now?.eventCount).toBe(1);
    expect(now?.atr.equals(FAKE_ATR)).toBe(true);

    const gone = ctx.getStatusChange(
      [
        { reader: READER, currentState: now?.eventState },
        { reader: READER2, currentState: 0x10 },
      ],
      { timeout: 10_000 },
    );
    await clientWaiting(fake);
    fake.removeCard(READER);
    const out = await gone;
    expect(byName(out, READER).flags).toEqual(['CHANGED', 'EMPTY']);
    expect(byName(out, READER).eventCount).toBe(2);
    expect(byName(out, READER2).changed).toBe(false);

    const back = ctx.getStatusChange([{ reader: READER, currentState: byName(out, READER).eventState }], {
      timeout: 10_000,
    });
    await clientWaiting(fake);
    fake.insertCard(READER, { atr: Buffer.from('3B00', 'hex') });
    const [c] = await back;
    expect(c?.flags).toEqual(['CHANGED', 'PRESENT']);
    expect(c?.eventCount).toBe(3);
    expect(c?.atr.toString('hex')).toBe('3b00');
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });

  it('reports a reader removed during the wait as UNKNOWN|UNAVAILABLE', async () => {
    const fake = await startFake({ version, readers: [withCard(), empty()] });
    const ctx = await establish(fake);
    const [now] = await ctx.getStatusChange([{ reader: READER2 }]);
    const wait = ctx.getStatusChange([{ reader: READER2, currentState: now?.eventState }], { timeout: 10_000 });
    await clientWaiting(fake);
    fake.removeReader(READER2);
    const [r] = await wait;
    expect(r?.changed).toBe(true);
    expect(r?.flags).toEqual(['CHANGED', 'UNKNOWN', 'UNAVAILABLE']);
    const e = await ctx.getStatusChange([{ reader: READER2 }]).catch((x: unknown) => x);
    expect((e as PcscError).scardName).toBe('SCARD_E_UNKNOWN_READER');
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });
});

describe('per-reader event counter (docs/protocol.md#event-counters)', () => {
  it('wraps from 0xFFFF to 0; the change is still seen, and the next wait works', async () => {
    const fake = await startFake({
      version: '2.2.3',
      readers: [{ name: READER, card: { atr: FAKE_ATR }, eventCounter: 0xffff }],
    });
    const ctx = await establish(fake);
    const [a] = await ctx.getStatusChange([{ reader: READER }]);
    expect(a?.eventCount).toBe(0xffff);
    const wait = ctx.getStatusChange([{ reader: READER, currentState: a?.eventState }], { timeout: 10_000 });
    await clientWaiting(fake);
    fake.removeCard(READER);
    const [b] = await wait;
    expect(b?.eventCount).toBe(0);
    expect(b?.flags).toEqual(['CHANGED', 'EMPTY']);
    const again = ctx.getStatusChange([{ reader: READER, currentState: b?.eventState }], { timeout: 10_000 });
    await clientWaiting(fake);
    fake.insertCard(READER, { atr: FAKE_ATR });
    const [c] = await again;
    expect(c?.eventCount).toBe(1);
    expect(c?.flags).toEqual(['CHANGED', 'PRESENT']);
    await ctx.release();
  });
});

describe('4:5 reader-event counter (docs/protocol.md#event-counters, docs/protocol.md#waiting-for-changes step 4)', () => {
  it('returns at once when the caller knows an older counter, waits when it is current', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
    const ctx = await establish(fake);
    const [stale] = await ctx.getStatusChange([pnp(1 << 16)], { timeout: 5000 });
    expect(stale?.changed).toBe(true);
    expect(stale?.flags).toContain('CHANGED');
    expect(stale?.eventCount).toBe(2);
    const e = await ctx.getStatusChange([pnp((2 << 16) >>> 0)], { timeout: 200 }).catch((x: unknown) => x);
    expect((e as PcscError).scardName).toBe('SCARD_E_TIMEOUT');
    await ctx.release();
  });

  it('a 4:4 client on a 2.4.1 daemon never sends CMD_GET_READER_EVENTS', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
    const ctx = await establish(fake, { maxMinor: 4 });
    const wait = ctx.getStatusChange([pnp()], { timeout: 10_000 });
    await clientWaiting(fake);
    fake.addReader(empty());
    const [r] = await wait;
    expect(r?.changed).toBe(true);
    expect(r?.eventCount).toBe(0);
    expect(fake.commands()).not.toContain(0x15);
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });
});

describe('more than 16 readers', () => {
  const many = (n: number): { name: string }[] =>
    Array.from({ length: n }, (_, i) => ({ name: `Reader ${String(i).padStart(2, '0')} 00` }));

  it('4:6 (2.5.1): arrays of any size, holes included, and a card on reader 19', async () => {
    const fake = await startFake({ version: '2.5.1', readers: many(20) });
    const ctx = await establish(fake);
    expect(ctx.info.protocol).toBe('4:6');
    expect(await ctx.listReaders()).toEqual(many(20).map((r) => r.name));
    fake.removeReader('Reader 03 00');
    fake.addReader({ name: 'Late 20 00' });
    fake.addReader({ name: 'Late 21 00' });
    const names = await ctx.listReaders();
    expect(names).toHaveLength(21);
    expect(names[3]).toBe('Late 20 00');
    expect(names[20]).toBe('Late 21 00');

    const wait = ctx.getStatusChange([{ reader: 'Reader 19 00', currentState: 0x10 }], { timeout: 10_000 });
    await clientWaiting(fake);
    fake.insertCard('Reader 19 00', { atr: FAKE_ATR });
    const [r] = await wait;
    expect(r?.flags).toEqual(['CHANGED', 'PRESENT']);
    const card = await ctx.connect('Late 21 00', { share: 'direct', protocols: [] });
    await card.disconnect();
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });

  it('4:5 client on 2.5.1 ("old API" mode) sees the first 16 slots only', async () => {
    const fake = await startFake({ version: '2.5.1', readers: many(20) });
    const ctx = await establish(fake, { maxMinor: 5 });
    expect(ctx.info.protocol).toBe('4:5');
    expect(await ctx.listReaders()).toEqual(many(16).map((r) => r.name));
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });

  it.each(['2.2.3', '2.4.1'])('a 48-slot build of %s: all 20 readers, and hot-plug seen', async (version) => {
    const fake = await startFake({ version, slots: 48, readers: many(20) });
    const ctx = await establish(fake);
    expect(await ctx.listReaders()).toEqual(many(20).map((r) => r.name));
    const wait = ctx.getStatusChange([pnp(), { reader: 'Reader 19 00', currentState: 0x10 }], { timeout: 10_000 });
    await clientWaiting(fake, true);
    fake.addReader({ name: 'Late 20 00' });
    const [p] = await wait;
    expect(p?.changed).toBe(true);
    expect(await ctx.listReaders()).toHaveLength(21);
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });
});
