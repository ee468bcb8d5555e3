// ISO 7816-3 §11.3–11.4: T=1 block frame (NAD, PCB, LEN, INF, EDC), PCB coding of I-, R- and
// S-blocks, and the two error detection codes (LRC and CRC).

export type Edc = 'lrc' | 'crc';
export type SType = 'RESYNCH' | 'IFS' | 'ABORT' | 'WTX';
const S_CODES: Record<SType, number> = { RESYNCH: 0, IFS: 1, ABORT: 2, WTX: 3 };
const S_NAMES: readonly SType[] = ['RESYNCH', 'IFS', 'ABORT', 'WTX'];

export type Block =
  | { kind: 'I'; nad: number; ns: 0 | 1; more: boolean; inf: Buffer }
  | { kind: 'R'; nad: number; nr: 0 | 1; error: 0 | 1 | 2 }
  | { kind: 'S'; nad: number; type: SType; response: boolean; inf: Buffer };

/** Why a received block was rejected (the R-block error code to answer with: 1 EDC/parity, 2 other). */
export class BlockError extends Error {
  readonly code: 1 | 2;
  constructor(message: string, code: 1 | 2) {
    super(message);
    this.name = 'BlockError';
    this.code = code;
  }
}

export function lrc(data: Uint8Array): number {
  let x = 0;
  for (const v of data) x ^= v;
  return x;
}

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * The T=1 CRC: the ISO/IEC 13239 polynomial x^16+x^12+x^5+1 processed LSB first from an
 * all-ones register, without a final complement; sent most significant byte first. This is
 * what deployed readers and drivers compute for CRC cards (TC3 bit 1 set).
 */
export function crc16(data: Uint8Array): number {
  let c = 0xffff;
  for (const v of data) c = (c >>> 8) ^ (CRC_TABLE[(c ^ v) & 0xff] as number);
  return c & 0xffff;
}

export function pcbOf(b: Block): number {
  switch (b.kind) {
    case 'I':
      return (b.ns << 6) | (b.more ? 0x20 : 0);
    case 'R':
      return 0x80 | (b.nr << 4) | b.error;
    case 'S':
      return 0xc0 | (b.response ? 0x20 : 0) | S_CODES[b.type];
  }
}

export function encodeBlock(b: Block, edc: Edc): Buffer {
  const inf = b.kind === 'R' ? Buffer.alloc(0) : b.inf;
  if (inf.length > 254) throw new RangeError(`T=1 INF of ${inf.length} bytes (254 at most)`);
  const edcLen = edc === 'crc' ? 2 : 1;
  const out = Buffer.alloc(3 + inf.length + edcLen);
  out[0] = b.nad;
  out[1] = pcbOf(b);
  out[2] = inf.length;
  inf.copy(out, 3);
  const body = out.subarray(0, 3 + inf.length);
  if (edc === 'crc') out.writeUInt16BE(crc16(body), 3 + inf.length);
  else out[3 + inf.length] = lrc(body);
  return out;
}

/** Decodes and checks a received block; throws BlockError for anything ISO 7816-3 calls invalid. */
export function decodeBlock(raw: Uint8Array, edc: Edc, ifsd = 254): Block {
  const b = Buffer.from(raw);
  const edcLen = edc === 'crc' ? 2 : 1;
  if (b.length < 3 + edcLen) throw new BlockError(`T=1 block of ${b.length} bytes is too short`, 2);
  const len = b[2] as number;
  if (len === 0xff) throw new BlockError('T=1 block with LEN = FF', 2);
  if (b.length !== 3 + len + edcLen)
    throw new BlockError(`T=1 block LEN ${len} does not match its ${b.length} bytes`, 2);
  const body = b.subarray(0, 3 + len);
  const ok = edc === 'crc' ? b.readUInt16BE(3 + len) === crc16(body) : b[3 + len] === lrc(body);
  if (!ok) throw new BlockError(`T=1 block with a wrong ${edc.toUpperCase()}`, 1);
  const nad = b[0] as number;
  const pcb = b[1] as number;
  const inf = Buffer.from(b.subarray(3, 3 + len));
  if ((pcb & 0x80) === 0) {
    if (len > ifsd) throw new BlockError(`T=1 I-block of ${len} bytes exceeds IFSD ${ifsd}`, 2);
    return { kind: 'I', nad, ns: ((pcb >> 6) & 1) as 0 | 1, more: (pcb & 0x20) !== 0, inf };
  }
  if ((pcb & 0xc0) === 0x80) {
    if (len !== 0) throw new BlockError('T=1 R-block with an information field', 2);
    if (pcb & 0x20) throw new BlockError(`T=1 R-block with reserved PCB bits (0x${pcb.toString(16)})`, 2);
    const error = pcb & 0x0f;
    if (error > 2) throw new BlockError(`T=1 R-block with error code ${error}`, 2);
    return { kind: 'R', nad, nr: ((pcb >> 4) & 1) as 0 | 1, error: error as 0 | 1 | 2 };
  }
  const code = pcb & 0x1f;
  const type = S_NAMES[code];
  if (!type) throw new BlockError(`T=1 S-block with unknown type 0x${pcb.toString(16)}`, 2);
  const wantInf = type === 'IFS' || type === 'WTX' ? 1 : 0;
  if (len !== wantInf) throw new BlockError(`T=1 S(${type}) block with ${len} information bytes`, 2);
  if (type === 'IFS' && ((inf[0] as number) < 1 || inf[0] === 0xff))
    throw new BlockError(`T=1 S(IFS) with invalid size ${inf[0]}`, 2);
  return { kind: 'S', nad, type, response: (pcb & 0x20) !== 0, inf };
}

export function describeBlock(b: Block): string {
  switch (b.kind) {
    case 'I':
      return `I(${b.ns}${b.more ? ', M' : ''}) ${b.inf.length} bytes`;
    case 'R':
      return `R(${b.nr}${b.error ? `, error ${b.error}` : ''})`;
    case 'S':
      return `S(${b.type} ${b.response ? 'response' : 'request'}${b.inf.length ? ' ' + b.inf.toString('hex') : ''})`;
  }
}
