// pcscd wire structs as tabulated in docs/protocol.md, written by
// hand from those tables for the fake daemon and for golden bytes: never from src/core/pcscd.

import { endianness } from 'node:os';

/** A field: a 32-bit integer, a fixed byte array, a NUL-padded string, or padding. */
export type FieldType = 'u32' | 'i32' | { bytes: number } | { cstr: number } | { pad: number };
export type Field = readonly [name: string, type: FieldType];
export type Struct = readonly Field[];

const LE = endianness() === 'LE';

/** Host byte order (docs/protocol.md#integers): both ends share a machine. */
export function u32(buf: Uint8Array, off: number): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return LE ? b.readUInt32LE(off) : b.readUInt32BE(off);
}

export function i32(buf: Uint8Array, off: number): number {
  return u32(buf, off) | 0;
}

export function putU32(buf: Buffer, off: number, v: number): void {
  if (LE) buf.writeUInt32LE(v >>> 0, off);
  else buf.writeUInt32BE(v >>> 0, off);
}

/** u32 words in host order, e.g. words(4, 5, 0) for a version_struct. */
export function words(...vs: number[]): Buffer {
  const b = Buffer.alloc(vs.length * 4);
  vs.forEach((v, i) => putU32(b, i * 4, v));
  return b;
}

function width(t: FieldType): number {
  if (t === 'u32' || t === 'i32') return 4;
  if ('bytes' in t) return t.bytes;
  if ('cstr' in t) return t.cstr;
  return t.pad;
}

export function sizeOf(s: Struct): number {
  return s.reduce((n, [, t]) => n + width(t), 0);
}

export function offsetOf(s: Struct, name: string): number {
  let off = 0;
  for (const [n, t] of s) {
    if (n === name) return off;
    off += width(t);
  }
  throw new Error(`no field ${name}`);
}

export type Value = number | string | Uint8Array;
export type Values = Readonly<Record<string, Value>>;

/** Packs values into a struct; missing fields are 0 / empty. */
export function pack(s: Struct, v: Values): Buffer {
  const buf = Buffer.alloc(sizeOf(s));
  let off = 0;
  for (const [name, t] of s) {
    const x = v[name];
    if (t === 'u32' || t === 'i32') putU32(buf, off, typeof x === 'number' ? x : 0);
    else if ('bytes' in t && x instanceof Uint8Array) buf.set(x.subarray(0, t.bytes), off);
    else if ('cstr' in t && typeof x === 'string')
      Buffer.from(x, 'utf8')
        .subarray(0, t.cstr - 1)
        .copy(buf, off);
    off += width(t);
  }
  return buf;
}

/** The decoded fields of one struct. */
export class Fields {
  constructor(readonly values: Record<string, Value>) {}
  num(name: string): number {
    const v = this.values[name];
    if (typeof v !== 'number') throw new Error(`${name} is not a number field`);
    return v;
  }
  str(name: string): string {
    const v = this.values[name];
    if (typeof v !== 'string') throw new Error(`${name} is not a string field`);
    return v;
  }
  bytes(name: string): Buffer {
    const v = this.values[name];
    if (!(v instanceof Uint8Array)) throw new Error(`${name} is not a byte field`);
    return Buffer.from(v);
  }
}

export function unpack(s: Struct, buf: Uint8Array, at = 0): Fields {
  const out: Record<string, Value> = {};
  let off = at;
  for (const [name, t] of s) {
    if (t === 'u32') out[name] = u32(buf, off);
    else if (t === 'i32') out[name] = i32(buf, off);
    else if ('bytes' in t) out[name] = Buffer.from(buf.subarray(off, off + t.bytes));
    else if ('cstr' in t) {
      const f = buf.subarray(off, off + t.cstr);
      const nul = f.indexOf(0);
      out[name] = Buffer.from(f.subarray(0, nul < 0 ? f.length : nul)).toString('utf8');
    }
    off += width(t);
  }
  return new Fields(out);
}

