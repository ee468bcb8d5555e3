// A minimal scripted pcscd of the 4:3, 4:4 and 4:5 lines, written from the wire spec (§3–§9), for
// what Debian's pcscd cannot do: speak 4:3 (1.8.23) or 4:5 only (2.4.0), add and remove readers,
// count reader events, send a longer array (a distribution's larger reader limit).
// Replies are built here byte by byte, not with the production codecs.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANCELLED = 0x80100002;
const UNKNOWN_READER = 0x80100009;
const NO_SMARTCARD = 0x8010000c;
const ENTRY = 184;

export interface FakeReader {
  name: string;
  /** ATR of the card in it, or null for an empty reader. */
  atr: Buffer | null;
  eventCounter: number;
}

export interface FakeDaemonOptions {
  /** The protocol minor the daemon speaks and announces (3: 1.8.9–1.8.23, 4: 1.8.24–2.2.3, 5: 2.3.0–2.4.0). */
  minor: 3 | 4 | 5;
  /** Entries in the reader-state array (16, or more on a patched build). */
  slots?: number;
  readers?: string[];
  /** Socket path (default: a new temporary directory); lets a test restart a daemon in place. */
  path?: string;
}

interface Conn {
  id: number;
  sock: Socket;
  buf: Buffer;
  hContext: number;
  registered: boolean;
}

const u32 = (...ws: number[]): Buffer => {
  const b = Buffer.alloc(ws.length * 4);
  ws.forEach((w, i) => b.writeUInt32LE(w >>> 0, i * 4));
  return b;
};

export class FakeDaemon {
  readonly path: string;
  readonly minor: 3 | 4 | 5;
  readonly slots: number;
  readonly readers: FakeReader[] = [];
  /** Every command received, per connection id, in order. */
  readonly received: Array<{ conn: number; cmd: number }> = [];
  private readonly dir: string | null;
  private readonly server: Server;
  private readonly conns = new Set<Conn>();
  private nextConn = 1;
  private readerEvents = 1;

  private constructor(opts: FakeDaemonOptions) {
    this.minor = opts.minor;
    this.slots = opts.slots ?? 16;
    this.dir = opts.path ? null : mkdtempSync(join(tmpdir(), 'pcsc-fake-'));
    this.path = opts.path ?? join(this.dir as string, 'pcscd.comm');
    for (const name of opts.readers ?? ['Fake Reader 00 00']) this.readers.push({ name, atr: null, eventCounter: 0 });
    this.server = createServer((sock) => this.accept(sock));
  }

  static async start(opts: FakeDaemonOptions): Promise<FakeDaemon> {
    const d = new FakeDaemon(opts);
    await new Promise<void>((ok, fail) => {
      d.server.once('error', fail);
      d.server.listen(d.path, () => ok());
    });
    return d;
  }

  commandsOf(conn: number): number[] {
    return this.received.filter((r) => r.conn === conn).map((r) => r.cmd);
  }

  addReader(name: string): void {
    this.readers.push({ name, atr: null, eventCounter: 0 });
    this.readerEvents++;
    this.changed();
  }

  removeReader(name: string): void {
    const i = this.readers.findIndex((r) => r.name === name);
    if (i >= 0) this.readers.splice(i, 1);
    this.readerEvents++;
    this.changed();
  }

  insert(name: string, atr = Buffer.from('3B80800101', 'hex')): void {
    const r = this.reader(name);
    r.atr = atr;
    r.eventCounter++;
    this.changed();
  }

