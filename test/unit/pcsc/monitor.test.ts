// The monitor's logic on a scripted Context (the backend-neutral API of src/core/scard/types.ts):
// reader hot-plug, polling without PnP, --reader, recovery. vpcd cannot add or remove readers and the
// real daemon cannot be told when to fail; the rig tests (test/integration/scan-*.test.ts) cover the
// same paths on the real pcscd where it can.
import { afterEach, describe, expect, it } from 'vitest';
import { registerBackend, type EstablishOptions } from '../../../src/core/pcsc/establish.js';
import { PcscdContext } from '../../../src/core/pcscd/context.js';
import { monitor, type MonitorOptions } from '../../../src/core/pcsc/monitor.js';
import type { MonitorEvent } from '../../../src/core/pcsc/monitor-events.js';
import {
  PNP_NOTIFICATION,
  PcscError,
  Scard,
  type Card,
  type Context,
  type ReaderState,
  type ReaderStateQuery,
  type WaitOptions,
} from '../../../src/core/index.js';
import { stateFlagNames } from '../../../src/core/scard/types.js';

const EMPTY = 0x10,
  PRESENT = 0x20,
  CHANGED = 0x2,
  UNKNOWN = 0x4,
  UNAVAILABLE = 0x8;

/** A daemon's worth of readers, changed by the test; contexts wait on it. */
class World {
  readers = new Map<string, { low: number; counter: number; atr: Buffer }>();
  readerEvents = 1;
  alive = true;
  pnp = true;
  private wakers = new Set<() => void>();
  add(name: string, card?: string): void {
    this.readers.set(
      name,
      card
        ? { low: PRESENT, counter: 1, atr: Buffer.from(card, 'hex') }
        : { low: EMPTY, counter: 0, atr: Buffer.alloc(0) },
    );
    this.readerEvents++;
    this.wake();
  }
  remove(name: string): void {
    this.readers.delete(name);
    this.readerEvents++;
    this.wake();
  }
  insert(name: string, atr: string): void {
    const r = this.readers.get(name) as { low: number; counter: number; atr: Buffer };
    Object.assign(r, { low: PRESENT, counter: r.counter + 1, atr: Buffer.from(atr, 'hex') });
    this.wake();
  }
  eject(name: string): void {
    const r = this.readers.get(name) as { low: number; counter: number; atr: Buffer };
    Object.assign(r, { low: EMPTY, counter: r.counter + 1, atr: Buffer.alloc(0) });
    this.wake();
  }
  die(): void {
    this.alive = false;
    this.wake();
  }
  /** A restarted daemon: counters from zero. */
  revive(): void {
    this.alive = true;
    for (const r of this.readers.values()) r.counter = r.low === PRESENT ? 1 : 0;
  }
  wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.wakers.delete(done);
        resolve();
      };
      this.wakers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
  wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

class ScriptedContext implements Context {
  readonly info = { backend: 'pcscd' as const, protocol: '4:5', socket: '/scripted' };
  released = false;
  constructor(private readonly w: World) {}
  private check(): void {
    if (!this.w.alive) throw new PcscError(Scard.F_COMM_ERROR, 'pcscd closed the connection');
  }
  async listReaders(): Promise<string[]> {
    this.check();
    return [...this.w.readers.keys()];
  }
  async getStatusChange(queries: readonly ReaderStateQuery[], opts: WaitOptions = {}): Promise<ReaderState[]> {
    const start = this.w.readerEvents;
    const deadline = opts.timeout === undefined ? Infinity : Date.now() + opts.timeout;
    for (;;) {
      this.check();
      if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'aborted');
      const out = queries.map((q): ReaderState => {
        const cur = q.currentState ?? 0;
        if (q.reader === PNP_NOTIFICATION) {
          if (!this.w.pnp) return st(q.reader, UNKNOWN | CHANGED, true);
          const ev = (this.w.readerEvents << 16) >>> 0;
          const known = cur >>> 16 || start;
          return st(q.reader, ev | (known !== this.w.readerEvents ? CHANGED : 0), known !== this.w.readerEvents);
        }
        const r = this.w.readers.get(q.reader);
        if (!r) return st(q.reader, UNKNOWN | UNAVAILABLE | CHANGED, true);
        const ev = ((r.counter << 16) | r.low) >>> 0;
        const changed = cur === 0 || (cur & 0xffff & ~CHANGED) !== r.low || cur >>> 16 !== r.counter;
        return { ...st(q.reader, changed ? ev | CHANGED : ev, changed), atr: r.atr };
      });
      if (out.some((r) => r.changed)) return out;
      if (Date.now() >= deadline) throw new PcscError(Scard.E_TIMEOUT, 'no change');
      await Promise.race([
        this.w.wait(opts.signal),
        new Promise((r) => setTimeout(r, Math.min(50, Math.max(0, deadline - Date.now())))),
      ]);
    }
  }
  connect(): Promise<Card> {
    throw new Error('not scripted');
  }
  async cancel(): Promise<void> {}
  async release(): Promise<void> {
    this.released = true;
  }
  async [Symbol.asyncDispose](): Promise<void> {}
}

