// pcsc-tools' smartcard_list.txt (GPL: read from the system or the user's cache, never bundled):
// where ATR_analysis looks for it, its format, and matching an ATR against every pattern.
//
// Format: '#' comments and blank lines; a pattern line in column 0 (a whole-ATR regular
// expression over upper-case, space-separated bytes: '..', '[0-9]', '.*'); then its
// descriptions, one per line, each starting with a TAB.

import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { formatHex } from '../bytes/hex.js';
import type { CardNames } from '../pcsc/monitor-events.js';
import { userCacheDir } from '../user-cache.js';
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

/** The directory where --update saves the list and ATR_analysis looks first: the user's cache (userCacheDir). */
export function atrListCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return userCacheDir(env);
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
  return scanAtrList(text).map((e) => ({ pattern: e.pattern, names: e.names, line: e.line }));
}

/**
 * The list's patterns, each reading its names (the TAB lines right after it) when first asked:
 * `pcsc atr` reads the whole list (~500 kB, ~15,000 lines) at every start and needs the names of
 * a few entries only. One pass of indexOf and charCodeAt, no regular expression per line.
 */
function scanAtrList(text: string): ScannedEntry[] {
  const entries: ScannedEntry[] = [];
  let n = 0;
  for (let start = 0; start <= text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end; // a CRLF line
    n++;
    const first = text.charCodeAt(start);
    // Not blank, not a '#' comment, not a TAB line (a name, read with its pattern).
    if (stop > start && first !== 35 && first !== 9)
      entries.push(new ScannedEntry(text.slice(start, stop), n, text, end + 1, start));
    start = end + 1;
  }
  return entries;
}

/** An entry of the list as scanned: its pattern, and where it stands in the text. */
export class ScannedEntry {
  private read: { names: string[]; end: number } | undefined;
  constructor(
    readonly pattern: string,
    readonly line: number,
    private readonly text: string,
    /** Where the line after the pattern starts. */
    private readonly at: number,
    /** Where the pattern's line starts. */
    readonly start = 0,
  ) {}

  get names(): string[] {
    return (this.read ??= readNames(this.text, this.at)).names;
  }

  /** Where the entry (its pattern and name lines) ends: the start of the line after it, or the text's end. */
  get end(): number {
    return Math.min((this.read ??= readNames(this.text, this.at)).end, this.text.length);
  }
}

/** The names of an entry: the TAB lines from `at` on, up to the first line that is not one. */
function readNames(text: string, at: number): { names: string[]; end: number } {
  const names: string[] = [];
  let start = at;
  for (; start <= text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (stop === start || text.charCodeAt(start) !== 9) break;
    names.push(text.slice(start + 1, stop));
    start = end + 1;
  }
  return { names, end: start };
}

/**
 * The scanned entries of a list's text (pattern, names, and where each stands in the text): what
 * an index of the list is built from (index-file.ts).
 */
export function scanAtrListEntries(text: string): readonly ScannedEntry[] {
  return scanAtrList(text);
}

/** True when the text has the list's shape: at least one pattern followed by a description. */
export function looksLikeAtrList(text: string): boolean {
  return /^[0-9A-Fa-f.[][^\n]*\r?\n\t\S/m.test(text);
}

interface Compiled {
  entry: AtrListEntry;
  /** Its place in the list. */
  index: number;
  /** The upper-case text every ATR it matches starts with ('' when unknown). */
  prefix: string;
  /** Compiled on first use (undefined: not yet; null: JavaScript cannot read the pattern). */
  re?: RegExp | null;
}

const EXACT = /^[0-9A-F]{2}( [0-9A-F]{2})*$/;

/** Whether a pattern (upper-case) is one ATR written out, matched by equality rather than as a regular expression. */
export function isExactPattern(upper: string): boolean {
  return EXACT.test(upper);
}

/** Hex digits, spaces and '.': most of the patterns that are not exact (218 of 238 in the list). */
const DOTTED = /^[0-9A-Fa-f .]*$/;

/**
 * Whether a pattern that is not exact matches the ATR (`spaced`: upper-case, space-separated), as
 * ATR_analysis matches it (/^pattern$/i), only when the ATR starts with its literal beginning. A
 * pattern of hex digits, spaces and '.' matches as that regular expression does without one being
 * compiled (compiling one costs ~20 µs, and an ATR starting "3B " is the beginning of ~70): an ATR
 * of its length whose every character is its own, but where it has a '.' (any character; case
 * ignored). Any other is compiled; `compiled` keeps it (null: JavaScript cannot read the pattern,
 * left out: none in the list today).
 */
export function patternMatches(
  pattern: string,
  prefix: string,
  spaced: string,
  compiled: { re?: RegExp | null } = {},
): boolean {
  if (!spaced.startsWith(prefix)) return false;
  if (DOTTED.test(pattern)) {
    if (pattern.length !== spaced.length) return false;
    // Upper and lower case fold together by bit 0x20; digits and space have it already.
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      if (c !== 46 && (c | 0x20) !== (spaced.charCodeAt(i) | 0x20)) return false;
    }
    return true;
  }
  if (compiled.re === undefined) {
    try {
      compiled.re = new RegExp(`^(?:${pattern})$`, 'i');
    } catch {
      compiled.re = null;
    }
  }
  return compiled.re?.test(spaced) ?? false;
}