  remove(name: string): void {
    const r = this.reader(name);
    r.atr = null;
    r.eventCounter++;
    this.changed();
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.sock.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private reader(name: string): FakeReader {
    const r = this.readers.find((x) => x.name === name);
    if (!r) throw new Error(`fake daemon: no reader ${name}`);
    return r;
  }

  /** Sends every registered connection its notification and unregisters it (§7.10). */
  private changed(): void {
    for (const c of this.conns) {
      if (!c.registered) continue;
      c.registered = false;
      // ≤ 1.8.23 leaves timeOut uninitialised in notifications (§5.12).
      c.sock.write(u32(this.minor <= 3 ? 0x97aa4396 : 0, 0));
    }
  }

  private array(): Buffer {
    const out = Buffer.alloc(this.slots * ENTRY);
    for (let i = 0; i < this.slots; i++) {
      const o = i * ENTRY;
      const r = this.readers[i];
      if (!r) {
        out.writeUInt32LE(34, o + 176);
        continue;
      }
      out.write(r.name, o, 'utf8');
      out.writeUInt32LE(r.eventCounter, o + 128);
      out.writeUInt32LE(r.atr ? 0x34 : 0x02, o + 132);
      if (r.atr) r.atr.copy(out, o + 140);
      out.writeUInt32LE(r.atr ? r.atr.length : 0, o + 176);
    }
    return out;
  }

  private accept(sock: Socket): void {
    const c: Conn = { id: this.nextConn++, sock, buf: Buffer.alloc(0), hContext: 0, registered: false };
    this.conns.add(c);
    sock.on('data', (d: Buffer) => {
      c.buf = Buffer.concat([c.buf, d]);
      this.serve(c);
    });
    sock.on('close', () => this.conns.delete(c));
    sock.on('error', () => undefined);
  }

  private serve(c: Conn): void {
    while (c.buf.length >= 8) {
      const size = c.buf.readUInt32LE(0);
      const cmd = c.buf.readUInt32LE(4);
      const noBody = [0x12, 0x15].includes(cmd) || (this.minor >= 4 && [0x13, 0x14].includes(cmd));
      const bodyLen = noBody ? 0 : size;
      let extra = 0;
      if ((cmd === 0x09 || cmd === 0x0a) && c.buf.length >= 8 + bodyLen) extra = c.buf.readUInt32LE(8 + (cmd === 0x09 ? 12 : 8));
      if (c.buf.length < 8 + bodyLen + extra) return;
      const body = Buffer.from(c.buf.subarray(8, 8 + bodyLen));
      const data = Buffer.from(c.buf.subarray(8 + bodyLen, 8 + bodyLen + extra));
      c.buf = c.buf.subarray(8 + bodyLen + extra);
      this.received.push({ conn: c.id, cmd });
      if (!this.handle(c, cmd, size, body, data)) {
        c.sock.destroy();
        return;
      }
    }
  }

  /** Returns false to close the connection, as pcscd does on anything it does not serve. */
  private handle(c: Conn, cmd: number, size: number, body: Buffer, data: Buffer): boolean {
    const w = (b: Buffer): void => void c.sock.write(b);
    const expect = (n: number): boolean => size === n;
    switch (cmd) {
      case 0x11: { // CMD_VERSION: only our own minor (1.8.23, 2.2.3 and 2.4.0 behave so)
        if (!expect(12)) return false;
        const ok = body.readInt32LE(0) === 4 && body.readInt32LE(4) === this.minor;
        w(u32(4, this.minor, ok ? 0 : this.minor <= 3 ? 0x8010001d : 0x8010001e));
        return true;
      }
      case 0x01: {
        if (!expect(12)) return false;
        c.hContext = 0x1000 + c.id * 7;
        w(u32(body.readUInt32LE(0), c.hContext, 0));
        return true;
      }
      case 0x02: {
        if (!expect(8)) return false;
        w(u32(body.readUInt32LE(0), 0));
        return true;
      }
      case 0x12: w(this.array()); return true;
      case 0x13: // ≤ 4:3: an 8-byte body and no array; 4:4+: the array at once
        if (this.minor <= 3 && !expect(8)) return false;
        c.registered = true;
        if (this.minor >= 4) w(this.array());
        return true;
      case 0x14: // answered only while registered (≥ 1.8.19); ≤ 4:3 echoes timeOut
        if (this.minor <= 3 && !expect(8)) return false;
        if (c.registered) {
          c.registered = false;
          w(u32(this.minor <= 3 ? body.readUInt32LE(0) : 0, 0));
        }
        return true;
      case 0x15:
        if (this.minor < 5) return false; // before 2.3.0 the command is unknown: connection closed
        w(u32(this.readerEvents, 0));
        return true;
      case 0x04: { // CONNECT
        if (!expect(152)) return false;
        const name = body.subarray(4, 132).toString('utf8').replace(/\0.*$/s, '');
        const r = this.readers.find((x) => x.name === name);
        const rv = !r ? UNKNOWN_READER : !r.atr ? NO_SMARTCARD : 0;
        const out = Buffer.from(body);
        out.writeInt32LE(rv ? 0 : 0x2000 + c.id, 140);
        out.writeUInt32LE(rv ? 0 : 2, 144);
        out.writeUInt32LE(rv, 148);
        w(out);
        return true;
      }
      case 0x06: case 0x0b: { // DISCONNECT, STATUS: always fine here
        const out = Buffer.from(body);
        out.writeUInt32LE(0, body.length - 4);
        w(out);
        return true;
      }
      case 0x09: { // TRANSMIT: INS E2 echoes the data field, anything else answers 90 00
        if (!expect(32)) return false;
        const resp = data[1] === 0xe2 && data.length > 5 ? Buffer.concat([data.subarray(5, 5 + (data[4] as number)), Buffer.from([0x90, 0])]) : Buffer.from([0x90, 0]);
        const out = Buffer.from(body);
        out.writeUInt32LE(resp.length, 24);
        out.writeUInt32LE(0, 28);
        w(Buffer.concat([out, resp]));
        return true;
      }
      case 0x0d: { // CANCEL, from any connection, by hContext
        if (!expect(8)) return false;
        const h = body.readUInt32LE(0);
        const target = [...this.conns].find((x) => x.hContext === h);
        if (target?.registered) {
          target.registered = false;
          target.sock.write(u32(0, CANCELLED));
        }
        w(u32(h, target ? 0 : 0x80100003));
        return true;
      }
      default:
        return false;
    }
  }
}