function st(reader: string, eventState: number, changed: boolean): ReaderState {
  return {
    reader,
    eventState: eventState >>> 0,
    flags: stateFlagNames(eventState),
    eventCount: eventState >>> 16,
    changed,
    atr: Buffer.alloc(0),
  };
}

/** Opens a context on the world, as Context.establish would (fails while the daemon is away). */
const opener = (w: World) => async (): Promise<Context> => {
  if (!w.alive) throw new PcscError(Scard.E_NO_SERVICE, 'no pcscd');
  return new ScriptedContext(w);
};

/** Runs a monitor; `script` acts on the world after each event; stops after `until` says so. */
async function watch(
  w: World,
  script: (e: MonitorEvent, all: MonitorEvent[]) => void | Promise<void>,
  until: (all: MonitorEvent[]) => boolean,
  extra: MonitorOptions = {},
): Promise<MonitorEvent[]> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 5000);
  const m = monitor(await opener(w)(), {
    reconnect: opener(w),
    signal: stop.signal,
    pollMs: 20,
    backoff: { firstMs: 5, maxMs: 20 },
    ...extra,
  });
  const all: MonitorEvent[] = [];
  for await (const e of m) {
    all.push(e);
    if (until(all)) break;
    await script(e, all);
  }
  clearTimeout(timer);
  expect(stop.signal.aborted, 'the script timed out').toBe(false);
  return all;
}

const brief = (all: MonitorEvent[]): string[] =>
  all.map((e) =>
    'reader' in e && e.reader !== undefined
      ? `${e.event} ${e.reader}${'missed' in e && e.missed ? ' (missed)' : ''}${'initial' in e && e.initial ? ' (initial)' : ''}`
      : e.event,
  );

