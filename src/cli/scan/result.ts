// `pcsc scan --json`: every shape it prints, in one place (docs/scan.md#json-ndjson-in-watch-mode documents them).
// -r, -c and --wait-card print one object, watch mode one event per line (NDJSON).

import type { CardNames, ErrorJson, MonitorEvent, ReaderStatus } from '../../core/index.js';

/** `scan -r`: the readers, and which daemon answered. */
export interface ReaderListResult {
  readers: { name: string }[];
  /** Empty strings when the USB backend answered (no daemon). */
  daemon: { protocol: string; socket: string };
}

/** One reader of `scan -c`: its name and the fields of a status event. */
export type CardListEntry = { name: string } & Omit<ReaderStatus, 'reader'>;

/** `scan -c`: every reader once, with its card state, ATR and names. */
export interface CardListResult {
  readers: CardListEntry[];
  daemon: { protocol: string; socket: string };
}

/** `scan --wait-card`: the card that came. */
export interface WaitCardResult {
  reader: string;
  index: number;
  atr: string;
  /** What the ATR list says of the card: {pattern, names, urls} groups, as `pcsc atr --json`'s matches. */
  names?: CardNames[];
  time: string;
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

/** One line of watch mode's NDJSON: the monitor's events, and -s rounds. */
export type ScanEvent = MonitorEvent | StressEvent;

/** What `pcsc scan` returns: the object --json prints (watch mode prints its events instead: nothing). */
export type ScanResult = ReaderListResult | CardListResult | WaitCardResult | undefined;
