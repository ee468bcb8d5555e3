// Runs a parsed APDU script on a card: T=0 procedure handling, resets, expected statuses, timing.
// Status words are data: only an unmet expectation stops the script, and it is returned, not thrown.

import { PcscError, Scard, hex32, isPcscError } from '../errors.js';
import type { Card, CardProtocol } from '../scard/types.js';
import { redactCommandHex } from '../card/redact.js';
import type { ApduItem, ScriptItem } from './parse.js';
import { matchSw } from '../card/sw.js';
import { exchange, type Step } from '../card/t0.js';

export interface ApduRecord {
  kind: 'apdu';
  /** Position among the script's APDUs, from 1. */
  index: number;
  item: ApduItem;
  /** "APDU 3 (line 7)", "--select": how messages name this APDU. */
  label: string;
  data: Buffer;
  sw: number | null;
  /** False when the status is not one the script expected. */
  matched: boolean;
  steps: Step[];
  limitReached: boolean;
  durationNs: bigint;
}

export interface ResetRecord {
  kind: 'reset';
  line: number;
  atr: Buffer;
  protocol: CardProtocol | null;
  durationNs: bigint;
}

export type RunRecord = ApduRecord | ResetRecord;

export interface RunOptions {
  /** --raw: no GET RESPONSE after 61xx, no re-send after 6Cxx. */
  raw?: boolean;
  maxRounds?: number;
  signal?: AbortSignal;
  /** Called as each record is ready, to print as the script goes. */
  onRecord?: (r: RunRecord) => void;
  /** Show secret bytes in error messages. */
  showSecrets?: boolean;
  /** Reader protocols a `reset` may pick (default T=0 or T=1). */
  protocols?: readonly ('T=0' | 'T=1' | 'RAW')[];
  /** Bound on each card answer, ms. */
  timeout?: number;
}

export interface RunOutcome {
  records: RunRecord[];
  /** The APDU whose status was not the expected one; the script stopped there. */
  mismatch: ApduRecord | null;
}

/** The most bytes of an APDU an error message quotes (a 65,544-byte APDU must not make a 200 kB line). */
const MESSAGE_BYTES = 24;

export function labelOf(item: ApduItem, index: number): string {
  if (item.label) return item.label;
  return item.line > 0 ? `APDU ${index} (line ${item.line})` : `APDU ${index}`;
}

/** An error from the card or reader, naming the APDU it happened on, with what ran before it. */
export class ScriptAbort extends PcscError {
  readonly records: RunRecord[];
  readonly where: string;
  constructor(cause: PcscError, where: string, records: RunRecord[]) {
    super(cause.code, `${where}${cause.detail && cause.detail !== 'transmit' ? ` (${cause.detail})` : ''}`, { cause });
    this.name = 'ScriptAbort';
    this.records = records;
    this.where = where;
  }
}

export async function runScript(card: Card, items: readonly ScriptItem[], opts: RunOptions = {}): Promise<RunOutcome> {
  const records: RunRecord[] = [];
  let index = 0;
  // raw: runApdu follows 61xx/6Cxx itself (or not, with opts.raw) and records every step.
  const send = (apdu: Buffer): Promise<Buffer> =>
    card.transmit(apdu, { raw: true, signal: opts.signal, timeout: opts.timeout });
  for (const item of items) {
    if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'interrupted');
    let rec: RunRecord;
    if (item.kind === 'reset') {
      rec = await guard(
        records,
        () => `during the reset on line ${item.line}`,
        () => reset(card, item.line, opts),
      );
    } else {
      if (!item.label) index++;
      const label = labelOf(item, index);
      const where = (): string =>
        `during ${label}: ${redactCommandHex(item.bytes, { show: opts.showSecrets, max: MESSAGE_BYTES })}`;
      rec = await guard(records, where, () => runApdu(send, item, index, label, opts), card);
    }
    records.push(rec);
    opts.onRecord?.(rec);
    if (rec.kind === 'apdu' && !rec.matched) return { records, mismatch: rec };
  }
  return { records, mismatch: null };
}

