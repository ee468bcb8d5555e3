// The reader monitor, terminal-free (`pcsc scan` prints its events): waits on every reader plus
// \\?PnP?\Notification (or polls the reader list where there is no PnP), turns changes into typed
// events, and survives pcscd going away: it says so, reconnects with bounded back-off, and reports
// what changed in between.

import { PcscError, Scard, isPcscError, type ErrorJson } from '../errors.js';
import { PNP_NOTIFICATION } from '../pcscd/codes.js';
import type { Context, ReaderState, ReaderStateQuery } from '../scard/types.js';
import { establishContext } from './establish.js';
import {
  classify,
  readerFields,
  transition,
  type DaemonInfo,
  type MonitorEvent,
  type NameLookup,
  type ReaderEvent,
  type Seen,
} from './monitor-events.js';
import { selectReader } from './select-reader.js';

/** What a monitor watches and how: one reader or all, PnP, transitions, card names, polling and reconnection. */
export interface MonitorOptions {
  /** Stops the monitor: the iteration ends (without an error) and every wait is cut short. */
  signal?: AbortSignal;
  /** Watch this reader only: a name, a unique part of one, or its index (as `selectReader`). */
  reader?: string | undefined;
  /** Use the PnP pseudo-reader even if the daemon's answer says it has none (pcsc_scan -p). */
  pnp?: boolean;
  /** Add a `transition` event for every reader entry that changed, flag by flag (pcsc_scan -d). */
  transitions?: boolean;
  /** Names for a card's ATR (e.g. from the ATR list), added to reader events as `names`. */
  names?: NameLookup | undefined;
  /** Reader-list polling period where there is no PnP, in ms (default 1000, as pcsc_scan). */
  pollMs?: number | undefined;
  /** Reconnection back-off after pcscd went away: the first delay, doubled up to max (default 100 ms, 2 s). */
  backoff?: { firstMs: number; maxMs: number };
  /** Opens a context after pcscd went away (default: the same backend and socket as the first). */
  reconnect?: () => Promise<Context>;
  /** The clock for event times (tests). */
  now?: () => Date;
}

/**
 * Watches readers and cards: an async iterable of typed events, the same code `pcsc scan` uses.
 *
 * ```ts
 * await using ctx = await Context.establish();
 * for await (const ev of monitor(ctx, { signal })) {
 *   if (ev.event === 'card-inserted') console.log(ev.reader, ev.atr);
 * }
 * ```
 *
 * The first event is `started`, then a `status` per reader (followed, for a card already in, by its
 * `card-inserted` with `initial: true`: every card gets one), then changes: `card-inserted`,
 * `card-removed`, `state-changed`, `reader-added`, `reader-removed`, `waiting-reader`. When pcscd
 * goes away it reports `daemon-lost`, reconnects with back-off, then `daemon-back` and the changes
 * it missed (`missed: true`). The iteration ends when `signal` aborts (or the loop breaks), and
 * throws only what it cannot recover from. The context given stays the caller's to release (the
 * monitor closes it only when its daemon went away); the ones it opens after that, it releases.
 */
export function monitor(context: Context, opts: MonitorOptions = {}): ReaderMonitor {
  return new ReaderMonitor(context, opts);
}

const NEVER = new AbortController().signal;

/** A running monitor (see monitor()): iterate it for events; `context` is the context in use. */
export class ReaderMonitor implements AsyncIterable<MonitorEvent> {
  private ctx: Context | null;
  private readonly first: Context;
  private readonly o: MonitorOptions;
  private readonly signal: AbortSignal;
  private usePnp = false;
  private names: string[] = [];
  private selected: string | undefined;
  private readonly seen = new Map<string, Seen>();
  /** Readers found by a re-list whose first state is still to come (→ reader-added). */
  private readonly fresh = new Set<string>();
  private pnpState = 0;
  private running = false;

  constructor(context: Context, opts: MonitorOptions = {}) {
    this.ctx = this.first = context;
    this.o = opts;
    this.signal = opts.signal ?? NEVER;
  }

  /** Whether the PnP pseudo-reader tells about reader changes (known once `started` is out; else polling). */
  get pnp(): boolean {
    return this.usePnp;
  }

  /** The context in use; null while pcscd is away. Usable between two events (e.g. to connect). */
  get context(): Context | null {
    return this.ctx;
  }

  [Symbol.asyncIterator](): AsyncIterator<MonitorEvent> {
    return this.events();
  }

  private time(): string {
    return (this.o.now?.() ?? new Date()).toISOString();
  }

  private get stopped(): boolean {
    return this.signal.aborted;
  }

  private reconnect(): Promise<Context> {
    if (this.o.reconnect) return this.o.reconnect();
    const { backend, socket } = this.first.info;
    return establishContext({ backend, ...(socket !== undefined ? { socket } : {}), signal: this.signal });
  }

