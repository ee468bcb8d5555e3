// SCardGetStatusChange's per-reader evaluation (docs/protocol.md#evaluating-a-reader-entry, pcsc-lite 2.4.1
// behaviour), on a backend-neutral snapshot so the pcscd client and the USB driver report states the same
// way.

import { CardState, StateFlag } from './types.js';

/** What a backend knows about one reader at one moment. */
export interface ReaderSnapshot {
  name: string;
  /** Card insertions + removals seen on this reader (0..0xFFFF). */
  eventCounter: number;
  /** pcsc-lite card state bitmask (CardState). */
  readerState: number;
  /** -1 exclusive, 0 unused, n ≥ 1 shared handles. */
  sharing: number;
  atr: Buffer;
}

export interface Evaluation {
  eventState: number;
  changed: boolean;
}

const S = StateFlag;

/**
 * Evaluates one requested reader. `ev` is the entry's eventState so far in this call (0 at the
 * start, then carried across re-evaluations after each notification, as libpcsclite does).
 * Returns the new eventState, with CHANGED set when the caller's view is out of date.
 */
export function evaluateReader(cur: number, ev: number, snap: ReaderSnapshot | undefined): Evaluation {
  let changed = false;
  if (!snap) {
    // The reader went away during the call.
    ev = S.UNKNOWN | S.UNAVAILABLE;
    if (!(cur & S.UNKNOWN)) changed = true;
    return finish(ev, changed);
  }
  if (cur & S.UNKNOWN) {
    ev &= ~S.UNKNOWN;
    changed = true;
  }
  const counter = snap.eventCounter & 0xffff;
  const curCounter = cur >>> 16;
  if (curCounter !== 0 && curCounter !== counter) changed = true;
  ev = ((ev & 0xffff) | (counter << 16)) >>> 0;

  if (snap.readerState & CardState.UNKNOWN) {
    // A reader error overwrites everything, the counter word included; the later rules still apply.
    ev = S.UNAVAILABLE;
    if (!(cur & S.UNAVAILABLE)) changed = true;
  } else if (cur & S.UNAVAILABLE) {
    ev &= ~S.UNAVAILABLE;
    changed = true;
  }
  if (snap.readerState & CardState.ABSENT) {
    ev |= S.EMPTY;
    ev &= ~(S.PRESENT | S.IGNORE | S.UNKNOWN | S.UNAVAILABLE | S.ATRMATCH | S.MUTE | S.INUSE);
    if (cur & S.PRESENT) changed = true;
  } else if (snap.readerState & CardState.PRESENT) {
    ev |= S.PRESENT;
    ev &= ~(S.EMPTY | S.IGNORE | S.UNKNOWN | S.UNAVAILABLE | S.MUTE);
    if (cur & S.EMPTY) changed = true;
    if (snap.readerState & CardState.SWALLOWED) {
      ev |= S.MUTE;
      if (!(cur & S.MUTE)) changed = true;
    } else if (cur & S.MUTE) {
      changed = true;
    }
  }
  const present = (snap.readerState & CardState.PRESENT) !== 0;
  if (snap.sharing === -1) {
    ev |= S.EXCLUSIVE;
    ev &= ~S.INUSE;
    if (cur & S.INUSE) changed = true;
  } else if (snap.sharing >= 1 && present) {
    ev |= S.INUSE;
    ev &= ~S.EXCLUSIVE;
    if (cur & S.EXCLUSIVE) changed = true;
  } else if (snap.sharing === 0) {
    ev &= ~(S.INUSE | S.EXCLUSIVE);
    if (cur & (S.INUSE | S.EXCLUSIVE)) changed = true;
  }
  if (cur === S.UNAWARE) changed = true;
  return finish(ev, changed);
}

function finish(ev: number, changed: boolean): Evaluation {
  return { eventState: (changed ? ev | S.CHANGED : ev) >>> 0, changed };
}
