// A client written from the wire spec (§3–§7, §9, Appendix B), byte by byte, to play the client
// versions Debian does not ship (4:3 from 1.8.9–1.8.23, 4:5, 4:6) against the proxy.

import { createConnection, type Socket } from 'node:net';

export const u32 = (...ws: number[]): Buffer => {
  const b = Buffer.alloc(ws.length * 4);
  ws.forEach((w, i) => b.writeUInt32LE(w >>> 0, i * 4));
  return b;
};

export interface Entry { name: string; eventCounter: number; state: number; sharing: number; atr: Buffer }

export function parseArray(b: Buffer, entrySize = 184): Entry[] {
  const nameSize = entrySize - 56;
  const out: Entry[] = [];
  for (let o = 0; o + entrySize <= b.length; o += entrySize) {
    if (b[o] === 0) continue;
    const atrLen = Math.min(33, b.readUInt32LE(o + nameSize + 48));
    out.push({
      name: b.subarray(o, o + nameSize).toString('utf8').replace(/\0.*$/s, ''),
      eventCounter: b.readUInt32LE(o + nameSize),
      state: b.readUInt32LE(o + nameSize + 4),
      sharing: b.readInt32LE(o + nameSize + 8),
      atr: Buffer.from(b.subarray(o + nameSize + 12, o + nameSize + 12 + atrLen)),
    });
  }
  return out;
}

export class RawClient {
  private buf = Buffer.alloc(0);
  private closed = false;
  private waiter: (() => void) | null = null;

  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    const end = (): void => {
      this.closed = true;
      this.waiter?.();
    };
    sock.on('close', end);
    sock.on('error', end);
  }

  static open(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ path });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(cmd: number, body: Buffer = Buffer.alloc(0), payload: Buffer = Buffer.alloc(0)): void {
    this.sock.write(Buffer.concat([u32(body.length, cmd), body, payload]));
  }

  /** Exactly n bytes; throws when they do not all come within ms or the peer closes. */
  async read(n: number, ms = 5000): Promise<Buffer> {
    const end = Date.now() + ms;
    while (this.buf.length < n) {
      if (this.closed) throw new Error(`connection closed with ${this.buf.length} of ${n} bytes`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`only ${this.buf.length} of ${n} bytes within ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return Buffer.from(out);
  }

  /** How many unread bytes arrived within ms (0: the other side stayed silent). */
  async quiet(ms: number): Promise<number> {
    await new Promise((r) => setTimeout(r, ms));
    return this.buf.length;
  }

  async ended(ms = 3000): Promise<boolean> {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  close(): void {
    this.sock.destroy();
  }

  async version(major: number, minor: number): Promise<{ major: number; minor: number; rv: number }> {
    this.send(0x11, u32(major, minor, 0));
    const b = await this.read(12);
    return { major: b.readInt32LE(0), minor: b.readInt32LE(4), rv: b.readUInt32LE(8) };
  }

  async establish(): Promise<number> {
    this.send(0x01, u32(2, 0, 0));
    const b = await this.read(12);
    if (b.readUInt32LE(8) !== 0) throw new Error(`establish rv 0x${b.readUInt32LE(8).toString(16)}`);
    return b.readUInt32LE(4);
  }

  async release(hContext: number): Promise<number> {
    this.send(0x02, u32(hContext, 0));
    return (await this.read(8)).readUInt32LE(4);
  }

  async states(entrySize = 184): Promise<Entry[]> {
    this.send(0x12);
    return parseArray(await this.read(16 * entrySize), entrySize);
  }

  async connect(hContext: number, reader: string, nameSize = 128): Promise<{ hCard: number; protocol: number; rv: number }> {
    const name = Buffer.alloc(nameSize);
    name.write(reader);
    this.send(0x04, Buffer.concat([u32(hContext), name, u32(2, 3, 0, 0, 0)]));
    const b = await this.read(nameSize + 24);
    return { hCard: b.readInt32LE(nameSize + 12), protocol: b.readUInt32LE(nameSize + 16), rv: b.readUInt32LE(nameSize + 20) };
  }

  async transmit(hCard: number, apdu: Buffer, protocol = 2): Promise<{ rv: number; resp: Buffer }> {
    this.send(0x09, u32(hCard, protocol, 16, apdu.length, 3, 16, 65548, 0), apdu);
    const b = await this.read(32);
    const rv = b.readUInt32LE(28);
    return { rv, resp: rv === 0 ? await this.read(b.readUInt32LE(24)) : Buffer.alloc(0) };
  }

  async disconnect(hCard: number): Promise<number> {
    this.send(0x06, u32(hCard, 0, 0));
    return (await this.read(12)).readUInt32LE(8);
  }

  async readerEvents(): Promise<{ readerEvents: number; rv: number }> {
    this.send(0x15);
    const b = await this.read(8);
    return { readerEvents: b.readUInt32LE(0), rv: b.readUInt32LE(4) };
  }
}
