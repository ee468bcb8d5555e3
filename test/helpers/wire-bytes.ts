// Golden wire bytes written by hand from docs/protocol.md's tables (little-endian u32 words, NUL-padded
// names), independent of the production encoders.

import { words } from '../fakes/structs.js';

/** u32 words in pcscd's host order (the fake daemon's helper, written from docs/protocol.md). */
export { words };

/** A NUL-padded fixed-size name field. */
export function nameField(name: string, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.write(name, 0, 'utf8');
  return b;
}

export function cat(...parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}

/** A READER_STATE entry (docs/protocol.md#reader_state) with 128- or 100-byte names. */
export function entry(
  nameSize: 128 | 100,
  e: { name: string; counter: number; state: number; sharing: number; atr: number[]; protocol: number },
): Buffer {
  const atr = Buffer.alloc(36); // 33 bytes + 3 padding
  Buffer.from(e.atr).copy(atr);
  return cat(nameField(e.name, nameSize), words(e.counter, e.state, e.sharing), atr, words(e.atr.length, e.protocol));
}

/** An unused slot, as pcscd leaves it: zeroes, cardAtrLength 34. */
export function emptyEntry(nameSize: 128 | 100): Buffer {
  return cat(Buffer.alloc(nameSize + 12 + 36), words(34, 0));
}
