// connect_struct (§5.4): 152 bytes with 128-byte reader names, 124 with 100-byte names.
// {u32 hContext, char szReader[N], u32 dwShareMode, u32 dwPreferredProtocols, i32 hCard,
//  u32 dwActiveProtocol, u32 rv}

import { readCString, writeCString } from '../../bytes/cstring.js';
import { Cmd, HEADER_SIZE, type Layout } from '../codes.js';
import { expectSize, getI32, getU32, putU32, withHeader } from './wire.js';

export interface ConnectMsg {
  hContext: number;
  reader: string;
  shareMode: number;
  preferredProtocols: number;
  hCard: number;
  activeProtocol: number;
  rv: number;
}

/** Returns null when the name does not fit the layout's name field (with its NUL). */
export function encodeConnect(layout: Layout, m: Omit<ConnectMsg, 'hCard' | 'activeProtocol' | 'rv'>): Buffer | null {
  const buf = withHeader(Cmd.CONNECT, layout.connectSize);
  const o = HEADER_SIZE;
  const n = layout.nameSize;
  putU32(buf, o, m.hContext);
  if (!writeCString(buf, o + 4, n, m.reader)) return null;
  putU32(buf, o + 4 + n, m.shareMode);
  putU32(buf, o + 8 + n, m.preferredProtocols);
  return buf;
}

export function decodeConnect(layout: Layout, b: Uint8Array): ConnectMsg {
  expectSize(b, layout.connectSize, 'connect_struct');
  const n = layout.nameSize;
  return {
    hContext: getU32(b, 0),
    reader: readCString(b, 4, n),
    shareMode: getU32(b, 4 + n),
    preferredProtocols: getU32(b, 8 + n),
    hCard: getI32(b, 12 + n),
    activeProtocol: getU32(b, 16 + n),
    rv: getU32(b, 20 + n),
  };
}