  /** Lets go of the context in use: released when the monitor opened it, or when its daemon is gone. */
  private async drop(dead = false): Promise<void> {
    const c = this.ctx;
    this.ctx = null;
    if (c && (dead || c !== this.first)) await c.release().catch(() => undefined);
  }

  private async *events(): AsyncGenerator<MonitorEvent> {
    if (this.running) throw new Error('a monitor can be iterated once');
    this.running = true;
    try {
      const ctx = this.ctx as Context;
      this.usePnp = this.o.pnp === true || (await probePnp(ctx));
      this.names = await ctx.listReaders();
      if (this.o.reader !== undefined && this.names.length > 0) this.selected = selectReader(this.names, this.o.reader);
      yield {
        event: 'started',
        time: this.time(),
        pnp: this.usePnp,
        readers: this.names,
        daemon: daemonInfo(ctx),
      };
      let waitingSaid = false;
      let failure: PcscError | null = null;
      while (!this.stopped) {
        try {
          if (failure) {
            const f = failure;
            failure = null;
            yield* this.recover(f);
            continue;
          }
          // Readers may have come or gone while the last events were being handled (printing,
          // -s): a wait armed now would not see that, so look at the list first (one round trip).
          yield* this.relist();
          const watched = this.watched();
          if (watched.length === 0 && !waitingSaid) {
            waitingSaid = true;
            yield {
              event: 'waiting-reader',
              time: this.time(),
              ...(this.o.reader !== undefined ? { reader: this.selected ?? this.o.reader } : {}),
            };
            continue; // look at the list again before waiting: every yield can take time
          }
          if (watched.length > 0) waitingSaid = false;
          yield* this.waitOnce(watched);
        } catch (e) {
          if (this.stopped || isPcscError(e, Scard.E_CANCELLED)) return;
          // pcscd went away (stopped, restarted, crashed): recover, whatever we were doing.
          if (e instanceof PcscError && e.kind === 'service') failure = e;
          else throw e;
        }
      }
    } finally {
      await this.drop();
    }
  }

  private watched(): string[] {
    if (this.o.reader === undefined) return this.names;
    if (this.selected === undefined && this.names.length > 0) {
      try {
        this.selected = selectReader(this.names, this.o.reader);
      } catch (e) {
        // Readers came, but not the one asked for: keep waiting for it.
        if (!isPcscError(e, Scard.E_UNKNOWN_READER)) throw e;
      }
    }
    return this.names.filter((n) => n === this.selected);
  }

  private async *waitOnce(watched: string[]): AsyncGenerator<MonitorEvent> {
    const ctx = this.ctx as Context;
    const queries: ReaderStateQuery[] = watched.map((reader) => ({
      reader,
      currentState: this.seen.get(reader)?.eventState ?? 0,
    }));
    if (this.usePnp) queries.push({ reader: PNP_NOTIFICATION, currentState: this.pnpState });
    if (queries.length === 0) {
      // No reader and no PnP: poll the list, as pcsc_scan does.
      await sleep(this.o.pollMs ?? 1000, this.signal);
      yield* this.relist();
      return;
    }
    let res: ReaderState[];
    try {
      res = await ctx.getStatusChange(queries, {
        signal: this.signal,
        ...(this.usePnp ? {} : { timeout: this.o.pollMs ?? 1000 }),
      });
    } catch (e) {
      if (isPcscError(e, Scard.E_TIMEOUT) || isPcscError(e, Scard.E_UNKNOWN_READER)) {
        yield* this.relist();
        return;
      }
      throw e;
    }
    const time = this.time();
    let relist = false;
    for (const r of res) {
      if (r.reader === PNP_NOTIFICATION) {
        if (this.o.transitions && r.changed) yield transition(time, r.reader, -1, this.pnpState, r.eventState);
        this.pnpState = r.eventState & ~0x2;
        if (r.changed) relist = true;
        continue;
      }
      if (!r.changed) continue;
      const index = this.names.indexOf(r.reader);
      if (this.o.transitions)
        yield transition(time, r.reader, index, this.seen.get(r.reader)?.eventState ?? 0, r.eventState);
      if (r.flags.includes('UNKNOWN')) {
        relist = true;
        continue;
      }
      const prev = this.seen.get(r.reader);
      if (this.fresh.delete(r.reader)) {
        this.seen.set(r.reader, { eventState: r.eventState & ~0x2, atr: r.atr });
        yield* this.added(r, time, index);
        continue;
      }
      const { events, owed } = classify(prev, r, time, index, this.o.names);
      this.seen.set(r.reader, { eventState: r.eventState & ~0x2, atr: r.atr, owed });
      yield* events;
    }
    if (relist) yield* this.relist();
  }

