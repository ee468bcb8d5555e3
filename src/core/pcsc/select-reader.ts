// Which reader to use, for the library and every command. Named (`--reader`): all digits is an
// index, anything else a case-insensitive part of the name; a part matching several readers is a
// usage error. Not named: the only reader with a card (as opensc-tool -s); cards in several
// readers is a usage error listing them; none is an error, or a bounded wait when asked.

import { PcscError, Scard, UsageError } from '../errors.js';
import type { Context, ReaderState, WaitOptions } from '../scard/types.js';

/**
 * Refuses a spec that names no reader: an empty (or blank) one would match every name. Checked
 * again by selectReader; the CLI checks it when it parses --reader, before connecting.
 */
export function checkReaderSpec(spec: string): void {
  if (spec.trim() === '')
    throw new UsageError(
      'an empty reader name would match every reader: give its number or a part of its name',
      'EUSAGE',
    );
}

/** Picks a reader by number ("1") or by a unique case-insensitive part of its name. */
export function selectReader(readers: readonly string[], spec: string): string {
  checkReaderSpec(spec);
  if (readers.length === 0) {
    throw new PcscError(Scard.E_NO_READERS_AVAILABLE, 'no reader is connected');
  }
  if (/^\d+$/.test(spec)) {
    const r = readers[Number(spec)];
    if (r === undefined) {
      // The number as written: past 2^53 Number() would print another one (1e20 for 20 nines).
      throw new PcscError(
        Scard.E_UNKNOWN_READER,
        `no reader number ${spec} (there ${readers.length === 1 ? 'is 1 reader' : `are ${readers.length} readers`}: ${list(readers)})`,
      );
    }
    return r;
  }
  const exact = readers.find((r) => r === spec);
  if (exact) return exact;
  const needle = spec.toLowerCase();
  const hits = readers.filter((r) => r.toLowerCase().includes(needle));
  if (hits.length === 1) return hits[0] as string;
  if (hits.length === 0) {
    throw new PcscError(Scard.E_UNKNOWN_READER, `no reader matches "${spec}" (readers: ${list(readers)})`);
  }
  throw new UsageError(
    `"${spec}" matches ${hits.length} readers: ${list(readers, hits)}; give more of the name or its number`,
    'EAMBIGUOUS',
  );
}

/** "n: name" for each of `only` (default all), n being the reader's number in the full list. */
function list(readers: readonly string[], only: readonly string[] = readers): string {
  return readers.flatMap((r, i) => (only.includes(r) ? [`${i}: ${r}`] : [])).join(', ');
}

/** How chooseReader picks: a reader the caller named, else the one with a card, waiting or not. */
export interface ChooseReaderOptions extends WaitOptions {
  /** The reader's number ("1") or a part of its name; absent: the only reader with a card. */
  reader?: string | undefined;
  /**
   * No reader has a card: wait for one in the readers connected now (bounded by `timeout` and
   * `signal`; SCARD_E_TIMEOUT at the end). Default false: fail at once with SCARD_E_NO_SMARTCARD.
   * Readers plugged in later are not watched: `monitor` follows them.
   */
  wait?: boolean;
  /**
   * The caller needs the reader, not a card (share 'direct': control codes, attributes): when
   * there is only one reader it is chosen, card or not.
   */
  cardless?: boolean;
}

/** The reader chooseReader picked, and why: named by the caller, the only one with a card, or (cardless) the only one. */
export interface ChosenReader {
  reader: string;
  /** Its number in listReaders() order. */
  index: number;
  by: 'name' | 'card' | 'only';
}

/**
 * The reader to use: the one `opts.reader` names (see selectReader), else the only reader with a
 * card in it. Cards in several readers is a UsageError (EAMBIGUOUS) listing them; no card is
 * SCARD_E_NO_SMARTCARD, or with `wait` a wait for one; no reader is SCARD_E_NO_READERS_AVAILABLE.
 */
export async function chooseReader(ctx: Context, opts: ChooseReaderOptions = {}): Promise<ChosenReader> {
  const readers = await ctx.listReaders();
  if (opts.reader !== undefined) {
    const reader = selectReader(readers, opts.reader);
    return { reader, index: readers.indexOf(reader), by: 'name' };
  }
  if (readers.length === 0) throw new PcscError(Scard.E_NO_READERS_AVAILABLE, 'no reader is connected');
  if (opts.cardless && readers.length === 1) return { reader: readers[0] as string, index: 0, by: 'only' };
  let states = await ctx.getStatusChange(
    readers.map((reader) => ({ reader })),
    { timeout: 0, signal: opts.signal },
  );
  const deadline = opts.timeout === undefined ? Infinity : Date.now() + opts.timeout;
  for (;;) {
    const withCard = states.filter(hasCard).map((s) => s.reader);
    if (withCard.length === 1) {
      const reader = withCard[0] as string;
      return { reader, index: readers.indexOf(reader), by: 'card' };
    }
    if (withCard.length > 1) {
      throw new UsageError(
        `cards are in ${withCard.length} readers: ${list(readers, withCard)}; name the one to use (its number or a part of its name)`,
        'EAMBIGUOUS',
      );
    }
    if (!opts.wait) {
      throw new PcscError(
        Scard.E_NO_SMARTCARD,
        `no reader holds a card (${list(readers)}); insert one, or name the reader to use`,
      );
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new PcscError(Scard.E_TIMEOUT, 'no card came into a reader in time');
    states = await ctx.getStatusChange(
      states.map((s) => ({ reader: s.reader, currentState: s.eventState })),
      { timeout: deadline === Infinity ? undefined : left, signal: opts.signal },
    );
  }
}

/** A card is in the reader and answers (present, not mute). */
function hasCard(s: ReaderState): boolean {
  return s.flags.includes('PRESENT') && !s.flags.includes('MUTE');
}
