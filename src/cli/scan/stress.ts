// `pcsc scan -s`: pcsc_scan's stress mode. On a present card, rounds of 100 SELECT MF
// (00 A4 00 00 02 3F 00) in shared mode, each timed, until an error (usually: the card left). One
// command per APDU, as pcsc_scan sends: raw, no GET RESPONSE after 61xx.

import { PcscError, type Context } from '../../core/index.js';
import type { StressEvent } from './result.js';

const SELECT_MF = Buffer.from([0x00, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00]);
export const STRESS_ROUND = 100;

export async function* stressCard(
  ctx: Context,
  reader: string,
  signal: AbortSignal,
  now = (): Date => new Date(),
): AsyncGenerator<StressEvent> {
  let card;
  try {
    card = await ctx.connect(reader, { share: 'shared', protocols: ['T=0', 'T=1'], signal });
  } catch (e) {
    yield failed(reader, e, now);
    return;
  }
  try {
    while (!signal.aborted) {
      const t0 = process.hrtime.bigint();
      let done = 0;
      let error: unknown;
      try {
        for (; done < STRESS_ROUND && !signal.aborted; done++) await card.transmit(SELECT_MF, { raw: true, signal });
      } catch (e) {
        error = e;
      }
      const durationUs = Number((process.hrtime.bigint() - t0) / 1000n);
      if (signal.aborted) return;
      const ev: StressEvent = {
        event: 'stress',
        time: now().toISOString(),
        reader,
        apdus: done,
        durationUs,
        apdusPerSecond: durationUs > 0 ? (done * 1e6) / durationUs : 0,
      };
      if (error !== undefined) {
        yield { ...ev, error: errorJson(error) };
        return;
      }
      yield ev;
    }
  } finally {
    await card.disconnect('unpower').catch(() => undefined);
  }
}

function failed(reader: string, e: unknown, now: () => Date): StressEvent {
  return {
    event: 'stress',
    time: now().toISOString(),
    reader,
    apdus: 0,
    durationUs: 0,
    apdusPerSecond: 0,
    error: errorJson(e),
  };
}

function errorJson(e: unknown): NonNullable<StressEvent['error']> {
  if (e instanceof PcscError) return e.toJSON();
  return { code: 'EINTERNAL', name: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
