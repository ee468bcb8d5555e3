// Drives `pcsc scan`'s watch mode and --wait-card: the watcher's events to lines (human or NDJSON),
// -t, --count, -s, and the spinner. The command gives it a sink; nothing here touches argv.

import { noteFallback } from '../backend.js';
import {
  chooseReader,
  Context,
  monitor,
  PcscError,
  Scard,
  UsageError,
  type BackendName,
  type NameLookup,
  type ReaderMonitor,
} from '../../core/index.js';
import { readerUsbPathAt } from '../../core/internal.js';
import { ScanRenderer } from './render.js';
import { onStdoutClosed } from '../stdout-closed.js';
import type { ScanEvent, WaitCardResult } from './result.js';
import { idleSpinner } from './spinner.js';
import { stressCard } from './stress.js';

export interface Sink {
  log(line: string): void;
  json(obj: unknown): void;
}

/** How watch mode ended. */
export interface WatchSummary {
  changes: number;
  stoppedBy: 'count' | 'time' | 'closed';
}

export interface WatchRunOptions {
  socket?: string | undefined;
  backend?: BackendName | 'auto' | undefined;
  reader?: string | undefined;
  forcePnp: boolean;
  debug: boolean;
  stress: boolean;
  /** Print the ATR analysis (not -n); human output only. */
  analysis: boolean;
  names?: NameLookup | undefined;
  /** -t: stop after this many seconds. */
  seconds?: number | undefined;
  /** --count: stop after this many changes. */
  count?: number | undefined;
  json: boolean;
  spinner: boolean;
  style: import('../style.js').Style;
  /** Ctrl-C. */
  signal: AbortSignal;
  sink: Sink;
  pollMs?: number;
}

/** The events --count counts: changes, not the initial status, notes or debug lines. */
const CHANGES = new Set<ScanEvent['event']>([
  'card-inserted',
  'card-removed',
  'state-changed',
  'reader-added',
  'reader-removed',
]);

/** setTimeout's longest delay, 2^31 - 1 ms (24.8 days): Node fires a longer one after 1 ms, with a warning. */
const LONGEST_DELAY_MS = 2 ** 31 - 1;

/** `fn` after `ms` (-t may ask for more than setTimeout's longest delay: the timer is set again). */
function laterTimer(ms: number, fn: () => void): { clear: () => void } {
  let t: NodeJS.Timeout;
  const arm = (left: number): void => {
    t = setTimeout(
      () => (left > LONGEST_DELAY_MS ? arm(left - LONGEST_DELAY_MS) : fn()),
      Math.min(left, LONGEST_DELAY_MS),
    );
  };
  arm(ms);
  return { clear: () => clearTimeout(t) };
}

function stopper(o: { seconds?: number | undefined; signal: AbortSignal }): {
  stop: AbortController;
  timedOut: () => boolean;
  closed: () => boolean;
  dispose: () => void;
} {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  let closed = false;
  const timer =
    o.seconds !== undefined
      ? laterTimer(o.seconds * 1000, () => {
          timedOut = true;
          stop.abort();
        })
      : null;
  // `pcsc scan --json | head -1`: without this a watcher would go on writing into nothing forever.
  const offClosed = onStdoutClosed(() => {
    closed = true;
    stop.abort();
  });
  return {
    stop,
    timedOut: () => timedOut,
    closed: () => closed,
    dispose: () => {
      timer?.clear();
      o.signal.removeEventListener('abort', onAbort);
      offClosed();
    },
  };
}

/** Ctrl-C, -t and a closed stdout end connecting and the handshake too. */
async function establish(o: WatchRunOptions, signal: AbortSignal): Promise<Context> {
  const ctx = await Context.establish({ socket: o.socket, backend: o.backend, signal });
  noteFallback(ctx);
  return ctx;
}

/** After a pcscd restart the monitor reconnects to the same daemon (never falls back to USB). */
function monitorFor(ctx: Context, o: WatchRunOptions, signal: AbortSignal): ReaderMonitor {
  return monitor(ctx, {
    reader: o.reader,
    pnp: o.forcePnp,
    transitions: o.debug,
    names: o.names,
    signal,
    pollMs: o.pollMs,
  });
}