/**
 * Builds a matcher: exact patterns through a map, the few regular expressions one by one. A
 * regular expression is compiled only when the ATR starts with its literal beginning ("3B 8F 80
 * 01 80 4F 0C A0 00 00 03 06 .."): a lookup compiles a handful of the ~240, not all of them.
 */
export function compileAtrList(file: string, entries: AtrListEntry[]): AtrList {
  const patterns: Compiled[] = [];
  /** Index in `entries` of each exact pattern, by its upper-case text. */
  const exact = new Map<string, number[]>();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as AtrListEntry;
    const upper = entry.pattern.toUpperCase();
    if (isExactPattern(upper)) {
      const list = exact.get(upper);
      if (list) list.push(i);
      else exact.set(upper, [i]);
    } else patterns.push({ entry, index: i, prefix: literalPrefix(upper) });
  }
  return {
    file,
    entries,
    match(atr: Uint8Array): AtrMatch[] {
      const spaced = formatHex(atr);
      const hits = new Set<number>(exact.get(spaced) ?? []);
      for (const p of patterns) if (patternMatches(p.entry.pattern, p.prefix, spaced, p)) hits.add(p.index);
      return [...hits]
        .sort((a, b) => a - b)
        .map((i) => {
          const e = entries[i] as AtrListEntry;
          return { pattern: e.pattern, ...splitNames(e.names) };
        });
    },
  };
}

/**
 * The literal text every match of a pattern starts with: up to its first regular-expression
 * character (less the character a quantifier makes optional); '' when the pattern has an
 * alternation anywhere, whose branches begin differently.
 */
export function literalPrefix(upper: string): string {
  if (upper.includes('|')) return '';
  const meta = upper.search(/[\\.[\](){}*+?^$]/);
  if (meta < 0) return upper;
  return upper.slice(0, '*+?{'.includes(upper[meta] as string) ? Math.max(0, meta - 1) : meta);
}

/**
 * The matches of one ATR (`spaced`: upper-case, space-separated), in file order, straight from the
 * text, without a compiled list. One native regular expression over the whole text finds the
 * pattern lines that could match, as literalPrefix says (their literal beginning, ignoring case, is
 * a beginning of the ATR, less a character a quantifier follows); lines with an alternation are
 * found apart. Only those run as /^(?:…)$/i. A loop over the text's characters in JavaScript ran
 * cold (interpreted) and cost as much as compiling the list.
 */
function matchOnce(text: string, spaced: string): AtrMatch[] {
  let nested = '';
  for (let i = spaced.length - 1; i >= 0; i--) nested = `(?:${spaced[i] as string}${nested})?`;
  // `spaced` is hex digits and spaces: nothing to escape. Then a regular-expression character, a
  // character a quantifier follows, or the end of the line.
  const finder = new RegExp(`^${nested}(?:[\\\\.[\\](){}*+?^$|]|[^\\n][*+?{]|\\r?$)`, 'gim');
  const starts = new Set<number>();
  const lineStart = (at: number): number => text.lastIndexOf('\n', at - 1) + 1;
  for (let m = finder.exec(text); m; m = finder.exec(text)) {
    starts.add(lineStart(m.index));
    if (m[0] === '') finder.lastIndex++; // an empty line: step on
  }
  for (let bar = text.indexOf('|'); bar >= 0; bar = text.indexOf('|', bar + 1)) starts.add(lineStart(bar));
  const out: AtrMatch[] = [];
  for (const start of [...starts].sort((a, b) => a - b)) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const first = text.charCodeAt(start);
    if (stop === start || first === 35 || first === 9) continue; // blank, a comment, a name
    const pattern = text.slice(start, stop);
    if (patternMatches(pattern, '', spaced))
      out.push({ pattern, ...splitNames(new ScannedEntry(pattern, 0, text, end + 1).names) });
  }
  return out;
}

/** The list is about 1 MB; more is not a list. */
export const MAX_LIST_BYTES = 16 * 1024 * 1024;

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
  return atrListFromText(file, text.toString('utf8'));
}

/**
 * A list from its text: matches as compileAtrList(parseAtrList(text)) does, reading only the names
 * it returns. The first lookup walks the text once without building the list (`pcsc atr HEX` asks
 * one: compiling ~4,000 patterns cost it ~0.25× `node -e 0`); a second one compiles the list.
 */
export function atrListFromText(file: string, text: string): AtrList {
  let lookups = 0;
  let compiled: AtrList['match'] | undefined;
  let entries: AtrListEntry[] | undefined;
  return {
    file,
    match(atr: Uint8Array): AtrMatch[] {
      if (lookups++ === 0) return matchOnce(text, formatHex(atr));
      return (compiled ??= compileAtrList(file, scanAtrList(text)).match)(atr);
    },
    get entries(): AtrListEntry[] {
      return (entries ??= parseAtrList(text));
    },
  };
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
