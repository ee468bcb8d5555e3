// connect_struct (docs/protocol.md#connect_struct): 152 bytes with 128-byte reader names, 124 with 100-byte names.
// {u32 hContext, char szReader[N], u32 dwShareMode, u32 dwPreferredProtocols, i32 hCard,
//  u32 dwActiveProtocol, u32 rv}

import { readCString, writeCString } from '../../bytes/cstring.js';
import { Cmd, type Layout } from '../codes.js';
import { expectSize, getI32, getU32, putU32, request } from './wire.js';

export interface ConnectMsg {
  hContext: number;
  reader: string;
  shareMode: number;
  preferredProtocols: number;
  hCard: number;
  activeProtocol: number;
  rv: number;
}

/** The bare struct (a daemon's reply). Null when the name does not fit the layout's field (with its NUL). */
export function encodeConnectStruct(layout: Layout, m: ConnectMsg): Buffer | null {
  const buf = Buffer.alloc(layout.connectSize);
  const n = layout.nameSize;
  putU32(buf, 0, m.hContext);
  if (!writeCString(buf, 4, n, m.reader)) return null;
  putU32(buf, 4 + n, m.shareMode);
  putU32(buf, 8 + n, m.preferredProtocols);
  putU32(buf, 12 + n, m.hCard);
  putU32(buf, 16 + n, m.activeProtocol);
  putU32(buf, 20 + n, m.rv);
  return buf;
}

/** Returns null when the name does not fit the layout's name field (with its NUL). */
export function encodeConnect(layout: Layout, m: Omit<ConnectMsg, 'hCard' | 'activeProtocol' | 'rv'>): Buffer | null {
  const body = encodeConnectStruct(layout, { ...m, hCard: 0, activeProtocol: 0, rv: 0 });
  return body && request(Cmd.CONNECT, body);
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
