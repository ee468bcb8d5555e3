// ATR → names from smartcard_list.txt, for `pcsc atr` and `pcsc scan`: the list found on the search path is read
// through its index in the user's cache (core/atr-list/index-file.ts: the few entries that match,
// not the whole list); a list named with --list is read whole.

import { findAtrList, loadAtrList, type AtrMatch } from '../../core/atr-list/index.js';
import { openAtrListIndexed, type AtrListLookup } from '../../core/internal.js';

export interface AtrNames {
  /** The list used; null when none was found. */
  file: string | null;
  searched: string[];
  matches: AtrMatch[];
  /** Every name of every match, in list order (web addresses are in each match's `urls`). */
  names: string[];
}

export interface NameSource {
  lookup(atr: Uint8Array): AtrNames;
}

/** Opens the list (`file` given: that one; else the ATR_analysis search path). */
export async function openNameSource(
  opts: { file?: string | undefined; paths?: readonly string[]; signal?: AbortSignal | undefined } = {},
): Promise<NameSource> {
  let list: AtrListLookup | null = null;
  let searched: string[] = [];
  if (opts.file) {
    list = await loadAtrList(opts.file, { what: '--list', signal: opts.signal });
    searched = [opts.file];
  } else {
    const found = await findAtrList(opts.paths);
    searched = found.searched.map((x) => x.path);
    if (found.file) list = await openAtrListIndexed(found.file, { signal: opts.signal });
  }
  return {
    lookup(atr: Uint8Array): AtrNames {
      if (!list) return { file: null, searched, matches: [], names: [] };
      const matches = list.match(atr);
      return { file: list.file, searched, matches, names: matches.flatMap((m) => m.names) };
    },
  };
}
