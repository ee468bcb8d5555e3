// A scripted ISO 7816-4 card for the fake daemon's readers: answers a few APDUs so transmit can be
// checked byte for byte, short and extended (Lc/Le up to 65535), without a real card.

/**
 * - `00 B0 00 00 Le` (READ BINARY): Le bytes (256 when Le = 00, 65536 for extended 0000) of the
 *   pattern i & 0xFF, then 90 00.
 * - `80 EE 00 00 Lc data [Le]` (ECHO): the data back, then 90 00.
 * - `80 CA 00 00 Le` (GET DATA): `CA FE 90 00`.
 * - anything else: 6D 00.
 */
export function testCardRespond(apdu: Buffer): Buffer {
  if (apdu.length < 4) return Buffer.from([0x67, 0x00]);
  const [cla, ins] = [apdu[0] as number, apdu[1] as number];
  const body = parseBody(apdu);
  if (cla === 0x00 && ins === 0xb0) {
    const n = body.le ?? 0;
    const out = Buffer.alloc(n + 2);
    for (let i = 0; i < n; i++) out[i] = i & 0xff;
    out[n] = 0x90;
    return out;
  }
  if (cla === 0x80 && ins === 0xee) return Buffer.concat([body.data, Buffer.from([0x90, 0x00])]);
  if (cla === 0x80 && ins === 0xca) return Buffer.from([0xca, 0xfe, 0x90, 0x00]);
  return Buffer.from([0x6d, 0x00]);
}

/** ISO 7816-4 §5.1 cases 1–4, short and extended. */
function parseBody(a: Buffer): { data: Buffer; le: number | undefined } {
  const rest = a.subarray(4);
  if (rest.length === 0) return { data: Buffer.alloc(0), le: undefined };
  if (rest.length === 1) return { data: Buffer.alloc(0), le: rest[0] === 0 ? 256 : rest[0] };
  if (rest[0] !== 0) {
    const lc = rest[0] as number;
    const data = rest.subarray(1, 1 + lc);
    const le = rest.length > 1 + lc ? (rest[1 + lc] === 0 ? 256 : rest[1 + lc]) : undefined;
    return { data, le };
  }
  // extended: 00 then two bytes
  const n = rest.readUInt16BE(1);
  if (rest.length === 3) return { data: Buffer.alloc(0), le: n === 0 ? 65536 : n };
  const data = rest.subarray(3, 3 + n);
  const tail = rest.subarray(3 + n);
  const le = tail.length === 2 ? (tail.readUInt16BE(0) === 0 ? 65536 : tail.readUInt16BE(0)) : undefined;
  return { data, le };
}

/** An ATR that names the fake (T=1, historical bytes "FAKE"). */
export const FAKE_ATR = Buffer.from([0x3b, 0x88, 0x80, 0x01, 0x46, 0x41, 0x4b, 0x45, 0x00, 0x00, 0x00, 0x00, 0x4f]);