export async function runApdu(
  send: (a: Buffer) => Promise<Buffer>,
  item: ApduItem,
  index: number,
  label: string,
  opts: RunOptions,
): Promise<ApduRecord> {
  const raw = opts.raw ?? false;
  const t = await exchange(send, item.bytes, { getResponse: !raw, fixLe: !raw, maxRounds: opts.maxRounds });
  // pcscd reports success with an empty answer when vpcd's card vanishes mid-exchange.
  if (t.sw === null)
    throw new PcscError(
      Scard.W_UNRESPONSIVE_CARD,
      `the card answered ${t.data.length} byte${t.data.length === 1 ? '' : 's'}, without a status word`,
    );
  const durationNs = t.steps.reduce((a, s) => a + s.durationNs, 0n);
  const matched = item.expect === null || (t.sw !== null && matchSw(item.expect, t.sw));
  return {
    kind: 'apdu',
    index,
    item,
    label,
    data: t.data,
    sw: t.sw,
    matched,
    steps: t.steps,
    limitReached: t.limitReached,
    durationNs,
  };
}

async function reset(card: Card, line: number, opts: RunOptions): Promise<ResetRecord> {
  const start = process.hrtime.bigint();
  const protocol = await card.reconnect({ initialization: 'reset', protocols: opts.protocols, signal: opts.signal });
  const status = await card.status();
  return { kind: 'reset', line, atr: status.atr, protocol, durationNs: process.hrtime.bigint() - start };
}

async function guard<T>(records: RunRecord[], where: () => string, fn: () => Promise<T>, card?: Card): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isPcscError(e) || e instanceof ScriptAbort) throw e;
    if (card && VAGUE.has(e.code) && (await cardGone(card))) {
      const why = e.detail?.startsWith('the card answered') ? e.detail : `the exchange failed with ${hex32(e.code)}`;
      const removed = new PcscError(Scard.W_REMOVED_CARD, why, { cause: e });
      throw new ScriptAbort(removed, where(), records);
    }
    throw new ScriptAbort(e, where(), records);
  }
}

/** What pcscd answers when the card leaves in the middle of an exchange, before it notices. */
const VAGUE = new Set<number>([Scard.E_NOT_TRANSACTED, Scard.W_UNRESPONSIVE_CARD, Scard.E_READER_UNAVAILABLE]);

/** pcscd polls the reader a few times a second; give it a second to notice a removal. */
async function cardGone(card: Card): Promise<boolean> {
  for (let i = 0; i < 10; i++) {
    try {
      const st = await card.status();
      if (st.state.includes('ABSENT')) return true;
    } catch (e) {
      if (isPcscError(e, Scard.W_REMOVED_CARD) || isPcscError(e, Scard.E_NO_SMARTCARD)) return true;
      return false;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export interface RepeatOutcome {
  /** Rounds run to the end. */
  rounds: number;
  /** Script APDUs sent (each counted once, whatever GET RESPONSE it took). */
  apdus: number;
  /** Commands that went to the card, GET RESPONSE and re-sends included. */
  transmissions: number;
  durationNs: bigint;
  /** The records of the last round (complete or not). */
  records: RunRecord[];
  mismatch: ApduRecord | null;
  /** The signal stopped the run between two rounds. */
  interrupted: boolean;
}

/** Runs the script `count` times without reporting each APDU (soak tests, benchmarks). */
export async function repeatScript(
  card: Card,
  items: readonly ScriptItem[],
  count: number,
  opts: RunOptions = {},
): Promise<RepeatOutcome> {
  let apdus = 0;
  let transmissions = 0;
  let rounds = 0;
  let last: RunOutcome = { records: [], mismatch: null };
  const start = process.hrtime.bigint();
  // The signal is checked between rounds only: handing it to every transmit costs an abort
  // listener per APDU, measurable at thousands of APDUs per second.
  const quiet = { ...opts, onRecord: undefined, signal: undefined };
  let interrupted = false;
  for (; rounds < count; rounds++) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    try {
      last = await runScript(card, items, quiet);
    } catch (e) {
      if (e instanceof ScriptAbort && count > 1) {
        throw new ScriptAbort(e.cause as PcscError, `in round ${rounds + 1} of ${count}, ${e.where}`, e.records);
      }
      throw e;
    }
    for (const r of last.records) {
      if (r.kind !== 'apdu') continue;
      apdus++;
      transmissions += r.steps.length;
    }
    if (last.mismatch) break;
  }
  return {
    rounds,
    apdus,
    transmissions,
    durationNs: process.hrtime.bigint() - start,
    records: last.records,
    mismatch: last.mismatch,
    interrupted,
  };
}
