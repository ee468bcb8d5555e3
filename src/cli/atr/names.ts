// ATR → names from smartcard_list.txt, for `pcsc atr` and `pcsc scan`: the list is found and
// compiled once per process, then every lookup is a map probe plus the few regex patterns.

import { UsageError, findAtrList, loadAtrList, type AtrList, type AtrMatch } from '../../core/index.js';

export interface AtrNames {
  /** The list used; null when none was found. */
  file: string | null;
  searched: string[];
  matches: AtrMatch[];
  /** Every description of every match, in list order. */
  names: string[];
}

export interface NameSource {
  lookup(atr: Uint8Array): AtrNames;
}

/** Loads the list now (`file` given: that one; else the ATR_analysis search path). */
export async function openNameSource(opts: { file?: string | undefined; paths?: readonly string[] } = {}): Promise<NameSource> {
  let list: AtrList | null = null;
  let searched: string[] = [];
  if (opts.file) {
    list = await loadAtrList(opts.file).catch((e: unknown) => {
      // A file the user named that cannot be read is their mistake, not an internal error.
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'not a regular file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new UsageError(`--list ${opts.file}: ${why}`, 'EFILE');
    });
    searched = [opts.file];
  } else {
    const found = await findAtrList(opts.paths);
    searched = found.searched.map((x) => x.path);
    if (found.file) list = await loadAtrList(found.file);
  }
  return {
    lookup(atr: Uint8Array): AtrNames {
      if (!list) return { file: null, searched, matches: [], names: [] };
      const matches = list.match(atr);
      return { file: list.file, searched, matches, names: matches.flatMap((m) => m.names) };
    },
  };
}
