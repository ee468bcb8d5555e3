// Fixed-size NUL-padded C strings in wire structs (reader names: MAX_READERNAME bytes).

/** Reads a NUL-terminated string from a fixed field; the whole field if there is no NUL. */
export function readCString(buf: Uint8Array, offset: number, size: number): string {
  const field = buf.subarray(offset, offset + size);
  const nul = field.indexOf(0);
  return Buffer.from(field.subarray(0, nul < 0 ? field.length : nul)).toString('utf8');
}

/**
 * Writes `text` NUL-padded into a fixed field; the last byte is always NUL (as the daemon forces).
 * Returns false when the text (plus its NUL) does not fit.
 */
export function writeCString(buf: Buffer, offset: number, size: number, text: string): boolean {
  const bytes = Buffer.from(text, 'utf8');
  buf.fill(0, offset, offset + size);
  if (bytes.length > size - 1) return false;
  bytes.copy(buf, offset);
  return true;
}
