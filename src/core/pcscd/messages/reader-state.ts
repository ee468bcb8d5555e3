// READER_STATE entries (§6.1) and the reader-state array (§6.2). Entry of 184 bytes (156 with
// 100-byte names): {char readerName[N], u32 eventCounter, u32 readerState, i32 readerSharing,
// u8 cardAtr[33], 3 bytes padding, u32 cardAtrLength, u32 cardProtocol}.

import { readCString } from '../../bytes/cstring.js';
import { MAX_ATR_SIZE, type Layout } from '../codes.js';
import { getI32, getU32 } from './wire.js';

export interface ReaderStateEntry {
  name: string;
  eventCounter: number;
  readerState: number;
  readerSharing: number;
  atr: Buffer;
  protocol: number;
}

export function decodeReaderStateEntry(layout: Layout, b: Uint8Array, off = 0): ReaderStateEntry {
  const n = layout.nameSize;
  const atrLen = getU32(b, off + n + 48);
  return {
    name: readCString(b, off, n),
    eventCounter: getU32(b, off + n),
    readerState: getU32(b, off + n + 4),
    readerSharing: getI32(b, off + n + 8),
    // 34 (MAX_ATR_SIZE + 1) marks an uninitialised slot; anything above 33 is clamped.
    atr: Buffer.from(b.subarray(off + n + 12, off + n + 12 + (atrLen > MAX_ATR_SIZE ? 0 : atrLen))),
    protocol: getU32(b, off + n + 52),
  };
}

/**
 * Decodes a whole array of any number of entries (16 up to 4:5, N on 4:6, more on patched
 * daemons) and keeps the slots that hold a reader, in slot order.
 */
export function decodeReaderStates(layout: Layout, b: Uint8Array): ReaderStateEntry[] {
  if (b.length % layout.entrySize !== 0) {
    throw new RangeError(`reader-state array of ${b.length} bytes is not a multiple of ${layout.entrySize}`);
  }
  const out: ReaderStateEntry[] = [];
  for (let off = 0; off < b.length; off += layout.entrySize) {
    if (b[off] === 0) continue;
    out.push(decodeReaderStateEntry(layout, b, off));
  }
  return out;
}