  /** A reader that appeared: reader-added with its state, then card-inserted if it holds a card. */
  private *added(r: ReaderState, time: string, index: number, missed = false): Generator<ReaderEvent> {
    const f = readerFields(time, r.reader, index, r.eventState, r.atr, this.o.names);
    const m = missed ? { missed: true as const } : {};
    yield { event: 'reader-added', ...f, ...m };
    if (f.card === 'present' || f.card === 'mute') yield { event: 'card-inserted', ...f, ...m };
  }

  /** Reads the reader list again and reports readers gone; new ones are reported on their first state. */
  private async *relist(): AsyncGenerator<MonitorEvent> {
    const before = this.names;
    const now = await (this.ctx as Context).listReaders();
    if (sameList(before, now)) return;
    this.names = now;
    const time = this.time();
    for (const [i, name] of before.entries()) {
      if (now.includes(name)) continue;
      const seen = this.seen.get(name);
      this.seen.delete(name);
      this.fresh.delete(name);
      if (seen && this.isWatched(name))
        yield {
          event: 'reader-removed',
          ...readerFields(time, name, i, 0, Buffer.alloc(0)),
          card: 'unknown',
          state: [],
        };
    }
    for (const name of now) if (!before.includes(name)) this.fresh.add(name);
  }

  private isWatched(name: string): boolean {
    return this.o.reader === undefined || name === this.selected;
  }

  /** pcscd went away: say so, reconnect with back-off, then report what changed meanwhile. */
  private async *recover(err: PcscError): AsyncGenerator<MonitorEvent> {
    const lost = Date.now();
    yield { event: 'daemon-lost', time: this.time(), error: err.toJSON() as ErrorJson };
    // Its daemon is gone (or no longer answers): close it, even the caller's (release() is idempotent).
    await this.drop(true);
    const { firstMs, maxMs } = this.o.backoff ?? { firstMs: 100, maxMs: 2000 };
    let delay = firstMs;
    let ctx: Context;
    for (;;) {
      await sleep(delay, this.signal);
      try {
        ctx = this.ctx = await this.reconnect();
        break;
      } catch (e) {
        if (!(e instanceof PcscError) || e.kind !== 'service') throw e;
        delay = Math.min(delay * 2, maxMs);
      }
    }
    yield {
      event: 'daemon-back',
      time: this.time(),
      durationUs: (Date.now() - lost) * 1000,
      daemon: daemonInfo(ctx),
    };
    const before = this.names;
    this.names = await ctx.listReaders();
    const watched = this.watched();
    const states = watched.length
      ? await ctx.getStatusChange(
          watched.map((reader) => ({ reader })),
          { timeout: 0, signal: this.signal },
        )
      : [];
    const time = this.time();
    for (const [i, name] of before.entries()) {
      if (this.names.includes(name) || !this.seen.has(name)) continue;
      this.seen.delete(name);
      yield {
        event: 'reader-removed',
        ...readerFields(time, name, i, 0, Buffer.alloc(0)),
        card: 'unknown',
        state: [],
        missed: true,
      };
    }
    this.fresh.clear();
    for (const r of states) {
      const index = this.names.indexOf(r.reader);
      const prev = this.seen.get(r.reader);
      this.seen.set(r.reader, { eventState: r.eventState & ~0x2, atr: r.atr });
      if (!prev) {
        yield* this.added(r, time, index, true);
        continue;
      }
      // Counters restart with the daemon: compare what is in the reader, not the counters.
      const was = { eventState: (prev.eventState & 0xffff) | (r.eventState & 0xffff0000), atr: prev.atr };
      for (const ev of classify(was, r, time, index, this.o.names).events)
        if (ev.event !== 'state-changed') yield { ...ev, missed: true };
    }
  }
}

/** pcsc_scan's probe: the PnP pseudo-reader is supported unless it comes back UNKNOWN. */
async function probePnp(ctx: Context): Promise<boolean> {
  try {
    const [r] = await ctx.getStatusChange([{ reader: PNP_NOTIFICATION }], { timeout: 0 });
    return !(r?.flags.includes('UNKNOWN') ?? true);
  } catch (e) {
    if (isPcscError(e, Scard.E_TIMEOUT)) return true;
    if (isPcscError(e, Scard.E_UNKNOWN_READER)) return false;
    throw e;
  }
}

function daemonInfo(ctx: Context): DaemonInfo {
  const { backend, protocol, socket } = ctx.info;
  return { backend, ...(protocol !== undefined ? { protocol } : {}), ...(socket !== undefined ? { socket } : {}) };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new PcscError(Scard.E_CANCELLED, 'aborted'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new PcscError(Scard.E_CANCELLED, 'aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
