// `pcsc scan --json`: every shape it prints, in one place (docs/scan.md#json-ndjson-in-watch-mode documents them).
// -r, -c and --wait-card print one object, watch mode one event per line (NDJSON).

import type { CardNames, ErrorJson, MonitorEvent, ReaderStatus } from '../../core/index.js';
import type { Answered } from '../backend.js';

/** `scan -r`: the readers, and which daemon answered. */
export interface ReaderListResult extends Answered {
  readers: { name: string }[];
}

/**
 * One reader of `scan -c`: its name, the fields of a status event, and its USB path when its
 * driver gives it (SCardControl 3601, libccid ≥ 1.7.1; docs/doctor.md#several-identical-readers).
 */
export type CardListEntry = { name: string; usbPath?: string } & Omit<ReaderStatus, 'reader'>;

/** `scan -c`: every reader once, with its card state, ATR and names. */
export interface CardListResult extends Answered {
  readers: CardListEntry[];
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

/** -d: a reader's USB path from its driver (SCardControl 3601, libccid ≥ 1.7.1), or why there is none. */
export interface UsbPathEvent {
  event: 'usb-path';
  time: string;
  reader: string;
  /** "1-1.3.2:1.0": the sysfs name of the reader's USB interface. */
  usbPath?: string;
  /** Why there is none: the PC/SC code of the control call (SCARD_E_UNSUPPORTED_FEATURE: an older or other driver). */
  unavailable?: string;
}

/** One line of watch mode's NDJSON: the monitor's events, -s rounds and -d's USB paths. */
export type ScanEvent = MonitorEvent | StressEvent | UsbPathEvent;

/** What `pcsc scan` returns: the object --json prints (watch mode prints its events instead: nothing). */
export type ScanResult = ReaderListResult | CardListResult | WaitCardResult | undefined;
