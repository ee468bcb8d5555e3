// A bare socket client written from docs/protocol.md's structs (structs.ts), without our production client
// in the way: byte-level reads for checking the fake daemon, and the calls of one PC/SC session
// for playing client versions Debian does not ship (4:2, 4:3, 4:5, 4:6) against a daemon or proxy.

import { createConnection, type Socket } from 'node:net';
import { Inbox } from './inbox.js';
import * as S from './structs.js';

/** One reader-state entry (docs/protocol.md#reader_state), as a client reads it. */
export interface Entry {
  name: string;
  eventCounter: number;
  state: number;
  sharing: number;
  atr: Buffer;
}

/** The used entries of a reader-state array (docs/protocol.md#the-array): entries whose name is empty are skipped. */
export function parseArray(b: Buffer, nameSize: 100 | 128 = 128): Entry[] {
  const st = S.readerState(nameSize);
  const size = S.sizeOf(st);
  const out: Entry[] = [];
  for (let o = 0; o + size <= b.length; o += size) {
    const e = S.unpack(st, b, o);
    if (e.str('readerName') === '') continue;
    out.push({
      name: e.str('readerName'),
      eventCounter: e.num('eventCounter'),
      state: e.num('readerState'),
      sharing: e.num('readerSharing'),
      atr: e.bytes('cardAtr').subarray(0, Math.min(33, e.num('cardAtrLength'))),
    });
  }
  return out;
}

