// control_struct (§5.10), 24 bytes, followed by cbSendLength bytes that `size` does not count.
// {i32 hCard, u32 dwControlCode, u32 cbSendLength, u32 cbRecvLength, u32 dwBytesReturned, u32 rv};
// the reply is followed by dwBytesReturned bytes only when rv = 0.

import { Cmd, HEADER_SIZE, Size } from '../codes.js';
import { expectSize, getI32, getU32, putU32, withHeader } from './wire.js';

export interface ControlMsg {
  hCard: number;
  controlCode: number;
  sendLength: number;
  recvLength: number;
  bytesReturned: number;
  rv: number;
}

export function encodeControl(hCard: number, controlCode: number, data: Uint8Array, recvLength: number): Buffer {
  const buf = withHeader(Cmd.CONTROL, Size.CONTROL, data.length);
  const o = HEADER_SIZE;
  putU32(buf, o, hCard);
  putU32(buf, o + 4, controlCode);
  putU32(buf, o + 8, data.length);
  putU32(buf, o + 12, recvLength);
  buf.set(data, o + Size.CONTROL);
  return buf;
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
