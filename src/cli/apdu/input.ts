// Where `pcsc apdu` gets its APDUs: arguments, -f FILE, or a script on stdin; --select goes first.

import { readFile, stat } from 'node:fs/promises';
// The core's modules, not its index: the index also loads ssh-check, the proxy, the doctor engine
// and the USB transport, start-up time `pcsc apdu` never uses.
import { UsageError } from '../../core/errors.js';
import { parseHex } from '../../core/bytes/hex.js';
import { buildApdu } from '../../core/card/apdu.js';
import { parseApduText, parseScript, type ScriptItem } from '../../core/card/script.js';
import { parseSwPatterns } from '../../core/card/sw.js';
import { unreadableFile } from '../errors.js';

/** A script bigger than this is a mistake (a binary file, a device). */
const MAX_SCRIPT_BYTES = 16 * 1024 * 1024;

export interface InputOptions {
  args: readonly string[];
  file?: string | undefined;
  select?: string | undefined;
  validate: boolean;
  /** Read a script from stdin when nothing else gives APDUs (stdin is not a terminal). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

export async function gatherItems(o: InputOptions): Promise<ScriptItem[]> {
  if (o.args.length > 0 && o.file !== undefined) {
    throw new UsageError('give APDUs as arguments or with -f FILE, not both', 'EUSAGE');
  }
  const items: ScriptItem[] = [];
  if (o.select !== undefined) items.push(selectItem(o.select));
  if (o.args.length > 0) {
    o.args.forEach((a, i) =>
      items.push({ kind: 'apdu', line: 0, ...parseApduText(a, { what: `APDU ${i + 1}`, validate: o.validate }) }),
    );
  } else if (o.file !== undefined && o.file !== '-') {
    items.push(...parseScript(await readScriptFile(o.file), { name: o.file, validate: o.validate }));
  } else if (o.file === '-' || (o.stdin && !o.stdin.isTTY)) {
    items.push(...parseScript(await readStream(o.stdin ?? process.stdin), { name: 'stdin', validate: o.validate }));
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

async function readScriptFile(path: string): Promise<string> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new UsageError(`-f ${path}: not a regular file`, 'EFILE');
    if (st.size > MAX_SCRIPT_BYTES)
      throw new UsageError(`-f ${path}: ${st.size} bytes is too big for an APDU script`, 'EFILE');
    return await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw unreadableFile('-f', path, e);
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > MAX_SCRIPT_BYTES)
      throw new UsageError(`stdin: more than ${MAX_SCRIPT_BYTES} bytes is too big for an APDU script`, 'EFILE');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
