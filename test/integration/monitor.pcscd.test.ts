// The public monitor (`monitor` from "pcsc") on the real pcscd with two vpcd readers: what a library
// user sees when iterating it, a pcscd restart recovered with the default reconnection, and the
// context given staying the caller's.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context, monitor, type MonitorEvent } from '../../src/core/index.js';
import { startRig, type Rig } from '../rig/rig.js';

const ATR = '3B80800101';

describe('monitor() on pcscd 1.9.9 + vpcd', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ insert: [] });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  /** Iterates a monitor, acting on each event, until `until` holds; bounded by 20 s. */
  async function run(
    act: (e: MonitorEvent, all: MonitorEvent[]) => Promise<void> | void,
    until: (all: MonitorEvent[]) => boolean,
  ): Promise<{ all: MonitorEvent[]; ctx: Context; timedOut: boolean }> {
    const ctx = await Context.establish({ socket: rig.socket });
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), 20_000);
    const all: MonitorEvent[] = [];
    try {
      for await (const e of monitor(ctx, { signal: stop.signal })) {
        all.push(e);
        if (until(all)) break;
        await act(e, all);
      }
    } finally {
      clearTimeout(timer);
    }
    return { all, ctx, timedOut: stop.signal.aborted };
  }

  it('starts with the readers, a status per reader, then card insertions and removals', async () => {
    const { all, ctx, timedOut } = await run(
      async (e) => {
        if (e.event === 'status' && e.reader === rig.readers[1]) await rig.card(0).insert();
        if (e.event === 'card-inserted') await rig.card(0).remove();
      },
      (a) => a.some((e) => e.event === 'card-removed'),
    );
    expect(timedOut).toBe(false);
    expect(all[0]).toMatchObject({
      event: 'started',
      pnp: true,
      readers: rig.readers,
      daemon: { backend: 'pcscd', protocol: '4:4', socket: rig.socket },
    });
    expect(all.map((e) => `${e.event} ${'reader' in e ? e.reader : ''}`.trim())).toEqual([
      'started',
      `status ${rig.readers[0]}`,
      `status ${rig.readers[1]}`,
      `card-inserted ${rig.readers[0]}`,
      `card-removed ${rig.readers[0]}`,
    ]);
    expect(all[3]).toMatchObject({ index: 0, card: 'present', atr: ATR, state: expect.arrayContaining(['PRESENT']) });
    expect(all[4]).toMatchObject({ card: 'absent', state: ['EMPTY'] });
    expect(all[4]).not.toHaveProperty('atr');
    // The loop ended (break): the context given is still the caller's, and still works.
    expect(await ctx.listReaders()).toEqual(rig.readers);
    await ctx.release();
  });

  it('an abort ends the iteration without an error, even in the middle of a wait', async () => {
    const ctx = await Context.establish({ socket: rig.socket });
    const stop = new AbortController();
    const seen: string[] = [];
    for await (const e of monitor(ctx, { signal: stop.signal })) {
      seen.push(e.event);
      if (seen.length === 3) setTimeout(() => stop.abort(), 50); // both statuses: now waiting
    }
    expect(seen).toEqual(['started', 'status', 'status']);
    await ctx.release();
  });

  it('survives a pcscd restart: daemon-lost, daemon-back, then what changed while it was away', async () => {
    await rig.card(1).insert();
    const { all, timedOut } = await run(
      async (e) => {
        if (e.event === 'status' && e.reader === rig.readers[1]) await rig.restartDaemon(); // every card out after
      },
      (a) => a.some((e) => e.event === 'card-removed'),
    );
    expect(timedOut).toBe(false);
    const kinds = all.map((e) => e.event);
    // The card in reader 1 at start: its status, then card-inserted (initial), from the same look.
    expect(kinds.slice(0, 6)).toEqual(['started', 'status', 'status', 'card-inserted', 'daemon-lost', 'daemon-back']);
    expect(all[3]).toMatchObject({ reader: rig.readers[1], initial: true });
    expect(all[5]).toMatchObject({ daemon: { backend: 'pcscd', protocol: '4:4', socket: rig.socket } });
    expect(all[6]).toMatchObject({ event: 'card-removed', reader: rig.readers[1], missed: true });
  });
});
