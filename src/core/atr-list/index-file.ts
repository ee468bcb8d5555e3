// An index of the ATR list in the user's cache ($XDG_CACHE_HOME/pcsc/atr-list.index), so that
// `pcsc atr HEX` reads the few entries that match instead of the whole list (~500 kB, ~15,000
// lines) at every start. It holds each exact pattern (one ATR written out, upper-case) with the
// byte span of its entry in the list, and each other pattern with its span and its text. A lookup
// finds the exact ones with indexOf, tests the others as compileAtrList does (patternMatches), and
// reads only the spans that match, each checked against the pattern the index expects.
//
// Its key is the list's identity (path, device, inode, size, modification and change times): any
// other and it is built again, from the list as loadAtrList reads it. It is written to a file of
// its own, then renamed over the old one: readers and concurrent writers see a whole index or
// none. A cache that cannot be written (read-only, not a directory, full) costs nothing but the
// index: every lookup then reads the list as before. Results are always loadAtrList's.

import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatHex } from '../bytes/hex.js';
import { userCacheDir } from '../user-cache.js';
import { readUserFile } from '../user-file.js';
import {
  atrListFromText,
  isExactPattern,
  literalPrefix,
  loadAtrList,
  MAX_LIST_BYTES,
  patternMatches,
  scanAtrListEntries,
  splitNames,
  type AtrMatch,
} from './list.js';

const FORMAT = 'pcsc atr-list index 1';
/** The last line: an index cut short (a full disk, an edit) is not one. */
const END = 'end';

/** The list and its lookups (which read the entries they return from the list, when indexed). */
export interface AtrListLookup {
  file: string;
  match(atr: Uint8Array): AtrMatch[];
}

/** Where the index is kept: $XDG_CACHE_HOME/pcsc/atr-list.index (~/.cache/… when unset). */
export function atrListIndexPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(userCacheDir(env), 'pcsc', 'atr-list.index');
}

/** The list's identity, as the index's second line. */
function keyOf(file: string, st: BigIntStats): string {
  return JSON.stringify([file, ...[st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].map(String)]);
}

/** The index of a list's text, or null when its bytes are not its text as UTF-8 (no byte spans then). */
export function buildAtrListIndex(key: string, bytes: Buffer, text: string): string | null {
  if (!bytes.equals(Buffer.from(text, 'utf8'))) return null;
  const exact: string[] = [];
  const other: string[] = [];
  let at = 0; // bytes before `char`
  let char = 0;
  for (const e of scanAtrListEntries(text)) {
    at += Buffer.byteLength(text.slice(char, e.start));
    char = e.start;
    const span = `${at}\t${Buffer.byteLength(text.slice(e.start, e.end))}`;
    const upper = e.pattern.toUpperCase();
    if (isExactPattern(upper)) exact.push(`${upper}\t${span}`);
    else other.push(`R\t${span}\t${e.pattern}`);
  }
  return [FORMAT, key, ...exact, ...other, END, ''].join('\n');
}

interface Span {
  at: number;
  length: number;
  /** The pattern the entry must have (its text; an exact one: its upper-case text). */
  pattern: string;
  exact: boolean;
}

/** The entries of the index that match `spaced` (upper-case, space-separated), in list order. */
export function indexSpans(index: string, spaced: string): Span[] {
  const spans: Span[] = [];
  const needle = `\n${spaced}\t`;
  for (let i = index.indexOf(needle); i >= 0; i = index.indexOf(needle, i + 1)) {
    const end = index.indexOf('\n', i + 1);
    const [at, length] = index.slice(i + needle.length, end < 0 ? index.length : end).split('\t');
    spans.push({ at: Number(at), length: Number(length), pattern: spaced, exact: true });
  }
  for (let i = index.indexOf('\nR\t'); i >= 0; i = index.indexOf('\nR\t', i + 1)) {
    const end = index.indexOf('\n', i + 1);
    const line = index.slice(i + 3, end < 0 ? index.length : end);
    const t1 = line.indexOf('\t');
    const t2 = line.indexOf('\t', t1 + 1);
    const pattern = line.slice(t2 + 1);
    if (patternMatches(pattern, literalPrefix(pattern.toUpperCase()), spaced))
      spans.push({ at: Number(line.slice(0, t1)), length: Number(line.slice(t1 + 1, t2)), pattern, exact: false });
  }
  return spans.sort((a, b) => a.at - b.at);
}

