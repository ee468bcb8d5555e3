// READER_STATE entries (docs/protocol.md#reader_state) and the reader-state array
// (docs/protocol.md#the-array). Entry of 184 bytes (156 with 100-byte names): {char readerName[N], u32
// eventCounter, u32 readerState, i32 readerSharing, u8 cardAtr[33], 3 bytes padding, u32 cardAtrLength, u32
// cardProtocol}.

import { readCString } from '../../bytes/cstring.js';
import { ProtocolError } from '../../errors.js';
import { MAX_ATR_SIZE, type Layout } from '../codes.js';
import { getI32, getU32, putU32 } from './wire.js';

/** cardAtrLength of a slot that holds no reader (MAX_ATR_SIZE + 1, "not initialised"). */
export const ATR_LENGTH_UNUSED = MAX_ATR_SIZE + 1;

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
    throw new ProtocolError(`reader-state array of ${b.length} bytes is not a multiple of ${layout.entrySize}`);
  }
  const out: ReaderStateEntry[] = [];
  for (let off = 0; off < b.length; off += layout.entrySize) {
    if (b[off] === 0) continue;
    if (!plausible(layout, b, off)) throw new ProtocolError(`reader-state entry ${off / layout.entrySize} is garbage`);
    out.push(decodeReaderStateEntry(layout, b, off));
  }
  return out;
}

/**
 * Writes one entry at `off` (the field must be zeroed). A name longer than the field is cut at a
 * UTF-8 character boundary so that its NUL fits; an ATR longer than 33 bytes is cut to 33.
 */
export function encodeReaderStateEntry(layout: Layout, e: ReaderStateEntry, buf: Buffer, off = 0): void {
  const n = layout.nameSize;
  let name = Buffer.from(e.name, 'utf8');
  if (name.length > n - 1) {
    let cut = n - 1;
    while (cut > 0 && ((name[cut] as number) & 0xc0) === 0x80) cut--;
    name = name.subarray(0, cut);
  }
  name.copy(buf, off);
  putU32(buf, off + n, e.eventCounter);
  putU32(buf, off + n + 4, e.readerState);
  putU32(buf, off + n + 8, e.readerSharing);
  const atr = e.atr.subarray(0, MAX_ATR_SIZE);
  buf.set(atr, off + n + 12);
  putU32(buf, off + n + 48, atr.length);
  putU32(buf, off + n + 52, e.protocol);
}

/**
 * An array of exactly `count` entries: the readers first, in order, then unused slots (empty name,
 * cardAtrLength 34, as the daemon leaves them). Readers beyond `count` are left out.
 */
export function encodeReaderStates(layout: Layout, entries: readonly ReaderStateEntry[], count: number): Buffer {
  const es = layout.entrySize;
  const buf = Buffer.alloc(count * es);
  for (let i = 0; i < count; i++) {
    const e = entries[i];
    if (e) encodeReaderStateEntry(layout, e, buf, i * es);
    else putU32(buf, i * es + layout.nameSize + 48, ATR_LENGTH_UNUSED);
  }
  return buf;
}

/**
 * What pcscd writes in a used slot (docs/protocol.md#reader_state): a NUL-terminated name and fields within
 * their ranges.
 */
function plausible(layout: Layout, b: Uint8Array, off: number): boolean {
  const n = layout.nameSize;
  return (
    b.subarray(off, off + n).includes(0) &&
    getU32(b, off + n) <= 0xffff && // eventCounter
    getU32(b, off + n + 4) <= 0x7f && // readerState bits
    getI32(b, off + n + 8) >= -1 && // readerSharing
    getU32(b, off + n + 48) <= ATR_LENGTH_UNUSED
  ); // cardAtrLength (34: not initialised)
}
