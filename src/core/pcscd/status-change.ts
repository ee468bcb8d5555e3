// SCardGetStatusChange on the client side (docs/protocol.md#waiting-for-changes,
// docs/protocol.md#waiting-on-older-daemons): register, evaluate each requested reader against the daemon's
// array, wait for a notification, repeat; the PnP pseudo-reader included.

import { PcscError, ProtocolError, Scard, hex32 } from '../errors.js';
import { evaluateReader, type ReaderSnapshot } from '../scard/evaluate.js';
import {
  CardState,
  StateFlag,
  readerState,
  type ReaderState,
  type ReaderStateQuery,
  type WaitOptions,
} from '../scard/types.js';
import { PNP_NOTIFICATION } from './codes.js';
import type { ReaderStateEntry } from './messages/reader-state.js';
import type { StateChannel } from './states.js';

/** The daemon unregisters nobody on its own; re-register at least this often (libpcsclite: 60 s). */
const MAX_WAIT_MS = 60_000;
/** Time libpcsclite gives the daemon to power a just-inserted card before reading its ATR. */
const ATR_SETTLE_MS = 400;

export function isPnp(name: string): boolean {
  return name.toLowerCase() === PNP_NOTIFICATION.toLowerCase();
}

function snapshot(e: ReaderStateEntry): ReaderSnapshot {
  return {
    name: e.name,
    eventCounter: e.eventCounter,
    readerState: e.readerState,
    sharing: e.readerSharing,
    atr: e.atr,
  };
}

export async function getStatusChange(
  ch: StateChannel,
  queries: readonly ReaderStateQuery[],
  opts: WaitOptions = {},
  cancelled: () => boolean = () => false,
): Promise<ReaderState[]> {
  const n = queries.length;
  const cur = queries.map((q) => {
    if (typeof q.reader !== 'string') throw new PcscError(Scard.E_INVALID_VALUE, 'reader name missing');
    return (q.currentState ?? 0) >>> 0;
  });
  const ev = new Array<number>(n).fill(0);
  const changed = new Array<boolean>(n).fill(false);
  const atr = new Array<Buffer>(n).fill(Buffer.alloc(0));
  const active = cur.map((c) => (c & StateFlag.IGNORE) === 0);
  const result = (): ReaderState[] =>
    queries.map((q, i) => readerState(q.reader, ev[i] as number, changed[i] as boolean, atr[i] as Buffer));
  if (!active.some(Boolean)) return result();

  const timeout = opts.timeout ?? Infinity;
  const deadline = Number.isFinite(timeout) ? Date.now() + Math.max(0, timeout) : Infinity;
  const pnp = queries.map((q, i) => (active[i] as boolean) && isPnp(q.reader));
  const wantEvents = ch.minor >= 5 && pnp.some(Boolean);

  try {
    let entries = await ch.armAndFetch();
    for (let i = 0; i < n; i++) {
      if (active[i] && !pnp[i] && !entries.some((e) => e.name === queries[i]?.reader)) {
        throw new PcscError(Scard.E_UNKNOWN_READER, `no reader named "${queries[i]?.reader}"`);
      }
    }
    let readerCount = entries.length;
    if (wantEvents) {
      const events = await ch.readerEvents();
      for (let i = 0; i < n; i++) {
        if (!pnp[i]) continue;
        ev[i] = (events << 16) >>> 0;
        const known = (cur[i] as number) >>> 16;
        if (known !== 0 && known !== events) {
          changed[i] = true;
          ev[i] = ((ev[i] as number) | StateFlag.CHANGED) >>> 0;
        }
      }
    }

    for (;;) {
      if (ch.pendingNote?.rv === Scard.E_CANCELLED) throw new PcscError(Scard.E_CANCELLED, 'cancelled');
      for (let i = 0; i < n; i++) {
        if (!active[i]) continue;
        if (pnp[i]) {
          if (entries.length !== readerCount) {
            readerCount = entries.length;
            const events = wantEvents ? await ch.readerEvents() : (ev[i] as number) >>> 16;
            ev[i] = (((ev[i] as number) & 0xffff) | StateFlag.CHANGED | (events << 16)) >>> 0;
            changed[i] = true;
          }
          continue;
        }
        const entry = entries.find((e) => e.name === queries[i]?.reader);
        const r = evaluateReader(cur[i] as number, ev[i] as number, entry && snapshot(entry));
        ev[i] = r.eventState;
        if (r.changed) changed[i] = true;
        atr[i] = entry && entry.readerState & CardState.PRESENT ? entry.atr : Buffer.alloc(0);
      }
      if (changed.some(Boolean)) break;
      const now = Date.now();
      if (now >= deadline) throw new PcscError(Scard.E_TIMEOUT, 'no reader state change');
      if (!ch.armed) {
        entries = await ch.armAndFetch();
        continue;
      }
      // Registered from here on: a later cancel() reaches the daemon; an earlier one left this flag.
      if (cancelled()) throw new PcscError(Scard.E_CANCELLED, 'cancelled');
      let note;
      try {
        note = await ch.waitNotification(Math.min(deadline - now, MAX_WAIT_MS), opts.signal);
      } catch (e) {
        if (e instanceof PcscError && e.code === Scard.E_CANCELLED)
          throw new PcscError(Scard.E_CANCELLED, 'wait aborted');
        throw e;
      }
      if (note) {
        if (note.rv === Scard.E_CANCELLED) throw new PcscError(Scard.E_CANCELLED, 'cancelled');
        // pcscd only ever notifies with 0 or SCARD_E_CANCELLED (docs/protocol.md#wait_reader_state_change).
        if (note.rv !== Scard.S_SUCCESS) throw new ProtocolError(`notification with rv ${hex32(note.rv)}`);
      } else {
        const reply = await ch.stop();
        if (reply.rv === Scard.E_CANCELLED) throw new PcscError(Scard.E_CANCELLED, 'cancelled');
        if (Date.now() >= deadline) throw new PcscError(Scard.E_TIMEOUT, 'no reader state change');
      }
      entries = await ch.armAndFetch();
    }
  } finally {
    // Never leave the connection registered: the next call would read a stale notification.
    if (ch.armed) await ch.stop().catch(() => null);
  }

  // A card seen the instant it was inserted may not have an ATR yet (the daemon is powering it).
  const pending = queries.some(
    (_, i) =>
      changed[i] &&
      !pnp[i] &&
      (ev[i] as number) & StateFlag.PRESENT &&
      !((ev[i] as number) & StateFlag.MUTE) &&
      (atr[i] as Buffer).length === 0,
  );
  if (pending) {
    await new Promise((r) => setTimeout(r, ATR_SETTLE_MS));
    const entries = await ch.fetch();
    queries.forEach((q, i) => {
      const e = entries.find((x) => x.name === q.reader);
      if (e && (atr[i] as Buffer).length === 0 && e.readerState & CardState.PRESENT) atr[i] = e.atr;
    });
  }
  return result();
}