/**
 * The list `file` with its lookups through the index at `index` (built first when missing or
 * stale). A list that cannot be read fails as loadAtrList fails.
 */
export async function openAtrListIndexed(
  file: string,
  opts: { index?: string; signal?: AbortSignal | undefined } = {},
): Promise<AtrListLookup> {
  const indexFile = opts.index ?? atrListIndexPath();
  let key: string;
  try {
    key = keyOf(file, await stat(file, { bigint: true }));
  } catch {
    return loadAtrList(file, { signal: opts.signal });
  }
  const index = await readIndex(indexFile, key);
  if (index !== null) return { file, match: (atr) => lookup(file, key, index, atr) };
  const bytes = await readUserFile(file, {
    what: 'ATR list',
    maxBytes: MAX_LIST_BYTES,
    holds: 'an ATR list',
    signal: opts.signal,
  });
  const text = bytes.toString('utf8');
  // The list as read is the list the key names: it did not change while being read.
  const after = await stat(file, { bigint: true }).catch(() => null);
  if (after && keyOf(file, after) === key) await writeIndex(indexFile, () => buildAtrListIndex(key, bytes, text));
  return atrListFromText(file, text);
}

/** The index when it is one and its key is `key`; null otherwise (missing, stale, unreadable, not an index). */
async function readIndex(indexFile: string, key: string): Promise<string | null> {
  let text: string;
  try {
    text = (
      await readUserFile(indexFile, { what: 'ATR list index', maxBytes: 4 * MAX_LIST_BYTES, holds: 'an index' })
    ).toString('utf8');
  } catch {
    return null;
  }
  return text.startsWith(`${FORMAT}\n${key}\n`) && text.endsWith(`\n${END}\n`) ? text : null;
}

/**
 * The matches of `atr`: the entries the index names, read from the list. Should the list have
 * changed since the index was read (or an entry not be where the index says), the whole list as it
 * is now; a list gone or no longer a file matches nothing.
 */
function lookup(file: string, key: string, index: string, atr: Uint8Array): AtrMatch[] {
  const spaced = formatHex(atr);
  const spans = indexSpans(index, spaced);
  if (spans.length === 0) return [];
  let fd: number;
  try {
    // Not blocking: the key says a regular file, but what is at the path now may be a FIFO.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return [];
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    const read = (at: number, length: number): string => {
      const buf = Buffer.allocUnsafe(length);
      let n = 0;
      for (let got = -1; n < length && got !== 0; n += got) got = readSync(fd, buf, n, length - n, at + n);
      return buf.toString('utf8', 0, n);
    };
    if (keyOf(file, st) === key) {
      const out: AtrMatch[] = [];
      for (const s of spans) {
        const [e] = scanAtrListEntries(read(s.at, s.length));
        if (!e || e.start !== 0 || (s.exact ? e.pattern.toUpperCase() : e.pattern) !== s.pattern) break;
        out.push({ pattern: e.pattern, ...splitNames(e.names) });
      }
      if (out.length === spans.length) return out;
    }
    if (!st.isFile() || st.size > BigInt(MAX_LIST_BYTES)) return [];
    return atrListFromText(file, read(0, Number(st.size))).match(atr);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the index atomically: a new file of its own in the same directory (created, never opened
 * over another), then renamed over the index. The text is built only once that file is open, so
 * a cache that cannot be written costs no build. Any failure leaves no file behind and is not one.
 */
async function writeIndex(indexFile: string, build: () => string | null): Promise<void> {
  const tmp = `${indexFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  let fh: FileHandle | undefined;
  try {
    await mkdir(dirname(indexFile), { recursive: true, mode: 0o700 });
    fh = await open(tmp, 'wx', 0o600);
    const text = build();
    if (text === null) throw new Error('not indexable');
    await fh.writeFile(text, 'utf8');
    await fh.close();
    fh = undefined;
    await rename(tmp, indexFile);
  } catch {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}
