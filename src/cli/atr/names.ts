// ATR → names from smartcard_list.txt, for `pcsc atr` and `pcsc scan`: the list is found and
// compiled once per process, then every lookup is a map probe plus the few regex patterns.

import { findAtrList, loadAtrList, type AtrList, type AtrMatch } from '../../core/atr-list/index.js';

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

/** Loads the list now (`file` given: that one; else the ATR_analysis search path). */
export async function openNameSource(
  opts: { file?: string | undefined; paths?: readonly string[]; signal?: AbortSignal | undefined } = {},
): Promise<NameSource> {
  let list: AtrList | null = null;
  let searched: string[] = [];
  if (opts.file) {
    const file = opts.file;
    list = await loadAtrList(file, { what: '--list', signal: opts.signal });
    searched = [opts.file];
  } else {
    const found = await findAtrList(opts.paths);
    searched = found.searched.map((x) => x.path);
    if (found.file) list = await loadAtrList(found.file, { signal: opts.signal });
  }
  return {
    lookup(atr: Uint8Array): AtrNames {
      if (!list) return { file: null, searched, matches: [], names: [] };
      const matches = list.match(atr);
      return { file: list.file, searched, matches, names: matches.flatMap((m) => m.names) };
    },
  };
}
