// control_struct (docs/protocol.md#control_struct), 24 bytes, followed by cbSendLength bytes that `size` does
// not count. {i32 hCard, u32 dwControlCode, u32 cbSendLength, u32 cbRecvLength, u32 dwBytesReturned, u32 rv};
// the reply is followed by dwBytesReturned bytes only when rv = 0.

import { Cmd, Size } from '../codes.js';
import { expectSize, getI32, getU32, request, u32Struct } from './wire.js';

export interface ControlMsg {
  hCard: number;
  controlCode: number;
  sendLength: number;
  recvLength: number;
  bytesReturned: number;
  rv: number;
}

/** The bare struct: a request's body (before the data) or a daemon's reply (before the output). */
export function encodeControlStruct(m: ControlMsg): Buffer {
  return u32Struct([m.hCard, m.controlCode, m.sendLength, m.recvLength, m.bytesReturned, m.rv]);
}

export function encodeControl(hCard: number, controlCode: number, data: Uint8Array, recvLength: number): Buffer {
  return request(
    Cmd.CONTROL,
    encodeControlStruct({ hCard, controlCode, sendLength: data.length, recvLength, bytesReturned: 0, rv: 0 }),
    data,
  );
}

export function decodeControl(b: Uint8Array): ControlMsg {
  expectSize(b, Size.CONTROL, 'control_struct');
  return {
    hCard: getI32(b, 0),
    controlCode: getU32(b, 4),
    sendLength: getU32(b, 8),
    recvLength: getU32(b, 12),
    bytesReturned: getU32(b, 16),
    rv: getU32(b, 20),
  };
}
