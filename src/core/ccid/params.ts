// ISO 7816-3 §9 (PPS) and CCID rev 1.1 §6.1.7 (SetParameters): the protocol parameters a
// driver derives from an ATR, and the waiting times that bound each exchange.

import type { CcidDescriptor } from './descriptor.js';
import type { AtrParams } from '../card/atr-params.js';
import { DI, FI } from '../card/atr-structure.js';
import type { ProtocolData } from './messages.js';

/** Fi/Di the link may run at: TA1 when the reader can reach the data rate, else the default 0x11. */
export function usableFidi(atr: AtrParams, d: CcidDescriptor): number {
  const fi = FI[atr.fidi >> 4];
  const di = DI[atr.fidi & 0x0f];
  if (fi == null || di == null) return 0x11;
  const rate = (d.defaultClockKHz * 1000 * di) / fi;
  if (d.maxDataRate > 0 && rate > d.maxDataRate * 1.02) return 0x11;
  return atr.fidi;
}

/** PPS request (ISO 7816-3 §9.2): PPSS FF, PPS0 with PPS1 present, PPS1 = Fi/Di, PCK. */
export function ppsRequest(protocol: 0 | 1, fidi: number): Buffer {
  const b = Buffer.from([0xff, 0x10 | protocol, fidi, 0]);
  b[3] = (b[0] as number) ^ (b[1] as number) ^ (b[2] as number);
  return b;
}

/**
 * The Fi/Di a PPS response confirms (ISO 7816-3 §9.3): the echo of the request, or a response without
 * PPS1 (default Fi/Di). Anything else means the card refused: the caller keeps the defaults.
 */
export function ppsConfirmed(request: Uint8Array, response: Uint8Array): number | undefined {
  const r = Buffer.from(response);
  if (r.length < 3 || r[0] !== 0xff) return undefined;
  let x = 0;
  for (const v of r) x ^= v;
  if (x !== 0) return undefined;
  const pps0 = r[1] as number;
  if ((pps0 & 0x0f) !== ((request[1] as number) & 0x0f)) return undefined;
  if (pps0 & 0x10) return r[2] === request[2] ? (r[2] as number) : undefined;
  return 0x11;
}

/** The SetParameters structure for the chosen protocol (CCID tables 6.1-5 and 6.1-6). */
export function protocolData(protocol: 0 | 1, atr: AtrParams, fidi: number, ifsc = atr.ifsc): ProtocolData {
  const inverse = atr.inverse ? 0x02 : 0;
  if (protocol === 0) {
    return {
      protocol: 0,
      fidi,
      tcckst: inverse,
      guardTime: atr.guardTime,
      waitingInteger: atr.t0WaitingInteger,
      clockStop: 0,
    };
  }
  return {
    protocol: 1,
    fidi,
    tcckst: 0x10 | inverse | (atr.crc ? 1 : 0),
    guardTime: atr.guardTime,
    waitingIntegers: atr.t1WaitingIntegers,
    clockStop: 0,
    ifsc,
    nad: 0,
  };
}

/**
 * The card's own waiting time in ms at the reader's default clock: T=0 WT = WI·960·Fi/f,
 * T=1 BWT = 11 etu + 2^BWI·960·372/f (ISO 7816-3 §10.2, §11.4.3). Used as a floor for reply timeouts.
 */
export function cardWaitMs(protocol: 0 | 1, atr: AtrParams, fidi: number, clockKHz: number): number {
  const f = Math.max(1, clockKHz) * 1000;
  const fi = FI[fidi >> 4] ?? 372;
  const di = DI[fidi & 0x0f] ?? 1;
  if (protocol === 0) return Math.ceil(((atr.t0WaitingInteger || 10) * 960 * fi * 1000) / f);
  const bwi = atr.t1WaitingIntegers >> 4;
  const etuMs = (fi / di / f) * 1000;
  return Math.ceil(11 * etuMs + (2 ** bwi * 960 * 372 * 1000) / f);
}
