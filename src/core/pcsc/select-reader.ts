// The `--reader` convention shared by every command: all digits is an index, anything else a
// case-insensitive part of the name; a part matching several readers is a usage error.

import { PcscError, Scard, UsageError } from '../errors.js';

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

/** Picks a reader by number ("1") or by a unique case-insensitive part of its name; the first one when no spec is given. */
export function selectReader(readers: readonly string[], spec: string | undefined): string {
  if (spec !== undefined) checkReaderSpec(spec);
  if (readers.length === 0) {
    throw new PcscError(Scard.E_NO_READERS_AVAILABLE, 'no reader is connected');
  }
  if (spec === undefined) return readers[0] as string;
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
