// Host-order 32-bit fields (docs/protocol.md#integers): pcscd and its clients share a machine, so integers travel in
// the host's byte order. Every struct field is 4 bytes wide; the only padding is in READER_STATE.

import { endianness } from 'node:os';
import { HEADER_SIZE } from '../codes.js';

const LE = endianness() === 'LE';

export function getU32(buf: Uint8Array, off: number): number {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return LE ? b.readUInt32LE(off) : b.readUInt32BE(off);
}

export function getI32(buf: Uint8Array, off: number): number {
  return getU32(buf, off) | 0;
}

export function putU32(buf: Buffer, off: number, value: number): void {
  if (LE) buf.writeUInt32LE(value >>> 0, off);
  else buf.writeUInt32BE(value >>> 0, off);
}

/**
 * Allocates header + body + extra and writes the header `{size, command}` (size counts the body
 * only). Header and body are zeroed; the caller must fill all `extra` bytes (the APDU or control
 * data). Pooled allocation: Buffer.alloc per request costs a fresh ArrayBuffer, on a hot path.
 */
export function withHeader(command: number, bodySize: number, extra = 0): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + bodySize + extra).fill(0, 0, HEADER_SIZE + bodySize);
  putU32(buf, 0, bodySize);
  putU32(buf, 4, command);
  return buf;
}

/** A bare struct made only of u32 fields (replies carry no header; requests wrap it). */
export function u32Struct(fields: readonly number[]): Buffer {
  const buf = Buffer.alloc(fields.length * 4);
  fields.forEach((v, i) => putU32(buf, i * 4, v));
  return buf;
}

/** Header + a struct already encoded; `extra` is payload that `size` does not count (TRANSMIT, CONTROL). */
export function request(command: number, body: Uint8Array, extra?: Uint8Array): Buffer {
  const buf = withHeader(command, body.length, extra?.length ?? 0);
  buf.set(body, HEADER_SIZE);
  if (extra) buf.set(extra, HEADER_SIZE + body.length);
  return buf;
}

/** Encodes a request made only of u32 fields. */
export function u32Request(command: number, fields: readonly number[]): Buffer {
  return request(command, u32Struct(fields));
}

/** The request header `{u32 size, u32 command}` (docs/protocol.md#requests). */
export interface Header {
  size: number;
  command: number;
}
export function decodeHeader(b: Uint8Array): Header {
  expectSize(b, HEADER_SIZE, 'header');
  return { size: getU32(b, 0), command: getU32(b, 4) };
}

/** A request without a body (`size = 0`), e.g. CMD_GET_READERS_STATE. */
export function emptyRequest(command: number): Buffer {
  return withHeader(command, 0);
}

export function expectSize(buf: Uint8Array, size: number, what: string): void {
  if (buf.length !== size) throw new RangeError(`${what}: expected ${size} bytes, got ${buf.length}`);
}
