// The `pcsc apdu --json` contract (docs/apdu.md): what one run returns, built from the runner's records.

import {
  describeSw,
  toHex,
  type CardProtocol,
  type ErrorJson,
  type Feature,
  type ShareMode,
  type TlvProperty,
} from '../../core/index.js';
import { redactCommandHex, swPatternsText, type RunRecord } from '../../core/script/index.js';

export interface StepJson {
  command: string;
  /** The card's whole answer, status word included. */
  response: string;
  reason: 'command' | 'get-response' | 'resend';
  durationUs: number;
}

export interface ApduExchangeJson {
  kind: 'apdu';
  /** Position among the script's APDUs, from 1 (0 for --select). */
  index: number;
  /** Script line, when the APDU came from a script. */
  line?: number;
  /** The command as sent first; secret bytes are `**` unless --show-secrets. */
  command: string;
  /** Response data (GET RESPONSE chains concatenated), without the status word. */
  response: string;
  /** Four hex digits; "" when the card answered fewer than 2 bytes. */
  sw: string;
  meaning: string;
  durationUs: number;
  /** The statuses the script allowed ("9000|61XX"), when it gave any. */
  expected?: string;
  matched: boolean;
  /** Every command sent for this APDU, when there was more than one. */
  steps?: StepJson[];
  /** The GET RESPONSE chain was cut at the loop limit. */
  limitReached?: true;
}

export interface ResetJson {
  kind: 'reset';
  line: number;
  atr: string;
  protocol: CardProtocol | null;
  durationUs: number;
}

export type ExchangeJson = ApduExchangeJson | ResetJson;

export interface ControlJson {
  /** The control code, 0x42000D48 style. */
  code: string;
  command: string;
  response: string;
  durationUs: number;
  /** For CM_IOCTL_GET_FEATURE_REQUEST: the reader's PC/SC part 10 features. */
  features?: { tag: number; name: string; controlCode: string }[];
  /** For FEATURE_GET_TLV_PROPERTIES (asked for automatically when listed). */
  properties?: TlvProperty[];
}

export interface RepeatJson {
  rounds: number;
  apdus: number;
  transmissions: number;
  durationUs: number;
  perApduUs: number;
  apduPerSecond: number;
}

export interface ApduResult {
  reader: string;
  protocol: CardProtocol | null;
  share: ShareMode;
  atr: string;
  /** Everything that happened, in order; with --repeat, the last round. */
  exchanges: ExchangeJson[];
  control?: ControlJson;
  repeat?: RepeatJson;
  /** Why the run stopped early (an unexpected status, the card removed …). */
  error?: ErrorJson;
}

export const us = (ns: bigint): number => Number(ns / 1000n);

export function exchangeJson(r: RunRecord, showSecrets: boolean): ExchangeJson {
  if (r.kind === 'reset')
    return { kind: 'reset', line: r.line, atr: toHex(r.atr), protocol: r.protocol, durationUs: us(r.durationNs) };
  const first = r.steps[0];
  const out: ApduExchangeJson = {
    kind: 'apdu',
    index: r.item.label ? 0 : r.index,
    ...(r.item.line > 0 ? { line: r.item.line } : {}),
    command: redactCommandHex(first ? first.command : r.item.bytes, { show: showSecrets, sep: '' }),
    response: toHex(r.data),
    sw: r.sw === null ? '' : describeSw(r.sw).sw,
    meaning:
      r.sw === null
        ? `No status word: the card answered ${r.data.length} byte${r.data.length === 1 ? '' : 's'}`
        : describeSw(r.sw).meaning,
    durationUs: us(r.durationNs),
    ...(r.item.expect ? { expected: swPatternsText(r.item.expect) } : {}),
    matched: r.matched,
  };
  if (r.steps.length > 1) {
    out.steps = r.steps.map((s) => ({
      command: redactCommandHex(s.command, { show: showSecrets, sep: '' }),
      response: toHex(s.response),
      reason: s.reason,
      durationUs: us(s.durationNs),
    }));
  }
  if (r.limitReached) out.limitReached = true;
  return out;
}

export function featuresJson(list: Feature[]): ControlJson['features'] {
  return list.map((f) => ({
    tag: f.tag,
    name: f.name,
    controlCode: '0x' + f.controlCode.toString(16).toUpperCase().padStart(8, '0'),
  }));
}
