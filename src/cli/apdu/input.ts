// Where `pcsc apdu` gets its APDUs: arguments, -f FILE, or a script on stdin; --select goes first.

import { buildApdu, parseHex, UsageError } from '../../core/index.js';
import { parseApduText, parseScript, parseSwPatterns, readUserFile, type ScriptItem } from '../../core/script/index.js';
import { readStdinText } from '../stdin.js';

/** A script bigger than this is a mistake (a binary file, a device). */
const MAX_SCRIPT_BYTES = 16 * 1024 * 1024;

export interface InputOptions {
  args: readonly string[];
  file?: string | undefined;
  select?: string | undefined;
  validate: boolean;
  /** Read a script from stdin when nothing else gives APDUs (stdin is not a terminal). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Ctrl-C: stops reading a script. */
  signal?: AbortSignal | undefined;
}

export async function gatherItems(o: InputOptions): Promise<ScriptItem[]> {
  if (o.args.length > 0 && o.file !== undefined) {
    throw new UsageError('give APDUs as arguments or with -f FILE, not both', 'EUSAGE');
  }
  let items: ScriptItem[] = [];
  if (o.select !== undefined) items.push(selectItem(o.select));
  if (o.args.length > 0) {
    o.args.forEach((a, i) =>
      items.push({ kind: 'apdu', line: 0, ...parseApduText(a, { what: `APDU ${i + 1}`, validate: o.validate }) }),
    );
  } else if (o.file !== undefined && o.file !== '-') {
    const text = await readUserFile(o.file, {
      what: '-f',
      maxBytes: MAX_SCRIPT_BYTES,
      holds: 'an APDU script',
      signal: o.signal,
    });
    // Not push(...items): a script of a million APDUs would overflow the call stack.
    items = items.concat(parseScript(text.toString('utf8'), { name: o.file, validate: o.validate }));
  } else if (o.file === '-' || (o.stdin && !o.stdin.isTTY)) {
    const text = await readStdinText(o.stdin ?? process.stdin, {
      maxBytes: MAX_SCRIPT_BYTES,
      holds: 'an APDU script',
      signal: o.signal,
    });
    items = items.concat(parseScript(text, { name: 'stdin', validate: o.validate }));
  }
  if (items.length === 0) {
    throw new UsageError(
      'no APDU to send: give APDUs as arguments, a script with -f FILE, or a script on stdin',
      'EUSAGE',
    );
  }
  return items;
}

/** SELECT by DF name (ISO 7816-4 §11.2.2), first or only occurrence, asking for the FCI. */
export function selectItem(aidText: string): ScriptItem {
  const aid = parseHex(aidText, { what: '--select' });
  if (aid.length < 1 || aid.length > 16) {
    throw new UsageError(`--select: an AID has 1 to 16 bytes (usually 5 to 16), got ${aid.length}`, 'EAPDU');
  }
  return {
    kind: 'apdu',
    line: 0,
    bytes: buildApdu({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: aid, ne: 256 }),
    expect: parseSwPatterns('9000|61XX|62XX'),
    label: `SELECT ${aid.toString('hex').toUpperCase()} (--select)`,
  };
}