export async function runWatch(o: WatchRunOptions): Promise<WatchSummary> {
  const { stop, timedOut, closed, dispose } = stopper(o);
  const render = new ScanRenderer({ style: o.style, analysis: o.analysis, pollMs: o.pollMs });
  const spin = await idleSpinner(o.spinner && !o.json, 'Waiting for a card or reader event (Ctrl-C to quit)');
  const emit = (e: ScanEvent): void => {
    spin.busy();
    if (o.json) o.sink.json(e);
    else for (const l of render.render(e)) o.sink.log(l);
  };
  let changes = 0;
  let stoppedBy: WatchSummary['stoppedBy'] | undefined;
  /** -d: readers whose USB path was asked for (again after they go and come back). */
  const asked = new Set<string>();
  try {
    await using ctx = await establish(o, stop.signal);
    const m = monitorFor(ctx, o, stop.signal);
    for await (const e of m) {
      emit(e);
      if (e.event === 'reader-removed') asked.delete(e.reader);
      const socket = m.context?.info.socket;
      if (o.debug && socket && (e.event === 'status' || e.event === 'reader-added') && !asked.has(e.reader)) {
        asked.add(e.reader);
        // On a connection of its own, bounded: a reader busy in another program's transaction must not stall the watch.
        const a = await readerUsbPathAt(socket, e.reader, { timeoutMs: 2000, signal: stop.signal });
        emit({
          event: 'usb-path',
          time: e.time,
          reader: e.reader,
          ...('usbPath' in a ? { usbPath: a.usbPath.path } : a),
        });
      }
      // A card already in at start (card-inserted, initial) is no change.
      if (CHANGES.has(e.event) && !('initial' in e && e.initial) && ++changes === o.count) {
        stoppedBy = 'count';
        break;
      }
      if (closed()) break;
      // Every card once: the one in at start comes as card-inserted too (initial).
      if (o.stress && m.context && e.event === 'card-inserted' && e.card === 'present') {
        for await (const r of stressCard(m.context, e.reader, stop.signal)) emit(r);
      }
      spin.idle();
    }
    stoppedBy ??= closed() ? 'closed' : timedOut() ? 'time' : undefined;
    if (!stoppedBy) throw new PcscError(Scard.E_CANCELLED, 'interrupted');
  } finally {
    spin.busy();
    dispose();
  }
  return { changes, stoppedBy };
}

/** --wait-card: blocks until a card is in the (chosen) reader; -t bounds the wait (exit 5). */
export async function waitForCard(o: WatchRunOptions): Promise<WaitCardResult> {
  const { stop, timedOut, dispose } = stopper(o);
  const spin = await idleSpinner(
    o.spinner && !o.json,
    o.reader !== undefined
      ? `Waiting for a card in reader ${o.reader} (Ctrl-C to quit)`
      : 'Waiting for a card (Ctrl-C to quit)',
  );
  try {
    spin.idle();
    await using ctx = await establish(o, stop.signal);
    // Cards already in several readers: which one is meant is for --reader to say (the rule of
    // chooseReader, as pcsc apdu). No card yet, or no reader: wait below.
    if (o.reader === undefined)
      await chooseReader(ctx, { signal: stop.signal }).catch((e: unknown) => {
        if (e instanceof UsageError) throw e;
      });
    for await (const e of monitorFor(ctx, o, stop.signal)) {
      if (e.event === 'daemon-lost') {
        spin.busy();
        o.sink.log(`pcscd went away (${e.error.message}); waiting for it to come back...`);
        spin.idle();
      }
      if (e.event !== 'status' && e.event !== 'card-inserted' && e.event !== 'reader-added') continue;
      if (e.card === 'mute') throw new PcscError(Scard.W_UNRESPONSIVE_CARD, `the card in ${e.reader} does not answer`);
      if (e.card === 'present' && e.atr)
        return { reader: e.reader, index: e.index, atr: e.atr, ...(e.names ? { names: e.names } : {}), time: e.time };
    }
    if (timedOut()) throw new PcscError(Scard.E_TIMEOUT, `no card within ${o.seconds} s`);
    throw new PcscError(Scard.E_CANCELLED, 'interrupted');
  } finally {
    spin.busy();
    dispose();
  }
}
