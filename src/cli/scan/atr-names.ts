// The names `pcsc scan` prints for a card's ATR (unless -n): the ATR list found on the search path,
// read through its index in the user's cache (../atr/names.ts). For -c, --wait-card and watch mode.

import type { AtrMatch } from '../../core/atr-list/index.js';
import type { NameLookup } from '../../core/index.js';
import { openNameSource } from '../atr/names.js';

/** The ATR → names lookup, or undefined with -n (`noAnalysis`). */
export async function scanNameLookup(noAnalysis: boolean): Promise<NameLookup | undefined> {
  if (noAnalysis) return undefined;
  const source = await openNameSource();
  // The same {pattern, names, urls} groups as `pcsc atr --json`'s matches.
  return (atr: Buffer): AtrMatch[] | undefined => {
    const r = source.lookup(atr);
    return r.file ? r.matches : undefined;
  };
}
