// getset_struct (docs/protocol.md#getset_struct), 280 bytes in both directions, no trailing data.
// {i32 hCard, u32 dwAttrId, u8 pbAttr[264], u32 cbAttrLen, u32 rv}

import { Cmd, MAX_BUFFER_SIZE, Size } from '../codes.js';
import { expectSize, getI32, getU32, putU32, request } from './wire.js';

export interface AttribMsg {
  hCard: number;
  attrId: number;
  value: Buffer;
  attrLen: number;
  rv: number;
}

/** The bare struct. `value` fills pbAttr from its start (at most 264 bytes); cbAttrLen is written as given. */
export function encodeAttribStruct(m: AttribMsg): Buffer {
  if (m.value.length > MAX_BUFFER_SIZE)
    throw new RangeError(`attribute value of ${m.value.length} bytes exceeds ${MAX_BUFFER_SIZE}`);
  const buf = Buffer.alloc(Size.GETSET);
  putU32(buf, 0, m.hCard);
  putU32(buf, 4, m.attrId);
  buf.set(m.value, 8);
  putU32(buf, 8 + MAX_BUFFER_SIZE, m.attrLen);
  putU32(buf, 12 + MAX_BUFFER_SIZE, m.rv);
  return buf;
}

/** GET sends an empty value with cbAttrLen = 264 (the whole buffer), as libpcsclite does. */
export function encodeGetAttrib(hCard: number, attrId: number): Buffer {
  return request(
    Cmd.GET_ATTRIB,
    encodeAttribStruct({ hCard, attrId, value: Buffer.alloc(0), attrLen: MAX_BUFFER_SIZE, rv: 0 }),
  );
}

/** SET values longer than 264 bytes cannot travel (the daemon would close the connection). */
export function encodeSetAttrib(hCard: number, attrId: number, value: Uint8Array): Buffer {
  if (value.length > MAX_BUFFER_SIZE)
    throw new RangeError(`attribute value of ${value.length} bytes exceeds ${MAX_BUFFER_SIZE}`);
  return request(
    Cmd.SET_ATTRIB,
    encodeAttribStruct({ hCard, attrId, value: Buffer.from(value), attrLen: value.length, rv: 0 }),
  );
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
