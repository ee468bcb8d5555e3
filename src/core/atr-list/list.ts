// pcsc-tools' smartcard_list.txt (GPL: read from the system or the user's cache, never bundled):
// where ATR_analysis looks for it, its format, and matching an ATR against every pattern.
//
// Format: '#' comments and blank lines; a pattern line in column 0 (a whole-ATR regular
// expression over upper-case, space-separated bytes: '..', '[0-9]', '.*'); then its
// descriptions, one per line, each starting with a TAB.

import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, isAbsolute } from 'node:path';
import { formatHex } from '../bytes/hex.js';
import type { CardNames } from '../pcsc/monitor-events.js';
import { readUserFile } from '../user-file.js';

export const ATR_LIST_NAME = 'smartcard_list.txt';
export const ATR_LIST_URL = 'https://pcsc-tools.apdu.fr/smartcard_list.txt';

export interface AtrListEntry {
  pattern: string;
  names: string[];
  /** 1-based line of the pattern, for messages. */
  line: number;
}

/** A pattern that matches an ATR: its names, and apart from them the lines that are web addresses. */
export type AtrMatch = CardNames;

/** A description line that is only a web address ("http://…", "https://…"). */
const URL_LINE = /^(?:https?|ftp):\/\/\S+$/i;

/** An entry's description lines split into names and web addresses, each in list order. */
export function splitNames(lines: readonly string[]): { names: string[]; urls: string[] } {
  const names: string[] = [];
  const urls: string[] = [];
  for (const l of lines) (URL_LINE.test(l.trim()) ? urls : names).push(l);
  return { names, urls };
}

export interface AtrList {
  file: string;
  entries: AtrListEntry[];
  /** Matches an ATR against every pattern, in file order; every match is returned. */
  match(atr: Uint8Array): AtrMatch[];
}

/** The user's cache directory for the list: $XDG_CACHE_HOME, else ~/.cache. */
export function atrListCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says to ignore a relative (or empty) value.
  if (xdg && isAbsolute(xdg)) return xdg;
  return join(env.HOME || homedir(), '.cache');
}

/** Where ATR_analysis looks, in its order; the first non-empty file wins. */
export function atrListSearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME || homedir();
  return [
    join(atrListCacheDir(env), ATR_LIST_NAME),
    join(home, '.smartcard_list.txt'),
    '/usr/local/pcsc/smartcard_list.txt',
    '/usr/share/pcsc/smartcard_list.txt',
    '/usr/local/share/pcsc/smartcard_list.txt',
  ];
}

export interface FindAtrListResult {
  file: string | null;
  /** Every path looked at, and why it was passed over. */
  searched: { path: string; skipped?: 'missing' | 'empty' | 'not a file' | 'unreadable' }[];
}

/** Finds the list ATR_analysis would use, except that an empty file is skipped rather than trusted. */
export async function findAtrList(paths: readonly string[] = atrListSearchPath()): Promise<FindAtrListResult> {
  const searched: FindAtrListResult['searched'] = [];
  for (const path of paths) {
    try {
      const s = await stat(path);
      if (!s.isFile()) searched.push({ path, skipped: 'not a file' });
      else if (s.size === 0) searched.push({ path, skipped: 'empty' });
      else {
        searched.push({ path });
        return { file: path, searched };
      }
    } catch (e) {
      searched.push({ path, skipped: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable' });
    }
  }
  return { file: null, searched };
}

export function parseAtrList(text: string): AtrListEntry[] {
  const entries: AtrListEntry[] = [];
  let current: AtrListEntry | null = null;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '');
    if (line.startsWith('\t')) {
      current?.names.push(line.slice(1));
      continue;
    }
    current = null;
    if (line === '' || line.startsWith('#')) continue;
    current = { pattern: line, names: [], line: n + 1 };
    entries.push(current);
  }
  return entries;
}

/** True when the text has the list's shape: at least one pattern followed by a description. */
export function looksLikeAtrList(text: string): boolean {
  return /^[0-9A-Fa-f.[][^\n]*\r?\n\t\S/m.test(text);
}

interface Compiled {
  entry: AtrListEntry;
  /** null: the pattern is plain bytes, compared as a string. */
  re: RegExp | null;
}

/** Builds a matcher: exact patterns through a map, the few regular expressions one by one. */
export function compileAtrList(file: string, entries: AtrListEntry[]): AtrList {
  const compiled: Compiled[] = [];
  const exact = new Map<string, number[]>();
  for (const entry of entries) {
    const upper = entry.pattern.toUpperCase();
    if (/^[0-9A-F]{2}( [0-9A-F]{2})*$/.test(upper)) {
      const idx = compiled.push({ entry, re: null }) - 1;
      const list = exact.get(upper);
      if (list) list.push(idx);
      else exact.set(upper, [idx]);
      continue;
    }
    let re: RegExp | null;
    try {
      // ATR_analysis matches /^pattern$/i against the spaced upper-case ATR.
      re = new RegExp(`^(?:${entry.pattern})$`, 'i');
    } catch {
      continue; // a pattern JavaScript cannot read (none in the list today) is left out
    }
    compiled.push({ entry, re });
  }
  const regexIdx = compiled.map((c, i) => (c.re ? i : -1)).filter((i) => i >= 0);
  return {
    file,
    entries,
    match(atr: Uint8Array): AtrMatch[] {
      const spaced = formatHex(atr);
      const hits = new Set<number>(exact.get(spaced) ?? []);
      for (const i of regexIdx) if ((compiled[i] as Compiled).re?.test(spaced)) hits.add(i);
      return [...hits]
        .sort((a, b) => a - b)
        .map((i) => {
          const e = (compiled[i] as Compiled).entry;
          return { pattern: e.pattern, ...splitNames(e.names) };
        });
    },
  };
}

/** The list is about 1 MB; more is not a list. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

/**
 * Reads and compiles a list. `what` names its source in messages (the flag that named it, or
 * "ATR list"); a file that is not a regular file, or too big, is a UsageError saying so.
 */
export async function loadAtrList(
  file: string,
  opts: { what?: string; signal?: AbortSignal | undefined } = {},
): Promise<AtrList> {
  const text = await readUserFile(file, {
    what: opts.what ?? 'ATR list',
    maxBytes: MAX_LIST_BYTES,
    holds: 'an ATR list',
    signal: opts.signal,
  });
  return compileAtrList(file, parseAtrList(text.toString('utf8')));
}

export interface OpenAtrListResult extends FindAtrListResult {
  list: AtrList | null;
}

/** Finds and loads the list; `list` is null when there is none. */
export async function openAtrList(paths?: readonly string[]): Promise<OpenAtrListResult> {
  const found = await findAtrList(paths);
  if (!found.file) return { ...found, list: null };
  return { ...found, list: await loadAtrList(found.file) };
}

/** The link where users submit an unknown ATR (what ATR_analysis prints). */
export function atrSubmitUrl(atr: Uint8Array): string {
  return `https://smartcard-atr.apdu.fr/parse?ATR=${formatHex(atr, { sep: '' })}`;
}
