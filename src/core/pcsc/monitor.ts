// `pcsc scan` watch mode, terminal-free: waits on every reader plus \\?PnP?\Notification (or polls
// the reader list where there is no PnP), turns changes into events, and survives pcscd going
// away: it says so, reconnects with bounded back-off, and reports what changed in between.

import {
  PNP_NOTIFICATION,
  PcscError,
  Scard,
  isPcscError,
  selectReader,
  type Context,
  type ErrorJson,
  type ReaderState,
  type ReaderStateQuery,
} from '../index.js';
import {
  classify,
  readerFields,
  transition,
  type DaemonInfo,
  type NameLookup,
  type ReaderEvent,
  type ScanEvent,
  type Seen,
} from './monitor-events.js';

export interface WatchOptions {
  /** Opens a context; called again after pcscd went away. */
  establish: () => Promise<Context>;
  /** --reader: watch this reader only. */
  reader?: string | undefined;
  /** -p: use the PnP pseudo-reader even if the probe says it is not supported. */
  forcePnp?: boolean;
  /** -d: add a `transition` event for every entry that changed. */
  debug?: boolean;
  names?: NameLookup | undefined;
  signal: AbortSignal;
  /** Reader-list polling period without PnP (pcsc_scan: 1 s). */
  pollMs?: number;
  /** Reconnection back-off: first delay, doubling up to max. */
  backoff?: { firstMs: number; maxMs: number };
  now?: () => Date;
}

export class Watcher {
  /** The context in use; null while pcscd is away. Usable between two events (e.g. for -s). */
  context: Context | null = null;
  pnp = false;
  private readonly o: WatchOptions;
  private names: string[] = [];
  private selected: string | undefined;
  private readonly seen = new Map<string, Seen>();
  /** Readers found by a re-list whose first state is still to come (→ reader-added). */
  private readonly fresh = new Set<string>();
  private pnpState = 0;

  constructor(opts: WatchOptions) {
    this.o = opts;
  }

  private time(): string {
    return (this.o.now?.() ?? new Date()).toISOString();
  }

  private get stopped(): boolean {
    return this.o.signal.aborted;
  }

  async *events(): AsyncGenerator<ScanEvent> {
    try {
      this.context = await this.o.establish();
      this.pnp = this.o.forcePnp === true || (await probePnp(this.context));
      this.names = await this.context.listReaders();
      if (this.o.reader !== undefined && this.names.length > 0) this.selected = selectReader(this.names, this.o.reader);
      yield {
        event: 'started',
        time: this.time(),
        pnp: this.pnp,
        readers: this.names,
        daemon: daemonInfo(this.context),
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
      await this.context?.release().catch(() => undefined);
      this.context = null;
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

  private async *waitOnce(watched: string[]): AsyncGenerator<ScanEvent> {
    const ctx = this.context as Context;
    const queries: ReaderStateQuery[] = watched.map((reader) => ({
      reader,
      currentState: this.seen.get(reader)?.eventState ?? 0,
    }));
    if (this.pnp) queries.push({ reader: PNP_NOTIFICATION, currentState: this.pnpState });
    if (queries.length === 0) {
      // No reader and no PnP: poll the list, as pcsc_scan does.
      await sleep(this.o.pollMs ?? 1000, this.o.signal);
      yield* this.relist();
      return;
    }
    let res: ReaderState[];
    try {
      res = await ctx.getStatusChange(queries, {
        signal: this.o.signal,
        ...(this.pnp ? {} : { timeout: this.o.pollMs ?? 1000 }),
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
        if (this.o.debug && r.changed) yield transition(time, r.reader, -1, this.pnpState, r.eventState);
        this.pnpState = r.eventState & ~0x2;
        if (r.changed) relist = true;
        continue;
      }
      if (!r.changed) continue;
      const index = this.names.indexOf(r.reader);
      if (this.o.debug) yield transition(time, r.reader, index, this.seen.get(r.reader)?.eventState ?? 0, r.eventState);
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
  private async *relist(): AsyncGenerator<ScanEvent> {
    const before = this.names;
    const now = await (this.context as Context).listReaders();
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
  private async *recover(err: PcscError): AsyncGenerator<ScanEvent> {
    const lost = Date.now();
    yield { event: 'daemon-lost', time: this.time(), error: err.toJSON() as ErrorJson };
    await this.context?.release().catch(() => undefined);
    this.context = null;
    const { firstMs, maxMs } = this.o.backoff ?? { firstMs: 100, maxMs: 2000 };
    let delay = firstMs;
    for (;;) {
      await sleep(delay, this.o.signal);
      try {
        this.context = await this.o.establish();
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
      daemon: daemonInfo(this.context),
    };
    const before = this.names;
    this.names = await this.context.listReaders();
    const watched = this.watched();
    const states = watched.length
      ? await this.context.getStatusChange(
          watched.map((reader) => ({ reader })),
          { timeout: 0, signal: this.o.signal },
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
export async function probePnp(ctx: Context): Promise<boolean> {
  try {
    const [r] = await ctx.getStatusChange([{ reader: PNP_NOTIFICATION }], { timeout: 0 });
    return !(r?.flags.includes('UNKNOWN') ?? true);
  } catch (e) {
    if (isPcscError(e, Scard.E_TIMEOUT)) return true;
    if (isPcscError(e, Scard.E_UNKNOWN_READER)) return false;
    throw e;
  }
}

export function daemonInfo(ctx: Context): DaemonInfo {
  return { backend: ctx.info.backend, protocol: ctx.info.protocol ?? '', socket: ctx.info.socket ?? '' };
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