// docs/protocol.md#requests
export const header: Struct = [
  ['size', 'u32'],
  ['command', 'u32'],
];
// docs/protocol.md#version_struct
export const version: Struct = [
  ['major', 'i32'],
  ['minor', 'i32'],
  ['rv', 'u32'],
];
// docs/protocol.md#establish_struct
export const establish: Struct = [
  ['dwScope', 'u32'],
  ['hContext', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#release_struct
export const release: Struct = [
  ['hContext', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#connect_struct: 152 bytes with 128-byte names, 124 with 100-byte names
export const connect = (nameSize: 100 | 128): Struct => [
  ['hContext', 'u32'],
  ['szReader', { cstr: nameSize }],
  ['dwShareMode', 'u32'],
  ['dwPreferredProtocols', 'u32'],
  ['hCard', 'i32'],
  ['dwActiveProtocol', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#reconnect_struct
export const reconnect: Struct = [
  ['hCard', 'i32'],
  ['dwShareMode', 'u32'],
  ['dwPreferredProtocols', 'u32'],
  ['dwInitialization', 'u32'],
  ['dwActiveProtocol', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#disconnect_struct-and-end_struct: disconnect_struct and end_struct share this layout
export const disposition: Struct = [
  ['hCard', 'i32'],
  ['dwDisposition', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#begin_struct-and-status_struct: begin_struct and status_struct
export const handle: Struct = [
  ['hCard', 'i32'],
  ['rv', 'u32'],
];
// docs/protocol.md#cancel_struct
export const cancel: Struct = [
  ['hContext', 'i32'],
  ['rv', 'u32'],
];
// docs/protocol.md#transmit_struct
export const transmit: Struct = [
  ['hCard', 'i32'],
  ['ioSendPciProtocol', 'u32'],
  ['ioSendPciLength', 'u32'],
  ['cbSendLength', 'u32'],
  ['ioRecvPciProtocol', 'u32'],
  ['ioRecvPciLength', 'u32'],
  ['pcbRecvLength', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#control_struct
export const control: Struct = [
  ['hCard', 'i32'],
  ['dwControlCode', 'u32'],
  ['cbSendLength', 'u32'],
  ['cbRecvLength', 'u32'],
  ['dwBytesReturned', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#getset_struct
export const getset: Struct = [
  ['hCard', 'i32'],
  ['dwAttrId', 'u32'],
  ['pbAttr', { bytes: 264 }],
  ['cbAttrLen', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#wait_reader_state_change
export const wait: Struct = [
  ['timeOut', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#get_reader_events
export const readerEvents: Struct = [
  ['readerEvents', 'u32'],
  ['rv', 'u32'],
];
// docs/protocol.md#reader_state: 184 bytes with 128-byte names, 156 with 100-byte names
export const readerState = (nameSize: 100 | 128): Struct => [
  ['readerName', { cstr: nameSize }],
  ['eventCounter', 'u32'],
  ['readerState', 'u32'],
  ['readerSharing', 'i32'],
  ['cardAtr', { bytes: 33 }],
  ['', { pad: 3 }],
  ['cardAtrLength', 'u32'],
  ['cardProtocol', 'u32'],
];

/** Command codes (docs/protocol.md#commands). */
export const CMD = {
  ESTABLISH_CONTEXT: 0x01,
  RELEASE_CONTEXT: 0x02,
  LIST_READERS: 0x03,
  CONNECT: 0x04,
  RECONNECT: 0x05,
  DISCONNECT: 0x06,
  BEGIN_TRANSACTION: 0x07,
  END_TRANSACTION: 0x08,
  TRANSMIT: 0x09,
  CONTROL: 0x0a,
  STATUS: 0x0b,
  GET_STATUS_CHANGE: 0x0c,
  CANCEL: 0x0d,
  CANCEL_TRANSACTION: 0x0e,
  GET_ATTRIB: 0x0f,
  SET_ATTRIB: 0x10,
  VERSION: 0x11,
  GET_READERS_STATE: 0x12,
  WAIT_READER_STATE_CHANGE: 0x13,
  STOP_WAITING_READER_STATE_CHANGE: 0x14,
  GET_READER_EVENTS: 0x15,
  GET_READERS_STATE_SIZE: 0x16,
  GET_READERS_STATE_ARRAY: 0x17,
} as const;

/** A request as a client writes it: header {size, command}, body, then any payload (docs/protocol.md#requests). */
export function request(
  command: number,
  body: Uint8Array = Buffer.alloc(0),
  payload: Uint8Array = Buffer.alloc(0),
): Buffer {
  return Buffer.concat([pack(header, { size: body.length, command }), body, payload]);
}

/** The daemon's way of answering (docs/protocol.md#replies): the received struct with output fields overwritten. */
export function patch(s: Struct, received: Uint8Array, v: Values): Buffer {
  const out = Buffer.from(received);
  for (const [name, x] of Object.entries(v)) {
    const off = offsetOf(s, name);
    const t = s.find(([n]) => n === name)?.[1];
    if (t === 'u32' || t === 'i32') putU32(out, off, typeof x === 'number' ? x : 0);
    else if (t && x instanceof Uint8Array) {
      out.fill(0, off, off + width(t));
      out.set(x.subarray(0, width(t)), off);
    }
  }
  return out;
}
