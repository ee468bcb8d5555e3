// getset_struct (§5.11), 280 bytes in both directions, no trailing data.
// {i32 hCard, u32 dwAttrId, u8 pbAttr[264], u32 cbAttrLen, u32 rv}

import { Cmd, HEADER_SIZE, MAX_BUFFER_SIZE, Size } from '../codes.js';
import { expectSize, getI32, getU32, putU32, withHeader } from './wire.js';

export interface AttribMsg {
  hCard: number;
  attrId: number;
  value: Buffer;
  attrLen: number;
  rv: number;
}

/** GET sends an empty value with cbAttrLen = 264 (the whole buffer), as libpcsclite does. */
export function encodeGetAttrib(hCard: number, attrId: number): Buffer {
  return encodeAttrib(Cmd.GET_ATTRIB, hCard, attrId, new Uint8Array(0), MAX_BUFFER_SIZE);
}

/** SET values longer than 264 bytes cannot travel (the daemon would close the connection). */
export function encodeSetAttrib(hCard: number, attrId: number, value: Uint8Array): Buffer {
  if (value.length > MAX_BUFFER_SIZE) throw new RangeError(`attribute value of ${value.length} bytes exceeds ${MAX_BUFFER_SIZE}`);
  return encodeAttrib(Cmd.SET_ATTRIB, hCard, attrId, value, value.length);
}

function encodeAttrib(cmd: number, hCard: number, attrId: number, value: Uint8Array, len: number): Buffer {
  const buf = withHeader(cmd, Size.GETSET);
  const o = HEADER_SIZE;
  putU32(buf, o, hCard);
  putU32(buf, o + 4, attrId);
  buf.set(value, o + 8);
  putU32(buf, o + 8 + MAX_BUFFER_SIZE, len);
  return buf;
}

/** `value` holds min(cbAttrLen, 264) bytes; a larger cbAttrLen is left for the caller to judge. */
export function decodeAttrib(b: Uint8Array): AttribMsg {
  expectSize(b, Size.GETSET, 'getset_struct');
  const attrLen = getU32(b, 8 + MAX_BUFFER_SIZE);
  return {
    hCard: getI32(b, 0),
    attrId: getU32(b, 4),
    value: Buffer.from(b.subarray(8, 8 + Math.min(attrLen, MAX_BUFFER_SIZE))),
    attrLen,
    rv: getU32(b, 8 + MAX_BUFFER_SIZE + 4),
  };
}
