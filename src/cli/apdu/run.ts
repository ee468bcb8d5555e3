// `pcsc apdu`: connect to the chosen reader, run the script (in one transaction) or a control
// command, and gather the typed result; errors after the first APDU keep what ran before them.

import { noteFallback } from '../backend.js';
import {
  chooseReader,
  Context,
  toHex,
  type BackendName,
  type Card,
  type ProtocolChoice,
  type ShareMode,
} from '../../core/index.js';
import {
  repeatScript,
  runScript,
  ScriptAbort,
  type RunOutcome,
  type RunRecord,
  type ScriptItem,
} from '../../core/script/index.js';
import { controlExchange } from './control.js';
import { exchangeJson, us, type ApduResult } from './result.js';

export interface ApduRunOptions {
  items: ScriptItem[];
  reader?: string | undefined;
  socket?: string | undefined;
  backend?: BackendName | 'auto' | undefined;
  share: ShareMode;
  protocols: ProtocolChoice[];
  transaction: boolean;
  raw: boolean;
  repeat?: number | undefined;
  showSecrets: boolean;
  control?: { code: number; data: Buffer } | undefined;
  signal: AbortSignal;
  onRecord?: (r: RunRecord) => void;
  /** Called when no --reader was given and the only reader with a card was chosen. */
  onReaderWithCard?: (reader: string) => void;
  /** Called once connected, before the first APDU. */
  onConnect?: (r: Pick<ApduResult, 'reader' | 'protocol' | 'atr'>) => void;
}

export interface ApduRun {
  result: ApduResult;
  /** The error that stopped the run after it had started (its records are in the result). */
  failure: Error | null;
  /** The record whose status was not the expected one. */
  mismatch: RunRecord | null;
}

export async function runApdu(o: ApduRunOptions): Promise<ApduRun> {
  await using ctx = await Context.establish({ backend: o.backend, socket: o.socket, signal: o.signal });
  noteFallback(ctx);
  const { reader, by } = await chooseReader(ctx, {
    reader: o.reader,
    cardless: o.share === 'direct',
    signal: o.signal,
  });
  if (by === 'card') o.onReaderWithCard?.(reader);
  await using card = await ctx.connect(reader, { share: o.share, protocols: o.protocols, signal: o.signal });
  const atr = await card.status().then(
    (s) => toHex(s.atr),
    () => '',
  );
  const result: ApduResult = { reader, protocol: card.protocol, share: o.share, atr, exchanges: [] };
  o.onConnect?.(result);
  if (o.control) {
    result.control = await controlExchange(card, o.control.code, o.control.data);
    return { result, failure: null, mismatch: null };
  }
  const opts = {
    raw: o.raw,
    signal: o.signal,
    showSecrets: o.showSecrets,
    onRecord: o.onRecord,
    protocols: o.protocols,
  };
  const body = async (c: Card): Promise<RunOutcome> => {
    if (!o.repeat) return runScript(c, o.items, opts);
    const r = await repeatScript(c, o.items, o.repeat, opts);
    const seconds = Number(r.durationNs) / 1e9;
    result.repeat = {
      rounds: r.rounds,
      apdus: r.apdus,
      transmissions: r.transmissions,
      durationUs: us(r.durationNs),
      perApduUs: r.apdus ? Math.round((Number(r.durationNs) / 1000 / r.apdus) * 10) / 10 : 0,
      apduPerSecond: seconds > 0 ? Math.round(r.apdus / seconds) : 0,
    };
    return r;
  };
  try {
    const out = o.transaction ? await card.transaction(body, { signal: o.signal }) : await body(card);
    result.protocol = card.protocol;
    result.exchanges = out.records.map((r) => exchangeJson(r, o.showSecrets));
    return { result, failure: null, mismatch: out.mismatch };
  } catch (e) {
    if (!(e instanceof ScriptAbort)) throw e;
    result.exchanges = e.records.map((r) => exchangeJson(r, o.showSecrets));
    return { result, failure: e, mismatch: null };
  }
}
