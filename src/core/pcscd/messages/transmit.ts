// transmit_struct (§5.9), 32 bytes, followed by cbSendLength APDU bytes that `size` does not count.
// {i32 hCard, u32 ioSendPciProtocol, u32 ioSendPciLength, u32 cbSendLength, u32 ioRecvPciProtocol,
//  u32 ioRecvPciLength, u32 pcbRecvLength, u32 rv}; the reply struct is followed by
// pcbRecvLength response bytes only when rv = 0.

import { Cmd, HEADER_SIZE, Size } from '../codes.js';
import { expectSize, getI32, getU32, putU32, withHeader } from './wire.js';

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

export function encodeTransmit(
  m: Omit<TransmitMsg, 'sendLength' | 'rv'>,
  apdu: Uint8Array,
): Buffer {
  const buf = withHeader(Cmd.TRANSMIT, Size.TRANSMIT, apdu.length);
  const o = HEADER_SIZE;
  putU32(buf, o, m.hCard);
  putU32(buf, o + 4, m.sendPciProtocol);
  putU32(buf, o + 8, m.sendPciLength);
  putU32(buf, o + 12, apdu.length);
  putU32(buf, o + 16, m.recvPciProtocol);
  putU32(buf, o + 20, m.recvPciLength);
  putU32(buf, o + 24, m.recvLength);
  buf.set(apdu, o + Size.TRANSMIT);
  return buf;
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
