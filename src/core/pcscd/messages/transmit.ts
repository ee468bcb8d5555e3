// transmit_struct (§5.9), 32 bytes, followed by cbSendLength APDU bytes that `size` does not count.
// {i32 hCard, u32 ioSendPciProtocol, u32 ioSendPciLength, u32 cbSendLength, u32 ioRecvPciProtocol,
//  u32 ioRecvPciLength, u32 pcbRecvLength, u32 rv}; the reply struct is followed by
// pcbRecvLength response bytes only when rv = 0.

import { Cmd, Size } from '../codes.js';
import { expectSize, getI32, getU32, request, u32Struct } from './wire.js';

export interface TransmitMsg {
  hCard: number;
  sendPciProtocol: number;
  sendPciLength: number;
  sendLength: number;
  recvPciProtocol: number;
  recvPciLength: number;
  recvLength: number;
  rv: number;
}

/** The bare struct: a request's body (before the APDU) or a daemon's reply (before the response). */
export function encodeTransmitStruct(m: TransmitMsg): Buffer {
  return u32Struct([
    m.hCard, m.sendPciProtocol, m.sendPciLength, m.sendLength,
    m.recvPciProtocol, m.recvPciLength, m.recvLength, m.rv,
  ]);
}

export function encodeTransmit(
  m: Omit<TransmitMsg, 'sendLength' | 'rv'>,
  apdu: Uint8Array,
): Buffer {
  return request(Cmd.TRANSMIT, encodeTransmitStruct({ ...m, sendLength: apdu.length, rv: 0 }), apdu);
}

export function decodeTransmit(b: Uint8Array): TransmitMsg {
  expectSize(b, Size.TRANSMIT, 'transmit_struct');
  return {
    hCard: getI32(b, 0),
    sendPciProtocol: getU32(b, 4),
    sendPciLength: getU32(b, 8),
    sendLength: getU32(b, 12),
    recvPciProtocol: getU32(b, 16),
    recvPciLength: getU32(b, 20),
    recvLength: getU32(b, 24),
    rv: getU32(b, 28),
  };
}