describe('monitor', () => {
  it('reports the initial state, then insertions and removals', async () => {
    const w = new World();
    w.add('A');
    w.add('B', '3B00');
    const all = await watch(
      w,
      (e, a) => {
        if (a.length === 4) w.insert('A', '3B021450');
        if (e.event === 'card-inserted' && !e.initial) w.eject('B');
      },
      (a) => a.some((e) => e.event === 'card-removed'),
    );
    // B's card was in at start: its status, then a card-inserted marked initial.
    expect(brief(all)).toEqual([
      'started',
      'status A',
      'status B',
      'card-inserted B (initial)',
      'card-inserted A',
      'card-removed B',
    ]);
    expect(all[3]).toMatchObject({ atr: '3B00', index: 1, card: 'present' });
    expect(all[4]).toMatchObject({ atr: '3B021450', index: 0, eventNumber: 1 });
  });

  it('reader hot-plug through the PnP pseudo-reader', async () => {
    const w = new World();
    w.add('A');
    const all = await watch(
      w,
      (e) => {
        if (e.event === 'status') w.add('B', '3B00');
        if (e.event === 'card-inserted') w.remove('A');
      },
      (a) => a.some((e) => e.event === 'reader-removed'),
    );
    expect(brief(all)).toEqual(['started', 'status A', 'reader-added B', 'card-inserted B', 'reader-removed A']);
    expect(all[0]).toMatchObject({ pnp: true });
    expect(all[2]).toMatchObject({ index: 1, card: 'present', atr: '3B00' });
  });

  it('no reader: waits for the first one', async () => {
    const w = new World();
    const all = await watch(
      w,
      (e) => {
        if (e.event === 'waiting-reader') w.add('A');
      },
      (a) => a.some((e) => e.event === 'reader-added'),
    );
    expect(brief(all)).toEqual(['started', 'waiting-reader', 'reader-added A']);
  });

  it('without PnP it polls the reader list', async () => {
    const w = new World();
    w.pnp = false;
    w.add('A');
    const all = await watch(
      w,
      (e) => {
        if (e.event === 'status') w.add('B');
      },
      (a) => a.some((e) => e.event === 'reader-added'),
    );
    expect(all[0]).toMatchObject({ event: 'started', pnp: false });
    expect(brief(all)).toEqual(['started', 'status A', 'reader-added B']);
  });

  it('-p forces PnP even when the probe says no', async () => {
    const w = new World();
    w.pnp = false;
    w.add('A');
    const all = await watch(
      w,
      () => undefined,
      (a) => a.length === 1,
      { pnp: true },
    );
    expect(all[0]).toMatchObject({ pnp: true });
  });

  it('--reader watches one reader and waits for it to come back', async () => {
    const w = new World();
    w.add('Alpha');
    w.add('Beta');
    const all = await watch(
      w,
      (e) => {
        if (e.event === 'status') {
          w.insert('Alpha', '3B01'); // not watched: no event
          w.remove('Beta');
        }
        if (e.event === 'waiting-reader') w.add('Beta', '3B02');
      },
      (a) => a.some((e) => e.event === 'card-inserted'),
      { reader: 'bet' },
    );
    expect(brief(all)).toEqual([
      'started',
      'status Beta',
      'reader-removed Beta',
      'waiting-reader Beta',
      'reader-added Beta',
      'card-inserted Beta',
    ]);
  });

  it('-d adds transitions', async () => {
    const w = new World();
    w.add('A');
    const all = await watch(
      w,
      (e) => {
        if (e.event === 'status') w.insert('A', '3B00');
      },
      (a) => a.some((e) => e.event === 'card-inserted'),
      { transitions: true },
    );
    expect(
      all.filter((e) => e.event === 'transition').map((e) => e.event === 'transition' && `${e.from}->${e.to}`),
    ).toEqual(['0x0000->0x0012', '0x0010->0x0022']);
  });

  it('recovers when the daemon goes away, and reports what changed meanwhile', async () => {
    const w = new World();
    w.add('A', '3B00');
    w.add('B');
    w.add('C');
    const all = await watch(
      w,
      (e) => {
        if (e.event === 'status' && e.reader === 'C') {
          w.die();
          // While it is away: A's card swapped, a card into B, C unplugged, D plugged.
          Object.assign(w.readers.get('A') ?? {}, { atr: Buffer.from('3B11', 'hex') });
          w.readers.get('B')!.low = PRESENT;
          w.readers.get('B')!.atr = Buffer.from('3B22', 'hex');
          w.readers.delete('C');
          w.readers.set('D', { low: EMPTY, counter: 0, atr: Buffer.alloc(0) });
          setTimeout(() => w.revive(), 30);
        }
      },
      (a) => a.some((e) => e.event === 'reader-added'),
    );
    expect(brief(all)).toEqual([
      'started',
      'status A',
      'card-inserted A (initial)',
      'status B',
      'status C',
      'daemon-lost',
      'daemon-back',
      'reader-removed C (missed)',
      'card-removed A (missed)',
      'card-inserted A (missed)',
      'card-inserted B (missed)',
      'reader-added D (missed)',
    ]);
    expect(all.find((e) => e.event === 'daemon-lost')).toMatchObject({ error: { name: 'SCARD_F_COMM_ERROR' } });
  });

  it('stops at once when aborted, even while pcscd is away', async () => {
    const w = new World();
    w.add('A');
    const stop = new AbortController();
    const m = monitor(new ScriptedContext(w), {
      reconnect: opener(w),
      signal: stop.signal,
      backoff: { firstMs: 10_000, maxMs: 10_000 },
    });
    const seen: string[] = [];
    for await (const e of m) {
      seen.push(e.event);
      if (e.event === 'status') w.die();
      if (e.event === 'daemon-lost') setTimeout(() => stop.abort(), 10);
    }
    expect(seen).toEqual(['started', 'status', 'daemon-lost']);
  });

  it("leaves the caller's context open, and releases the ones it opened after a restart", async () => {
    const w = new World();
    w.add('A');
    const first = new ScriptedContext(w);
    const opened: ScriptedContext[] = [];
    const stop = new AbortController();
    const m = monitor(first, {
      reconnect: async () => {
        const c = (await opener(w)()) as ScriptedContext;
        opened.push(c);
        return c;
      },
      signal: stop.signal,
      backoff: { firstMs: 5, maxMs: 20 },
    });
    const seen: string[] = [];
    for await (const e of m) {
      seen.push(e.event);
      if (e.event === 'status' && seen.length === 2) {
        w.die();
        setTimeout(() => w.revive(), 20);
      }
      if (e.event === 'daemon-back') {
        expect(m.context).toBe(opened[0]);
        // The dead one was closed when its daemon went away.
        expect(first.released).toBe(true);
        break;
      }
    }
    expect(seen).toEqual(['started', 'status', 'daemon-lost', 'daemon-back']);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.released).toBe(true);
    expect(m.context).toBeNull();

    // Ended without a restart: the caller's context stays open for the caller.
    const mine = new ScriptedContext(w);
    for await (const e of monitor(mine, { signal: stop.signal })) if (e.event === 'status') break;
    expect(mine.released).toBe(false);
  });

  describe('reconnects by default to the same backend and socket', () => {
    const real = (o: EstablishOptions): Promise<Context> => PcscdContext.establish(o);
    afterEach(() => registerBackend('pcscd', real));

    it('on pcscd, never falling back to the USB backend', async () => {
      const w = new World();
      w.add('A');
      const asked: EstablishOptions[] = [];
      registerBackend('pcscd', async (o) => {
        asked.push(o);
        return opener(w)();
      });
      const stop = new AbortController();
      const seen: string[] = [];
      for await (const e of monitor(new ScriptedContext(w), {
        signal: stop.signal,
        backoff: { firstMs: 5, maxMs: 5 },
      })) {
        seen.push(e.event);
        if (e.event === 'status') {
          w.die();
          setTimeout(() => w.revive(), 20);
        }
        if (e.event === 'daemon-back') break;
      }
      expect(seen).toEqual(['started', 'status', 'daemon-lost', 'daemon-back']);
      expect(asked.length).toBeGreaterThan(0);
      for (const o of asked) expect(o).toEqual({ backend: 'pcscd', socket: '/scripted', signal: stop.signal });
    });
  });
});
