// The events of `pcsc scan` (one NDJSON line each with --json) and the pure rules that turn two
// successive reader states into them.

import { StateFlag, toHex, type ErrorJson, type ReaderState, type StateFlagName } from '../index.js';

/** What is in the reader, in one word. */
export type CardPresence = 'absent' | 'present' | 'mute' | 'unavailable' | 'unknown';

export interface DaemonInfo {
  backend: string;
  protocol: string;
  socket: string;
}

export interface ReaderEvent {
  event: 'status' | 'card-inserted' | 'card-removed' | 'state-changed' | 'reader-added' | 'reader-removed';
  time: string;
  reader: string;
  /** The reader's number in the list, as `scan -r` and `--reader N` count. */
  index: number;
  /** The reader's card event counter (insertions + removals), as pcsc_scan's "Event number". */
  eventNumber: number;
  card: CardPresence;
  /** SCARD_STATE_* flags, CHANGED left out. */
  state: StateFlagName[];
  atr?: string;
  /** Names from the ATR list (every description of every matching pattern). */
  names?: string[];
  /** Seen on reconnecting to pcscd: it happened while pcscd was away. */
  missed?: true;
  /** Card events the counter says happened between two looks (a quick remove-insert). */
  skippedEvents?: number;
}

export interface StartedEvent {
  event: 'started';
  time: string;
  /** Reader changes come from the \\?PnP?\Notification pseudo-reader (else: polling). */
  pnp: boolean;
  readers: string[];
  daemon: DaemonInfo;
}

export interface WaitingEvent {
  event: 'waiting-reader';
  time: string;
  /** The --reader asked for, when that is what is missing. */
  reader?: string;
}

export interface DaemonLostEvent {
  event: 'daemon-lost';
  time: string;
  error: ErrorJson;
}

export interface DaemonBackEvent {
  event: 'daemon-back';
  time: string;
  /** How long pcscd was away (the README's JSON rule: durations are durationUs). */
  durationUs: number;
  daemon: DaemonInfo;
}

/** -d: one reader entry's dwCurrentState → dwEventState, every flag. */
export interface TransitionEvent {
  event: 'transition';
  time: string;
  reader: string;
  index: number;
  eventNumber: number;
  from: string;
  to: string;
  set: StateFlagName[];
  cleared: StateFlagName[];
  kept: StateFlagName[];
}

/** -s: one round of 100 SELECT MF on a card. */
export interface StressEvent {
  event: 'stress';
  time: string;
  reader: string;
  apdus: number;
  durationUs: number;
  apdusPerSecond: number;
  error?: ErrorJson;
}

export type ScanEvent =
  ReaderEvent | StartedEvent | WaitingEvent | DaemonLostEvent | DaemonBackEvent | TransitionEvent | StressEvent;

/** What the watcher remembers of a reader between two waits. */
export interface Seen {
  eventState: number;
  atr: Buffer;
  /**
   * Counter increments still owed by pcscd. It stores a reader's new state before it bumps the
   * counter, so a look in between sees the card gone (or there) with the old number; the
   * increment then shows up alone on the next look and must not count as another event.
   */
  owed?: number;
}

const FLAG_ENTRIES = Object.entries(StateFlag).filter(([k, v]) => v !== 0 && k !== 'CHANGED') as [
  StateFlagName,
  number,
][];

export function flagNames(eventState: number): StateFlagName[] {
  return FLAG_ENTRIES.filter(([, v]) => eventState & v).map(([k]) => k);
}

export function presence(eventState: number): CardPresence {
  if (eventState & StateFlag.UNKNOWN) return 'unknown';
  if (eventState & StateFlag.UNAVAILABLE) return 'unavailable';
  if (eventState & StateFlag.MUTE) return 'mute';
  if (eventState & StateFlag.PRESENT) return 'present';
  return 'absent';
}

const inReader = (p: CardPresence): boolean => p === 'present' || p === 'mute';

export type NameLookup = (atr: Buffer) => string[] | undefined;

/** The common fields of a reader event for one state. */
export function readerFields(
  time: string,
  reader: string,
  index: number,
  eventState: number,
  atr: Buffer,
  names?: NameLookup,
): Omit<ReaderEvent, 'event'> {
  const card = presence(eventState);
  const e: Omit<ReaderEvent, 'event'> = {
    time,
    reader,
    index,
    eventNumber: eventState >>> 16,
    card,
    state: flagNames(eventState),
  };
  if (inReader(card) && atr.length > 0) {
    e.atr = toHex(atr);
    const n = names?.(atr);
    if (n) e.names = n;
  }
  return e;
}

/**
 * The events one reader's change makes. `prev` is what was seen before (undefined: this is the
 * first look, which is a `status`). Card events come from presence; the counter tells about a
 * card that came and went (or went and came) between two looks.
 */
export function classify(
  prev: Seen | undefined,
  cur: ReaderState,
  time: string,
  index: number,
  names?: NameLookup,
): { events: ReaderEvent[]; owed: number } {
  const fields = readerFields(time, cur.reader, index, cur.eventState, cur.atr, names);
  if (!prev) return { events: [{ event: 'status', ...fields }], owed: 0 };
  const was = presence(prev.eventState);
  const now = fields.card;
  const raw = ((cur.eventState >>> 16) - (prev.eventState >>> 16) + 0x10000) & 0xffff;
  const owed = prev.owed ?? 0;
  const delta = Math.max(0, raw - owed);
  const stillOwed = Math.max(0, owed - raw);
  const sameCard = prev.atr.equals(cur.atr);
  const done = (events: ReaderEvent[], used: number): { events: ReaderEvent[]; owed: number } => {
    const last = events[events.length - 1];
    if (last && delta > used) last.skippedEvents = delta - used;
    return { events, owed: stillOwed + Math.max(0, used - delta) };
  };
  if (!inReader(was) && inReader(now)) return done([{ event: 'card-inserted', ...fields }], 1);
  if (inReader(was) && !inReader(now)) return done([{ event: 'card-removed', ...withoutCard(fields) }], 1);
  if (inReader(was) && inReader(now) && (delta > 0 || !sameCard)) {
    // Removed and inserted again between two looks.
    return done(
      [
        { event: 'card-removed', ...withoutCard(fields) },
        { event: 'card-inserted', ...fields },
      ],
      2,
    );
  }
  // Only the counter caught up with a change already reported: nothing happened.
  if (delta === 0 && raw > 0 && (prev.eventState & 0xffff & ~0x2) === (cur.eventState & 0xffff & ~0x2))
    return { events: [], owed: stillOwed };
  return done([{ event: 'state-changed', ...fields }], 0);
}

function withoutCard(f: Omit<ReaderEvent, 'event'>): Omit<ReaderEvent, 'event'> {
  const { atr: _a, names: _n, ...rest } = f;
  return rest;
}

/** -d: the transition of one entry, flag by flag, as pcsc_scan -d shows it. */
export function transition(time: string, reader: string, index: number, from: number, to: number): TransitionEvent {
  const all = Object.entries(StateFlag).filter(([, v]) => v !== 0) as [StateFlagName, number][];
  const hex = (v: number): string => '0x' + (v & 0xffff).toString(16).toUpperCase().padStart(4, '0');
  return {
    event: 'transition',
    time,
    reader,
    index,
    eventNumber: to >>> 16,
    from: hex(from),
    to: hex(to),
    set: all.filter(([, v]) => to & v && !(from & v)).map(([k]) => k),
    cleared: all.filter(([, v]) => from & v && !(to & v)).map(([k]) => k),
    kept: all.filter(([, v]) => from & v && to & v).map(([k]) => k),
  };
}
