// pcscd socket protocol constants: command codes (docs/protocol.md#commands), struct sizes
// (docs/protocol.md#measured-layouts), limits (docs/protocol.md#sizes-and-limits).

export const Cmd = {
  ESTABLISH_CONTEXT: 0x01,
  RELEASE_CONTEXT: 0x02,
  CONNECT: 0x04,
  RECONNECT: 0x05,
  DISCONNECT: 0x06,
  BEGIN_TRANSACTION: 0x07,
  END_TRANSACTION: 0x08,
  TRANSMIT: 0x09,
  CONTROL: 0x0a,
  STATUS: 0x0b,
  CANCEL: 0x0d,
  GET_ATTRIB: 0x0f,
  SET_ATTRIB: 0x10,
  VERSION: 0x11,
  GET_READERS_STATE: 0x12,
  WAIT_READER_STATE_CHANGE: 0x13,
  STOP_WAITING_READER_STATE_CHANGE: 0x14,
  GET_READER_EVENTS: 0x15,
  GET_READERS_STATE_SIZE: 0x16,
  GET_READERS_STATE_ARRAY: 0x17,
} as const;
export type CmdCode = (typeof Cmd)[keyof typeof Cmd];

export const CMD_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(Cmd).map(([k, v]) => [v, k]),
);

export const HEADER_SIZE = 8;

/** Fixed body sizes that do not depend on the reader-name width. */
export const Size = {
  VERSION: 12,
  ESTABLISH: 12,
  RELEASE: 8,
  RECONNECT: 24,
  DISCONNECT: 12,
  BEGIN: 8,
  END: 12,
  CANCEL: 8,
  STATUS: 8,
  TRANSMIT: 32,
  CONTROL: 24,
  GETSET: 280,
  WAIT: 8,
  READER_EVENTS: 8,
  READERS_STATE_SIZE: 4,
} as const;

export const MAX_ATR_SIZE = 33;
export const MAX_BUFFER_SIZE = 264;
export const MAX_BUFFER_SIZE_EXTENDED = 65548;
export const MAX_READERS_CONTEXTS = 16;
export const LOCK_POLL_MS = 100;
export const PROTOCOL_MAJOR = 4;
/** The newest protocol minor this client speaks. */
export const NEWEST_MINOR = 6;
/** The oldest protocol minor this client speaks. */
export const OLDEST_MINOR = 2;

/**
 * Reader-name width decides three struct sizes. 128 from pcsc-lite 1.8.4; 100 on 1.6.5–1.8.3
 * (both announce protocol 4:2).
 */
export interface Layout {
  readonly nameSize: 128 | 100;
  readonly connectSize: number;
  readonly entrySize: number;
}

export const LAYOUT_128: Layout = { nameSize: 128, connectSize: 152, entrySize: 184 };
export const LAYOUT_100: Layout = { nameSize: 100, connectSize: 124, entrySize: 156 };

/** `\\?PnP?\Notification`: the pseudo-reader whose state changes when readers come and go. */
export const PNP_NOTIFICATION = '\\\\?PnP?\\Notification';

export const INFINITE = 0xffffffff;
