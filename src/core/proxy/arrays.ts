// Reader-state arrays as each client version expects them (docs/protocol.md#the-array,
// docs/protocol.md#protocol-46): 16 entries up to 4:5 whatever the daemon has, a growing count on 4:6, and
// the comparison that decides whether a client registering for events has already missed one.

import { MAX_READERS_CONTEXTS } from '../pcscd/codes.js';
import type { ReaderStateEntry } from '../pcscd/messages/reader-state.js';

/**
 * Entry count for 4:6 clients. A 2.5 client keeps one array size per process and fails with
 * SCARD_E_UNSUPPORTED_FEATURE if a later answer is smaller, so the count only ever grows.
 */
export class ArraySize {
  private size = MAX_READERS_CONTEXTS;
  fit(readers: number): number {
    this.size = Math.max(this.size, readers);
    return this.size;
  }
}

/** The first `slots` readers (16 unless the clients were built with more): what an array of ≤ 4:5 has room for. */
export function fixedView(entries: readonly ReaderStateEntry[], slots = MAX_READERS_CONTEXTS): ReaderStateEntry[] {
  return entries.slice(0, slots);
}

function sameEntry(a: ReaderStateEntry, b: ReaderStateEntry): boolean {
  return (
    a.name === b.name &&
    a.eventCounter === b.eventCounter &&
    a.readerState === b.readerState &&
    a.readerSharing === b.readerSharing &&
    a.protocol === b.protocol &&
    a.atr.equals(b.atr)
  );
}

/** Whether two views differ in anything a client's evaluation looks at (docs/protocol.md#evaluating-a-reader-entry). */
export function sameStates(a: readonly ReaderStateEntry[], b: readonly ReaderStateEntry[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((e, i) => sameEntry(e, b[i] as ReaderStateEntry));
}
