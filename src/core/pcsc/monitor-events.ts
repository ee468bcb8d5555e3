// The monitor's events (what `pcsc scan --json` prints, one NDJSON line each) and the pure rules
// that turn two successive reader states into them.

import { toHex } from '../bytes/hex.js';
import type { ErrorJson } from '../errors.js';
import { StateFlag, stateFlagNames, type ReaderState, type StateFlagName } from '../scard/types.js';

/** What is in the reader, in one word. */
export type CardPresence = 'absent' | 'present' | 'mute' | 'unavailable' | 'unknown';

/** The daemon a monitor talks to. */
export interface DaemonInfo {
  backend: string;
  /** The negotiated pcscd protocol ("4:4"); absent on the USB backend. */
  protocol?: string;
  /** pcscd's socket; absent on the USB backend. */
  socket?: string;
}

/** One reader's state in words: the fields every reader event has (and `pcsc scan -c` prints). */
export interface ReaderStatus {
  reader: string;
  /** The reader's number in the list, as `scan -r` and `--reader N` count. */
  index: number;
  /** The reader's card event counter (insertions + removals), as pcsc_scan's "Event number". */
  eventNumber: number;
  card: CardPresence;
  /** SCARD_STATE_* flags, CHANGED left out. */
  state: StateFlagName[];
  /** The card's ATR as hex, when a card is in. */
  atr?: string;
  /** What is known of the card (MonitorOptions.names: e.g. every ATR-list pattern that matches, with its names). */
  names?: CardNames[];
}

/** A reader's state was first seen, or changed, or the reader came or went. */
export interface ReaderEvent extends ReaderStatus {
  event: 'status' | 'card-inserted' | 'card-removed' | 'state-changed' | 'reader-added' | 'reader-removed';
  time: string;
  /** Seen on reconnecting to pcscd: it happened while pcscd was away. */
  missed?: true;
  /**
   * A `card-inserted` for a card already in the reader when the monitor started (or, with
   * `missed`, when it reconnected): it follows the reader's `status` event.
   */
  initial?: true;
  /** Card events the counter says happened between two looks (a quick remove-insert). */
  skippedEvents?: number;
}

/** The first event: the monitor is connected and knows the readers. */
export interface StartedEvent {
  event: 'started';
  time: string;
  /** Reader changes come from the \\?PnP?\Notification pseudo-reader (else: polling). */
  pnp: boolean;
  readers: string[];
  daemon: DaemonInfo;
}

/** No reader to watch yet (or not the one asked for): the monitor waits for it. */
export interface WaitingEvent {
  event: 'waiting-reader';
  time: string;
  /** The --reader asked for, when that is what is missing. */
  reader?: string;
}

/** pcscd went away (stopped, restarted, crashed); the monitor reconnects with back-off. */
export interface DaemonLostEvent {
  event: 'daemon-lost';
  time: string;
  error: ErrorJson;
}

/** pcscd answers again; the `missed` reader events that follow say what changed meanwhile. */
export interface DaemonBackEvent {
  event: 'daemon-back';
  time: string;
  /** How long pcscd was away (the README's JSON rule: durations are durationUs). */
  durationUs: number;
  daemon: DaemonInfo;
}

/** MonitorOptions.transitions (pcsc_scan -d): one reader entry's dwCurrentState → dwEventState, every flag. */
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

/** Everything a monitor reports. */
export type MonitorEvent =
  ReaderEvent | StartedEvent | WaitingEvent | DaemonLostEvent | DaemonBackEvent | TransitionEvent;

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

/** What is in the reader, from its SCARD_STATE_* flags. */
export function presence(eventState: number): CardPresence {
  if (eventState & StateFlag.UNKNOWN) return 'unknown';
  if (eventState & StateFlag.UNAVAILABLE) return 'unavailable';
  if (eventState & StateFlag.MUTE) return 'mute';
  if (eventState & StateFlag.PRESENT) return 'present';
  return 'absent';
}

const inReader = (p: CardPresence): boolean => p === 'present' || p === 'mute';

/** One source of names for a card, e.g. one pattern of pcsc-tools' ATR list that matches its ATR. */
export interface CardNames {
  /** What matched (the ATR-list pattern: spaced hex, maybe with regular-expression parts). */
  pattern: string;
  /** The card's names and descriptions. */
  names: string[];
  /** Web pages about the card. */
  urls: string[];
}

/** Names for a card's ATR (undefined: none known). */
export type NameLookup = (atr: Buffer) => CardNames[] | undefined;

/**
 * One reader's state in words: presence, flags, the event counter, and the ATR (with `names`) when
 * a card is in. `index` is the reader's place in the list (listReaders()).
 */
export function readerStatus(
  r: Pick<ReaderState, 'reader' | 'eventState' | 'atr'>,
  index: number,
  names?: NameLookup,
): ReaderStatus {
  const card = presence(r.eventState);
  const e: ReaderStatus = {
    reader: r.reader,
    index,
    eventNumber: r.eventState >>> 16,
    card,
    state: stateFlagNames(r.eventState & ~StateFlag.CHANGED),
  };
  if (inReader(card) && r.atr.length > 0) {
    e.atr = toHex(r.atr);
    const n = names?.(r.atr);
    if (n) e.names = n;
  }
  return e;
}

/** The common fields of a reader event for one state. */
export function readerFields(
  time: string,
  reader: string,
  index: number,
  eventState: number,
  atr: Buffer,
  names?: NameLookup,
): Omit<ReaderEvent, 'event'> {
  return { time, ...readerStatus({ reader, eventState, atr }, index, names) };
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
  const now = fields.card;
  if (!prev) {
    // The first look: the reader's state, then, for a card already in, the card-inserted a program waits for.
    const events: ReaderEvent[] = [{ event: 'status', ...fields }];
    if (inReader(now)) events.push({ event: 'card-inserted', ...fields, initial: true });
    return { events, owed: 0 };
  }
  const was = presence(prev.eventState);
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
  const hex = (v: number): string => '0x' + (v & 0xffff).toString(16).toUpperCase().padStart(4, '0');
  return {
    event: 'transition',
    time,
    reader,
    index,
    eventNumber: to >>> 16,
    from: hex(from),
    to: hex(to),
    set: stateFlagNames(to & ~from),
    cleared: stateFlagNames(from & ~to),
    kept: stateFlagNames(from & to),
  };
}
