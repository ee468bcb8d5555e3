// The constants node-pcsclite puts on every reader object (`reader.SCARD_SHARE_SHARED`, …), with
// pcsc-lite's values on Linux, and the mapping from its numbers to the library's names.
// Values as @pokusew/pcsclite 0.6 reports them on Linux (docs/node-pcsclite.md#constants).

import { StateFlag, type Disposition, type ProtocolChoice, type ShareMode } from '../index.js';

/** The SCARD_* numbers node-pcsclite's CardReader carries, by their names there. */
export const READER_CONSTANTS = {
  SCARD_SHARE_SHARED: 2,
  SCARD_SHARE_EXCLUSIVE: 1,
  SCARD_SHARE_DIRECT: 3,
  /** pcsc-lite's SCARD_CTL_CODE(1): the CCID driver's escape command. */
  IOCTL_CCID_ESCAPE: 0x42000001,
  SCARD_PROTOCOL_T0: 1,
  SCARD_PROTOCOL_T1: 2,
  SCARD_PROTOCOL_RAW: 4,
  SCARD_STATE_UNAWARE: StateFlag.UNAWARE,
  SCARD_STATE_IGNORE: StateFlag.IGNORE,
  SCARD_STATE_CHANGED: StateFlag.CHANGED,
  SCARD_STATE_UNKNOWN: StateFlag.UNKNOWN,
  SCARD_STATE_UNAVAILABLE: StateFlag.UNAVAILABLE,
  SCARD_STATE_EMPTY: StateFlag.EMPTY,
  SCARD_STATE_PRESENT: StateFlag.PRESENT,
  SCARD_STATE_ATRMATCH: StateFlag.ATRMATCH,
  SCARD_STATE_EXCLUSIVE: StateFlag.EXCLUSIVE,
  SCARD_STATE_INUSE: StateFlag.INUSE,
  SCARD_STATE_MUTE: StateFlag.MUTE,
  SCARD_LEAVE_CARD: 0,
  SCARD_RESET_CARD: 1,
  SCARD_UNPOWER_CARD: 2,
  SCARD_EJECT_CARD: 3,
} as const;

export type ReaderConstants = { readonly [K in keyof typeof READER_CONSTANTS]: number };

const SHARE: Record<number, ShareMode> = { 1: 'exclusive', 2: 'shared', 3: 'direct' };
const DISPOSITION: Record<number, Disposition> = { 0: 'leave', 1: 'reset', 2: 'unpower', 3: 'eject' };
const PROTOCOL_BITS: [number, ProtocolChoice][] = [
  [1, 'T=0'],
  [2, 'T=1'],
  [4, 'RAW'],
];
const PROTOCOL_NUMBER: Record<string, number> = { 'T=0': 1, 'T=1': 2, RAW: 4, 'T=15': 8 };

export const shareMode = (n: number): ShareMode | undefined => SHARE[n];
export const disposition = (n: number): Disposition | undefined => DISPOSITION[n];

/** The protocols of a SCARD_PROTOCOL_* mask; undefined when it has a bit the library does not know. */
export function protocolChoices(mask: number): ProtocolChoice[] | undefined {
  if ((mask & ~7) !== 0) return undefined;
  return PROTOCOL_BITS.filter(([bit]) => (mask & bit) !== 0).map(([, p]) => p);
}

/** The SCARD_PROTOCOL_* number of a connection's protocol: 0 (SCARD_PROTOCOL_UNDEFINED) for none. */
export const protocolNumber = (p: string | null): number => (p === null ? 0 : (PROTOCOL_NUMBER[p] ?? 0));
