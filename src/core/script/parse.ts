// APDU scripts: scriptor's format (hex lines, `#` comments, blank lines, `reset`, `exit`, lines
// continued by a trailing `\`) plus an expected status after `=` (`00A4040000=9000`, `=61XX`).

import { parseHex } from '../bytes/hex.js';
import { UsageError } from '../errors.js';
import { MAX_BUFFER_SIZE_EXTENDED } from '../pcscd/codes.js';
import { parseApdu } from '../card/apdu.js';
import { quoteApduText } from '../card/redact.js';
import { parseSwPatterns, type SwPattern } from '../card/sw.js';

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
    const q = quoteApduText(text);
    throw new UsageError(
      `${opts.what}: more than one "="${q === null ? '' : ` in "${q}"`}; write HEX=SW, e.g. 00A4040000=9000`,
      'ESCRIPT',
    );
  }
  const hexText = eq >= 0 ? text.slice(0, eq) : text;
  const expect = eq >= 0 ? parseSwPatterns(text.slice(eq + 1), `${opts.what}: expected status`) : null;
  // An APDU that does not parse may be a VERIFY with a typo: its messages quote no PIN.
  const bytes = parseHex(hexText, { what: opts.what, quote: quoteApduText });
  if (bytes.length === 0)
    throw new UsageError(
      eq >= 0
        ? `${opts.what}: no APDU bytes before "="`
        : // `pcsc apdu -` (as `pcsc atr -`) or an empty argument: say where a script on stdin goes.
          `${opts.what}: no APDU bytes; give them in hex (00A4040000), or a script with -f FILE (-f - for stdin)`,
      'EAPDU',
    );
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
  let pending = '';
  let pendingLine = 0;
  // Line by line without splitting the text first: a script may have a million lines.
  for (let at = 0, num = 1; at <= text.length; num++) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const line = text.slice(at, nl);
    const hash = line.indexOf('#');
    const content = (hash >= 0 ? line.slice(0, hash) : line).trim();
    at = nl + 1;
    if (content === '') continue;
    if (pending === '') {
      const word = content.length <= 5 ? content.toLowerCase() : '';
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
      // Only the word: what follows it may be an APDU with a PIN.
      const word = (/^\S+/.exec(full)?.[0] ?? '').slice(0, 24);
      throw new UsageError(`${what}: "${word}" is neither hex nor a command (reset, exit)`, 'ESCRIPT');
    }
    const apdu = parseApduText(full, { what, validate: opts.validate });
    items.push({ kind: 'apdu', line: start, bytes: apdu.bytes, expect: apdu.expect });
  }
  if (pending !== '') {
    throw new UsageError(
      `${name} line ${pendingLine}: the APDU continues with "\\" but the script ends there`,
      'ESCRIPT',
    );
  }
  return items;
}
