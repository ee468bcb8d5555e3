// transmit_struct (docs/protocol.md#transmit_struct), 32 bytes, followed by cbSendLength APDU bytes that
// `size` does not count. {i32 hCard, u32 ioSendPciProtocol, u32 ioSendPciLength, u32 cbSendLength, u32
// ioRecvPciProtocol,  u32 ioRecvPciLength, u32 pcbRecvLength, u32 rv}; the reply struct is followed by
// pcbRecvLength response bytes only when rv = 0.

import { ProtocolError } from '../../errors.js';
import { Cmd, HEADER_SIZE, Size } from '../codes.js';
import { expectSize, getI32, getU32, putU32, u32Struct, withHeader } from './wire.js';

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
    m.hCard,
    m.sendPciProtocol,
    m.sendPciLength,
    m.sendLength,
    m.recvPciProtocol,
    m.recvPciLength,
    m.recvLength,
    m.rv,
  ]);
}

/** Header, struct and APDU written straight into one buffer: the hot path of every transmit. */
export function encodeTransmit(m: Omit<TransmitMsg, 'sendLength' | 'rv'>, apdu: Uint8Array): Buffer {
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

/**
 * How many response bytes follow a TRANSMIT reply struct: recvLength when rv = 0, else none.
 * A struct that does not echo our hCard (docs/protocol.md#replies), or announces more than the capacity asked for,
 * is a broken reply.
 */
export function transmitDataLength(reply: Uint8Array, capacity: number, hCard: number): number {
  if (getI32(reply, 0) !== (hCard | 0))
    throw new ProtocolError('the reply to SCARD_TRANSMIT does not echo the request: pcscd sent garbage');
  if (getU32(reply, 28) !== 0) return 0;
  const n = getU32(reply, 24);
  if (n > capacity) throw new ProtocolError(`TRANSMIT reply announces ${n} bytes, more than the ${capacity} asked for`);
  return n;
}
