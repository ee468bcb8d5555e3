// ISO 7816-4 status words 61xx and 6Cxx (T=0 procedure bytes as the application sees them): GET
// RESPONSE after 61xx (chained, data concatenated) and a re-send with Le = SW2 after 6Cxx.

import { buildApdu, tryParseApdu, withNe } from './apdu.js';

export type Send = (apdu: Buffer) => Promise<Buffer>;

/** What exchange() does on 61xx and 6Cxx, and how many extra commands it may send. */
export interface T0Options {
  /** Fetch the rest with GET RESPONSE after 61xx (default true). */
  getResponse?: boolean;
  /** Re-send the command with Le = SW2 after 6Cxx (default true). */
  fixLe?: boolean;
  /** Most extra commands sent for one APDU (GET RESPONSE rounds plus re-sends); default 256. */
  maxRounds?: number;
  /** Nanosecond clock, for step durations (default process.hrtime.bigint). */
  clock?: () => bigint;
}

/** One command exchange() sent, the card's answer, and why it was sent. */
export interface Step {
  command: Buffer;
  /** The card's answer, data and SW. */
  response: Buffer;
  /** Why this step was sent: the original command, a GET RESPONSE, or a re-send after 6Cxx. */
  reason: 'command' | 'get-response' | 'resend';
  durationNs: bigint;
}

/** The outcome of exchange(): the data of every answer joined, the last status word, and each step. */
export interface T0Result {
  /** Response data of every step, concatenated (without the status words). */
  data: Buffer;
  /** The last status word, or null when the card answered fewer than 2 bytes. */
  sw: number | null;
  steps: Step[];
  /** Set when the loop limit stopped the GET RESPONSE chain. */
  limitReached: boolean;
}

export const GET_RESPONSE_INS = 0xc0;

/**
 * Card.transmit for every backend: `send` once when `raw`, else through exchange(); the answer is
 * the data of every step joined, then the last status word.
 */
export async function transmitFollowing(send: Send, apdu: Uint8Array, raw: boolean | undefined): Promise<Buffer> {
  const command = Buffer.isBuffer(apdu) ? apdu : Buffer.from(apdu.buffer, apdu.byteOffset, apdu.length);
  if (raw) return send(command);
  const r = await exchange(send, command);
  // One step: the card's own answer, no copy (the hot path of APDUs without 61xx/6Cxx).
  if (r.steps.length === 1) return (r.steps[0] as Step).response;
  if (r.sw === null) return r.data;
  const out = Buffer.allocUnsafe(r.data.length + 2);
  r.data.copy(out);
  out.writeUInt16BE(r.sw, r.data.length);
  return out;
}

/**
 * GET RESPONSE keeps the command's class byte (A0 for GSM SIMs, the logical channel bits) but not
 * the command-chaining bit, which only the interindustry classes 00–7F have.
 */
export function getResponseCla(cla: number): number {
  return cla < 0x80 ? cla & ~0x10 : cla;
}

/** The GET RESPONSE command that fetches the SW2 bytes a 61xx announced. */
export function getResponseApdu(cla: number, sw2: number): Buffer {
  return buildApdu({ cla: getResponseCla(cla), ins: GET_RESPONSE_INS, p1: 0, p2: 0, ne: sw2 === 0 ? 256 : sw2 });
}

/** Sends an APDU and follows 61xx with GET RESPONSE and 6Cxx with a re-send carrying Le = SW2 (ISO 7816-4). */
export async function exchange(send: Send, apdu: Buffer, opts: T0Options = {}): Promise<T0Result> {
  const getResponse = opts.getResponse ?? true;
  const fixLe = opts.fixLe ?? true;
  const maxRounds = opts.maxRounds ?? 256;
  const clock = opts.clock ?? process.hrtime.bigint;
  const cla = apdu[0] ?? 0;
  const steps: Step[] = [];
  const chunks: Buffer[] = [];
  let command = apdu;
  let reason: Step['reason'] = 'command';
  let rounds = 0;
  for (;;) {
    const t0 = clock();
    const response = await send(command);
    steps.push({ command, response, reason, durationNs: clock() - t0 });
    if (response.length < 2) {
      chunks.push(response);
      return { data: Buffer.concat(chunks), sw: null, steps, limitReached: false };
    }
    const sw1 = response[response.length - 2] as number;
    const sw2 = response[response.length - 1] as number;
    const sw = (sw1 << 8) | sw2;
    const body = response.subarray(0, response.length - 2);
    const canGoOn = rounds < maxRounds;
    if (sw1 === 0x6c && fixLe && canGoOn && body.length === 0) {
      const parsed = tryParseApdu(command);
      const ne = sw2 === 0 ? 256 : sw2;
      if (parsed && parsed.ne !== ne) {
        command = withNe(parsed, ne);
        reason = 'resend';
        rounds++;
        continue;
      }
    }
    if (sw1 === 0x61 && getResponse) {
      chunks.push(body);
      if (canGoOn) {
        command = getResponseApdu(cla, sw2);
        reason = 'get-response';
        rounds++;
        continue;
      }
      return { data: Buffer.concat(chunks), sw, steps, limitReached: true };
    }
    chunks.push(body);
    return { data: Buffer.concat(chunks), sw, steps, limitReached: false };
  }
}
