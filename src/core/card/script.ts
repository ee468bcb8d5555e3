// APDU scripts: scriptor's format (hex lines, `#` comments, blank lines, `reset`, `exit`, lines
// continued by a trailing `\`) plus an expected status after `=` (`00A4040000=9000`, `=61XX`).

import { parseHex } from '../bytes/hex.js';
import { UsageError } from '../errors.js';
import { MAX_BUFFER_SIZE_EXTENDED } from '../pcscd/codes.js';
import { parseApdu } from './apdu.js';
import { parseSwPatterns, type SwPattern } from './sw.js';

export interface ApduItem {
  kind: 'apdu';
  /** Line where the APDU starts (1-based); 0 for APDUs given as arguments. */
  line: number;
  bytes: Buffer;
  /** Statuses that let the script go on; null when any status is fine. */
  expect: SwPattern[] | null;
  /** How messages name an APDU the user did not number (the one --select adds). */
  label?: string;
}

export interface ResetItem {
  kind: 'reset';
  line: number;
}

export type ScriptItem = ApduItem | ResetItem;

export interface ApduTextOptions {
  /** Names the APDU in messages: "APDU 2", "script.apdu line 7". */
  what: string;
  /** Check the APDU against ISO 7816-4's cases (default true); off, any 1…65548 bytes go. */
  validate?: boolean;
}

/** One APDU as written on a command line or a script line: `HEX` or `HEX=SW[|SW…]`. */
export function parseApduText(text: string, opts: ApduTextOptions): { bytes: Buffer; expect: SwPattern[] | null } {
  const eq = text.indexOf('=');
  if (eq >= 0 && text.indexOf('=', eq + 1) >= 0) {
    throw new UsageError(
      `${opts.what}: more than one "=" in "${text.trim()}"; write HEX=SW, e.g. 00A4040000=9000`,
      'ESCRIPT',
    );
  }
  const hexText = eq >= 0 ? text.slice(0, eq) : text;
  const expect = eq >= 0 ? parseSwPatterns(text.slice(eq + 1), `${opts.what}: expected status`) : null;
  const bytes = parseHex(hexText, { what: opts.what });
  if (bytes.length === 0) throw new UsageError(`${opts.what}: no APDU bytes before "="`, 'EAPDU');
  if (opts.validate ?? true) {
    parseApdu(bytes, { what: opts.what });
  } else if (bytes.length > MAX_BUFFER_SIZE_EXTENDED) {
    throw new UsageError(
      `${opts.what}: too long: ${bytes.length} bytes, pcscd takes at most ${MAX_BUFFER_SIZE_EXTENDED}`,
      'EAPDU',
    );
  }
  return { bytes, expect };
}

export interface ParseScriptOptions {
  /** The script's name in messages (a file name, or "stdin"). */
  name?: string;
  validate?: boolean;
}

/**
 * Parses a whole script before anything is sent, so a typo on the last line stops the script
 * before its first APDU. Unlike scriptor, `reset` and `exit` count only as whole lines (scriptor
 * also stops at a comment that merely contains the word "exit").
 */
export function parseScript(text: string, opts: ParseScriptOptions = {}): ScriptItem[] {
  const name = opts.name ?? 'script';
  const items: ScriptItem[] = [];
  const lines = text.split('\n');
  let pending = '';
  let pendingLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const num = i + 1;
    const hash = (lines[i] as string).indexOf('#');
    const content = (hash >= 0 ? (lines[i] as string).slice(0, hash) : (lines[i] as string)).replace(/\r$/, '').trim();
    if (content === '') continue;
    if (pending === '') {
      const word = content.toLowerCase();
      if (word === 'exit' || word === 'quit') break;
      if (word === 'reset') {
        items.push({ kind: 'reset', line: num });
        continue;
      }
    }
    if (content.endsWith('\\')) {
      if (pending === '') pendingLine = num;
      pending += content.slice(0, -1) + ' ';
      continue;
    }
    const start = pending === '' ? num : pendingLine;
    const full = pending + content;
    pending = '';
    const what = `${name} line ${start}`;
    if (/^[a-z]/i.test(full) && !/^[0-9a-f]{2}/i.test(full)) {
      throw new UsageError(`${what}: "${full}" is neither hex nor a command (reset, exit)`, 'ESCRIPT');
    }
    items.push({ kind: 'apdu', line: start, ...parseApduText(full, { what, validate: opts.validate }) });
  }
  if (pending !== '') {
    throw new UsageError(
      `${name} line ${pendingLine}: the APDU continues with "\\" but the script ends there`,
      'ESCRIPT',
    );
  }
  return items;
}