export class RawClient {
  private readonly inbox = new Inbox();
  /** Set once the daemon closed the connection (EOF or reset). */
  closedBy: 'eof' | string | null = null;
  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.inbox.push(d));
    socket.on('end', () => {
      this.closedBy ??= 'eof';
      this.inbox.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.closedBy ??= e.code ?? e.message;
      this.inbox.end();
    });
    socket.on('close', () => this.inbox.end());
  }

  static open(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ path });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(b: Uint8Array): void {
    this.socket.write(b);
  }

  /** A request: header {size, command}, body, payload (docs/protocol.md#requests). */
  send(cmd: number, body?: Uint8Array, payload?: Uint8Array): void {
    this.write(S.request(cmd, body, payload));
  }

  /** n bytes, or null when nothing complete came within ms / the daemon closed. */
  async read(n: number, ms = 2000): Promise<Buffer | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), ms);
    });
    const got = await Promise.race([this.inbox.read(n), timeout]);
    clearTimeout(timer);
    if (got === null) this.socket.destroy();
    return got;
  }

  /** Exactly n bytes; throws when they do not all come within ms or the daemon closes first. */
  async take(n: number, ms = 5000): Promise<Buffer> {
    const b = await this.read(n, ms);
    if (!b)
      throw new Error(
        `raw client: no ${n}-byte reply within ${ms} ms (${this.closedBy ? `connection ended: ${this.closedBy}` : 'timed out'})`,
      );
    return b;
  }

  /** Bytes that arrived within ms and are not read yet (0: the daemon stayed silent). */
  async quiet(ms = 300): Promise<number> {
    await new Promise((r) => setTimeout(r, ms));
    return this.inbox.length;
  }

  /** Resolves with how the connection ended, or null if it is still open after ms. */
  async ended(ms = 3000): Promise<string | null> {
    const end = Date.now() + ms;
    while (this.closedBy === null && !this.socket.destroyed && Date.now() < end)
      await new Promise((r) => setTimeout(r, 5));
    return this.closedBy ?? (this.socket.destroyed ? 'closed' : null);
  }

  close(): void {
    this.socket.destroy();
  }

  // --- one session's calls (docs/protocol.md#structs), each a request and its whole reply ------------------------

  async version(major: number, minor: number): Promise<{ major: number; minor: number; rv: number }> {
    this.send(S.CMD.VERSION, S.pack(S.version, { major, minor }));
    const r = S.unpack(S.version, await this.take(S.sizeOf(S.version)));
    return { major: r.num('major'), minor: r.num('minor'), rv: r.num('rv') };
  }

  /** A context (SCARD_SCOPE_SYSTEM); throws when the daemon refuses. */
  async establish(): Promise<number> {
    this.send(S.CMD.ESTABLISH_CONTEXT, S.pack(S.establish, { dwScope: 2 }));
    const r = S.unpack(S.establish, await this.take(S.sizeOf(S.establish)));
    if (r.num('rv') !== 0) throw new Error(`raw client: establish rv 0x${r.num('rv').toString(16)}`);
    return r.num('hContext');
  }

  async release(hContext: number): Promise<number> {
    this.send(S.CMD.RELEASE_CONTEXT, S.pack(S.release, { hContext }));
    return S.unpack(S.release, await this.take(S.sizeOf(S.release))).num('rv');
  }

  /** CMD_GET_READERS_STATE: the 16-entry array of clients before 4:6. */
  async states(nameSize: 100 | 128 = 128): Promise<Entry[]> {
    this.send(S.CMD.GET_READERS_STATE);
    return parseArray(await this.take(16 * S.sizeOf(S.readerState(nameSize))), nameSize);
  }

  /** Shared, T=0 or T=1. */
  async connect(
    hContext: number,
    reader: string,
    nameSize: 100 | 128 = 128,
    shareMode: 1 | 2 = 2,
  ): Promise<{ hCard: number; protocol: number; rv: number }> {
    const st = S.connect(nameSize);
    this.send(
      S.CMD.CONNECT,
      S.pack(st, { hContext, szReader: reader, dwShareMode: shareMode, dwPreferredProtocols: 3 }),
    );
    const r = S.unpack(st, await this.take(S.sizeOf(st)));
    return { hCard: r.num('hCard'), protocol: r.num('dwActiveProtocol'), rv: r.num('rv') };
  }

  /**
   * Writes `chunk` over and over without reading anything, as a client that never reads its
   * replies; stops after `max` bytes, or when the peer has taken nothing for `idleMs` (its
   * receive side is full). Resolves with the bytes the peer took.
   */
  async flood(chunk: Buffer, max: number, idleMs = 2000): Promise<number> {
    let taken = 0;
    while (taken < max && !this.socket.destroyed) {
      if (this.socket.write(chunk)) {
        taken += chunk.length;
        continue;
      }
      const drained = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), idleMs);
        this.socket.once('drain', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      if (!drained) return taken + chunk.length - this.socket.writableLength;
      taken += chunk.length;
    }
    return taken;
  }

  /** Reads nothing more from the socket: what the peer writes stays in the kernel's buffers. */
  stopReading(): void {
    this.socket.pause();
  }

  /** A TRANSMIT request as bytes, for writing many at once (flood). */
  static transmitRequest(hCard: number, apdu: Buffer, protocol = 2): Buffer {
    const req = {
      hCard,
      ioSendPciProtocol: protocol,
      ioSendPciLength: 16,
      cbSendLength: apdu.length,
      ioRecvPciProtocol: 3,
      ioRecvPciLength: 16,
      pcbRecvLength: 65548,
    };
    return S.request(S.CMD.TRANSMIT, S.pack(S.transmit, req), apdu);
  }

  /** SCARD_CANCEL of a context (on any connection, as libpcsclite sends it); the rv. */
  async cancel(hContext: number): Promise<number> {
    this.send(S.CMD.CANCEL, S.pack(S.cancel, { hContext }));
    return S.unpack(S.cancel, await this.take(S.sizeOf(S.cancel))).num('rv');
  }

  /** One APDU (protocol 1: T=0 PCI, 2: T=1 PCI); the answer only on success. */
  async transmit(hCard: number, apdu: Buffer, protocol = 2): Promise<{ rv: number; resp: Buffer }> {
    this.write(RawClient.transmitRequest(hCard, apdu, protocol));
    const r = S.unpack(S.transmit, await this.take(S.sizeOf(S.transmit)));
    const rv = r.num('rv');
    return { rv, resp: rv === 0 ? await this.take(r.num('pcbRecvLength')) : Buffer.alloc(0) };
  }

  async disconnect(hCard: number): Promise<number> {
    this.send(S.CMD.DISCONNECT, S.pack(S.disposition, { hCard }));
    return S.unpack(S.disposition, await this.take(S.sizeOf(S.disposition))).num('rv');
  }

  /** CMD_GET_READER_EVENTS (4:5+). */
  async readerEvents(): Promise<{ readerEvents: number; rv: number }> {
    this.send(S.CMD.GET_READER_EVENTS);
    const r = S.unpack(S.readerEvents, await this.take(S.sizeOf(S.readerEvents)));
    return { readerEvents: r.num('readerEvents'), rv: r.num('rv') };
  }
}
