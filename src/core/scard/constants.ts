// PC/SC numeric values (docs/protocol.md#protocols-and-modes, docs/protocol.md#attribute-ids) and their
// mapping to the API's string unions.

import type { CardProtocol, Disposition, ProtocolChoice, ShareMode } from './types.js';

export const Protocol = { UNDEFINED: 0, T0: 1, T1: 2, RAW: 4, T15: 8, ANY: 3 } as const;
export const Share = { exclusive: 1, shared: 2, direct: 3 } as const satisfies Record<ShareMode, number>;
export const DispositionCode = { leave: 0, reset: 1, unpower: 2, eject: 3 } as const satisfies Record<
  Disposition,
  number
>;
export const Scope = { USER: 0, TERMINAL: 1, SYSTEM: 2, GLOBAL: 3 } as const;

const CHOICE_BITS: Record<ProtocolChoice, number> = { 'T=0': Protocol.T0, 'T=1': Protocol.T1, RAW: Protocol.RAW };

export function protocolMask(choices: readonly ProtocolChoice[]): number {
  return choices.reduce((m, c) => m | CHOICE_BITS[c], 0);
}

/** The active protocol; null for none (0) or a value that is not a single known protocol. */
export function protocolName(value: number): CardProtocol | null {
  switch (value >>> 0) {
    case Protocol.T0:
      return 'T=0';
    case Protocol.T1:
      return 'T=1';
    case Protocol.RAW:
      return 'RAW';
    case Protocol.T15:
      return 'T=15';
    default:
      return null;
  }
}

export function protocolValue(p: CardProtocol): number {
  return { 'T=0': Protocol.T0, 'T=1': Protocol.T1, RAW: Protocol.RAW, 'T=15': Protocol.T15 }[p];
}

/**
 * SCARD_ATTR_* identifiers (docs/protocol.md#attribute-ids): an open set, so plain numbers with names for the
 * known ones.
 */
export const Attr = {
  VENDOR_NAME: 0x00010100,
  VENDOR_IFD_TYPE: 0x00010101,
  VENDOR_IFD_VERSION: 0x00010102,
  VENDOR_IFD_SERIAL_NO: 0x00010103,
  CHANNEL_ID: 0x00020110,
  ASYNC_PROTOCOL_TYPES: 0x00030120,
  DEFAULT_CLK: 0x00030121,
  MAX_CLK: 0x00030122,
  DEFAULT_DATA_RATE: 0x00030123,
  MAX_DATA_RATE: 0x00030124,
  MAX_IFSD: 0x00030125,
  SYNC_PROTOCOL_TYPES: 0x00030126,
  POWER_MGMT_SUPPORT: 0x00040131,
  USER_TO_CARD_AUTH_DEVICE: 0x00050140,
  USER_AUTH_INPUT_DEVICE: 0x00050142,
  CHARACTERISTICS: 0x00060150,
  CURRENT_PROTOCOL_TYPE: 0x00080201,
  CURRENT_CLK: 0x00080202,
  CURRENT_F: 0x00080203,
  CURRENT_D: 0x00080204,
  CURRENT_N: 0x00080205,
  CURRENT_W: 0x00080206,
  CURRENT_IFSC: 0x00080207,
  CURRENT_IFSD: 0x00080208,
  CURRENT_BWT: 0x00080209,
  CURRENT_CWT: 0x0008020a,
  CURRENT_EBC_ENCODING: 0x0008020b,
  EXTENDED_BWT: 0x0008020c,
  ICC_PRESENCE: 0x00090300,
  ICC_INTERFACE_STATUS: 0x00090301,
  CURRENT_IO_STATE: 0x00090302,
  ATR_STRING: 0x00090303,
  ICC_TYPE_PER_ATR: 0x00090304,
  ESC_RESET: 0x0007a000,
  ESC_CANCEL: 0x0007a003,
  ESC_AUTHREQUEST: 0x0007a005,
  MAXINPUT: 0x0007a007,
  DEVICE_UNIT: 0x7fff0001,
  DEVICE_IN_USE: 0x7fff0002,
  DEVICE_FRIENDLY_NAME: 0x7fff0003,
  DEVICE_SYSTEM_NAME: 0x7fff0004,
  DEVICE_FRIENDLY_NAME_W: 0x7fff0005,
  DEVICE_SYSTEM_NAME_W: 0x7fff0006,
  SUPRESS_T1_IFS_REQUEST: 0x7fff0007,
} as const;

/** pcsc-lite's SCARD_CTL_CODE(n) = 0x42000000 + n (not the Windows formula). */
export function ctlCode(n: number): number {
  return (0x42000000 + n) >>> 0;
}

/** The control code that asks a reader for its PC/SC part 10 features (0x42000D48). */
export const CM_IOCTL_GET_FEATURE_REQUEST = ctlCode(3400);
