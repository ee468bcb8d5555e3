// `pcsc atr --json`: the shape it prints (docs/scan.md#pcsc-atr documents it).

import type { AtrMatch, DownloadAtrListResult } from '../../core/atr-list/index.js';
import type { AtrAnalysis } from '../../core/index.js';

/** The analysis of an ATR, with what the ATR list says about it. */
export interface AtrNamesJson extends AtrAnalysis {
  /** The ATR list used, or null when none was found. */
  list: string | null;
  /** Every pattern of the list that matches, with its names and web addresses ({pattern, names, urls}). */
  matches: AtrMatch[];
  /** Every name of every match, in list order (without the web addresses). */
  names: string[];
  /** With --update: the download. */
  update?: DownloadAtrListResult;
}

/** What `pcsc atr` returns: the analysis, or with --update and no ATR the download alone. */
export type AtrResult = AtrNamesJson | { update: DownloadAtrListResult };
