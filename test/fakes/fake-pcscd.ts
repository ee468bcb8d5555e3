// A scripted pcscd written from docs/protocol.md, not from our client: serves,
// on a private Unix socket, the daemon side of any release from 1.6.5 to 2.5.x, with readers and
// cards that tests add and remove at run time, and faults injected on chosen requests.

import { linkSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as K from './card-commands.js';
import { Conn } from './conn.js';
import { World, type FakeCard, type FakeReader } from './model.js';
import { RV, behaviourOf, versionAnswer, type Behaviour } from './releases.js';
import * as S from './structs.js';

export type { FakeCard, FakeReader, FakeReader as FakeOptionsReader } from './model.js';

export interface FakePcscdOptions {
  /** The pcsc-lite release to imitate, e.g. "1.8.23", "2.4.1", "2.5.1". */
  version: string;
  /** Reader slots of the fixed array before 2.5 (PCSCLITE_MAX_READERS_CONTEXTS); default 16. */
  slots?: number;
  readers?: FakeReader[];
  /** polkit (docs/protocol.md#access-control): refuse a connection at accept, or a CONNECT to a reader. */
  polkit?: { denyAccess?: (connId: number) => boolean; denyCard?: (reader: string) => boolean };
  /** Write replies in pieces of at most this many bytes, 1 ms apart (clients must reassemble). */
  fragment?: number;
  /** Seed for handles, garbage and notification timeOut garbage. */
  seed?: number;
  /** Milliseconds before dropping a connection that used a foreign handle (pcscd: 2000). */
  foreignHandleDelay?: number;
  /**
   * Socket path; default pcscd.comm in a new temporary directory. Lets a test start a daemon where another
   * one stopped.
   */
  path?: string;
}

/** What goes wrong, on the request a Fault selects. */
export type FaultAction =
  /** The daemon dies on receiving the request: every connection closes, the socket file stays. */
  | { kind: 'die' }
  /** The daemon writes the first `bytes` of its reply, then dies. */
  | { kind: 'die-after-bytes'; bytes: number }
  /** A truncated reply: the first `bytes`, then this connection closes. */
  | { kind: 'close-after-bytes'; bytes: number }
  /** A truncated reply: the first half (at least 1 byte), then this connection closes. */
  | { kind: 'truncate' }
  /** Random bytes instead of the reply (the reply's length unless given). */
  | { kind: 'garbage'; length?: number }
  /** These bytes instead of the reply. */
  | { kind: 'replace'; bytes: Uint8Array }
  /** The reply's writes, edited (e.g. an absurd length field). */
  | { kind: 'mutate'; fn: (parts: Buffer[]) => Buffer[] }
  /** Never answers, never reads again; the connection stays open. */
  | { kind: 'silent' }
  /** Answers, stops reading, and closes with the client's next request unread: ECONNRESET. */
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number };

export interface Fault {
  /** Command code to match; any command when absent. */
  cmd?: number;
  /** Connection id to match (1 = first accepted); any when absent. */
  conn?: number;
  /** Fire on the nth matching request (1-based, default 1). */
  nth?: number;
  /** Fire on this many matching requests from the nth on (default 1; Infinity: every one). */
  times?: number;
  action: FaultAction;
}

export interface RequestRecord {
  conn: number;
  cmd: number;
  size: number;
}

type Hook = (info: { conn: number; cmd: number }) => void | Promise<void>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** How long a reset waits for the client's next request to land in the socket buffer. */
const RESET_SETTLE_MS = 200;

export class FakePcscd implements K.Core {
  readonly b: Behaviour;
  readonly world: World;
  readonly path: string;
  readonly foreignHandleDelay: number;
  /** Every request header received, in order. */
  readonly requests: RequestRecord[] = [];
  /** Things a correct client never does; the daemon closes the connection for most of them. */
  readonly violations: string[] = [];
  /** The version each CMD_VERSION announced, in order. */
  readonly versionsAsked: { conn: number; major: number; minor: number }[] = [];
  /** STOPs received while not registered: legitimate only when a notification raced them. */
  strayStops = 0;
  dead = false;
  /** The temporary directory this daemon made for its socket (null with opts.path). */
  private readonly dir: string | null;
  private readonly server: Server;
  private readonly conns = new Map<number, Conn>();
  private readonly opts: FakePcscdOptions;
  private readonly faults: (Fault & { seen: number })[] = [];
  private readonly hooks: { cmd: number; fn: Hook; once: boolean }[] = [];
  private nextConn = 1;
  private rnd: () => number;

  private constructor(opts: FakePcscdOptions) {
    this.opts = opts;
    this.b = behaviourOf(opts.version);
    this.world = new World(this.b, opts.slots ?? 16);
    this.world.onChange = () => this.notifyAll(0);
    this.foreignHandleDelay = opts.foreignHandleDelay ?? 2000;
    this.rnd = prng(opts.seed ?? 0x5eed);
    this.dir = opts.path ? null : mkdtempSync(join(tmpdir(), 'pcsc-fake-'));
    this.path = opts.path ?? join(this.dir as string, 'pcscd.comm');
    this.server = createServer({ pauseOnConnect: true }, (s) => this.accept(s));
    for (const r of opts.readers ?? []) this.world.addReader(r);
  }

  static async start(opts: FakePcscdOptions): Promise<FakePcscd> {
    const d = new FakePcscd(opts);
    await new Promise<void>((res, rej) => {
      d.server.once('error', rej);
      d.server.listen(d.path, () => res());
    });
    return d;
  }

  // --- scripting -------------------------------------------------------------------------------

  addReader(r: FakeReader): void {
    this.world.addReader(r);
  }
  removeReader(name: string): void {
    this.world.removeReader(name);
  }
  insertCard(reader: string, card: FakeCard): void {
    this.world.insertCard(reader, card);
  }
  removeCard(reader: string): void {
    this.world.removeCard(reader);
  }

  inject(f: Fault): void {
    this.faults.push({ ...f, seen: 0 });
  }

  /** Runs fn when a request with this command arrives, before the daemon handles it. */
  before(cmd: number, fn: Hook, once = true): void {
    this.hooks.push({ cmd, fn, once });
  }

  /** Ids of the connections registered for notifications. */
  get registered(): number[] {
    return [...this.conns.values()].filter((c) => c.registered).map((c) => c.id);
  }

  get connections(): number {
    return this.conns.size;
  }

  /** Command codes received, optionally on one connection. */
  commands(conn?: number): number[] {
    return this.requests.filter((r) => conn === undefined || r.conn === conn).map((r) => r.cmd);
  }

  /** Resolves when pred() holds; polls every 5 ms, fails after ms (generous: machines are loaded). */
  async until(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`fake pcscd: ${what} did not happen within ${ms} ms`);
      await sleep(5);
    }
  }

  /** The daemon dies: connections close, the listener goes, the socket file stays (stale). */
  die(): void {
    if (this.dead) return;
    this.dead = true;
    const keep = this.path + '.keep';
    linkSync(this.path, keep);
    this.server.close();
    renameSync(keep, this.path);
    for (const c of this.conns.values()) c.destroy();
  }

  async stop(): Promise<void> {
    if (!this.dead) {
      this.dead = true;
      for (const c of this.conns.values()) c.destroy();
      await new Promise((r) => this.server.close(() => r(undefined)));
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  // --- K.Core ---------------------------------------------------------------------------------

  denyCard(reader: string): boolean {
    return this.opts.polkit?.denyCard?.(reader) ?? false;
  }

  violation(c: Conn, what: string): void {
    this.violations.push(`conn ${c.id}: ${what}`);
  }

  sharingChanged(): void {
    setImmediate(() => this.notifyAll(0));
  }

  newCardHandle(): number {
    for (;;) {
      const h = this.rnd() & 0x7fffffff;
      if (h !== 0 && !this.world.handles.has(h)) return h;
    }
  }

  // --- connections -----------------------------------------------------------------------------

  private accept(socket: Socket): void {
    const c = new Conn(this.nextConn++, socket, this.opts.fragment ?? 0);
    socket.on('error', () => undefined);
    if (this.dead) {
      socket.destroy();
      return;
    }
    if (this.opts.polkit?.denyAccess?.(c.id)) {
      // Closed before reading anything: the client's first request is left unread (ECONNRESET).
      setTimeout(() => socket.destroy(), RESET_SETTLE_MS);
      return;
    }
    this.conns.set(c.id, c);
    socket.on('data', (d: Buffer) => c.inbox.push(d));
    socket.on('end', () => c.inbox.end());
    socket.on('close', () => {
      c.closed = true;
      c.inbox.end();
    });
    socket.resume();
    void this.serve(c);
  }

  private async serve(c: Conn): Promise<void> {
    try {
      for (;;) {
        const hdr = await c.inbox.read(8);
        if (!hdr) return;
        const size = S.u32(hdr, 0);
        const cmd = S.u32(hdr, 4);
        this.requests.push({ conn: c.id, cmd, size });
        const fault = this.takeFault(c.id, cmd);
        for (const h of this.takeHooks(cmd)) await h.fn({ conn: c.id, cmd });
        if (fault?.kind === 'die') return this.die();
        const bodySize = this.bodySize(cmd);
        if (bodySize === undefined) {
          this.violation(c, `unknown command 0x${cmd.toString(16)} for pcscd ${this.b.version}`);
          return;
        }
        let body: Buffer = Buffer.alloc(0);
        if (bodySize === 'none') {
          // The daemon reads no body; whatever follows is parsed as the next header (docs/protocol.md#requests).
          if (size !== 0) this.violation(c, `size ${size} on bodiless command 0x${cmd.toString(16)}`);
        } else {
          if (size !== bodySize) {
            this.violation(c, `size ${size} for command 0x${cmd.toString(16)} (expects ${bodySize})`);
            return;
          }
          const b = await c.inbox.read(bodySize);
          if (!b) return;
          body = b;
        }
        const reply = await this.handle(c, cmd, body);
        if (reply === 'close' || c.closed) return;
        if (!fault) {
          void c.send(reply);
          continue;
        }
        if (!(await this.applyFault(c, fault, reply))) return;
      }
    } finally {
      this.gone(c);
    }
  }

  /** Returns false when the connection must not be served any more. */
  private async applyFault(c: Conn, f: FaultAction, reply: Buffer[]): Promise<boolean> {
    const all = Buffer.concat(reply);
    switch (f.kind) {
      case 'delay':
        await sleep(f.ms);
        void c.send(reply);
        return true;
      case 'garbage':
        void c.send([this.garbage(f.length ?? all.length)]);
        return true;
      case 'replace':
        void c.send([Buffer.from(f.bytes)]);
        return true;
      case 'mutate':
        void c.send(f.fn(reply.map((p) => Buffer.from(p))));
        return true;
      case 'silent':
        await new Promise<void>((r) => c.socket.once('close', () => r()));
        return false;
      case 'close-after-bytes':
      case 'truncate':
        await c.send([all.subarray(0, f.kind === 'truncate' ? Math.ceil(all.length / 2) : f.bytes)]);
        await c.end();
        return false;
      case 'die-after-bytes':
        await c.send([all.subarray(0, f.bytes)]);
        this.die();
        return false;
      case 'reset':
        await c.send(reply);
        c.stopReading();
        await sleep(RESET_SETTLE_MS);
        c.destroy();
        return false;
      default:
        return true;
    }
  }

  private gone(c: Conn): void {
    if (!this.conns.has(c.id)) return;
    this.conns.delete(c.id);
    c.registered = false;
    if (!c.closed) void c.end();
    this.releaseContext(c);
  }

  private releaseContext(c: Conn): void {
    let changed = false;
    for (const h of [...this.world.handles.values()]) {
      if (h.connId !== c.id) continue;
      // A handle that held the transaction resets the card for the others
      // (docs/protocol.md#partial-reads-errors-and-closing).
      this.world.dropHandle(h, h.slot.lock === h.hCard ? 1 : 0);
      changed = true;
    }
    c.hContext = 0;
    if (changed) this.sharingChanged();
  }

  private notify(c: Conn, rv: number): void {
    c.registered = false;
    const timeOut = this.b.garbageNotificationTimeout ? this.rnd() : 0;
    void c.send([S.pack(S.wait, { timeOut, rv })]);
  }

  private notifyAll(rv: number): void {
    for (const c of this.conns.values()) if (c.registered) this.notify(c, rv);
  }

  private takeFault(conn: number, cmd: number): FaultAction | undefined {
    for (const f of this.faults) {
      if ((f.cmd !== undefined && f.cmd !== cmd) || (f.conn !== undefined && f.conn !== conn)) continue;
      f.seen++;
      const first = f.nth ?? 1;
      if (f.seen >= first && f.seen < first + (f.times ?? 1)) {
        if (f.seen === first + (f.times ?? 1) - 1) this.faults.splice(this.faults.indexOf(f), 1);
        return f.action;
      }
    }
    return undefined;
  }

  private takeHooks(cmd: number): { fn: Hook }[] {
    const hit = this.hooks.filter((h) => h.cmd === cmd);
    for (const h of hit) if (h.once) this.hooks.splice(this.hooks.indexOf(h), 1);
    return hit;
  }

  private garbage(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.rnd() & 0xff;
    return out;
  }

  // --- commands --------------------------------------------------------------------------------

  /** Body size the daemon reads for a command; 'none' for bodiless ones; undefined: it closes. */
  private bodySize(cmd: number): number | 'none' | undefined {
    const old = this.b.minor <= 3;
    switch (cmd) {
      case S.CMD.ESTABLISH_CONTEXT:
        return S.sizeOf(S.establish);
      case S.CMD.RELEASE_CONTEXT:
        return S.sizeOf(S.release);
      case S.CMD.CONNECT:
        return S.sizeOf(S.connect(this.b.nameSize));
      case S.CMD.RECONNECT:
        return S.sizeOf(S.reconnect);
      case S.CMD.DISCONNECT:
      case S.CMD.END_TRANSACTION:
        return S.sizeOf(S.disposition);
      case S.CMD.BEGIN_TRANSACTION:
      case S.CMD.STATUS:
        return S.sizeOf(S.handle);
      case S.CMD.TRANSMIT:
        return S.sizeOf(S.transmit);
      case S.CMD.CONTROL:
        return S.sizeOf(S.control);
      case S.CMD.CANCEL:
        return S.sizeOf(S.cancel);
      case S.CMD.GET_ATTRIB:
      case S.CMD.SET_ATTRIB:
        return S.sizeOf(S.getset);
      case S.CMD.VERSION:
        return S.sizeOf(S.version);
      case S.CMD.GET_READERS_STATE:
        return 'none';
      case S.CMD.WAIT_READER_STATE_CHANGE:
      case S.CMD.STOP_WAITING_READER_STATE_CHANGE:
        return old ? S.sizeOf(S.wait) : 'none';
      case S.CMD.GET_READER_EVENTS:
        return this.b.readerEventsCommand ? 'none' : undefined;
      case S.CMD.GET_READERS_STATE_SIZE:
      case S.CMD.GET_READERS_STATE_ARRAY:
        return this.b.growingArray ? 'none' : undefined;
      default:
        return undefined;
    }
  }

  private async handle(c: Conn, cmd: number, body: Buffer): Promise<K.Reply> {
    switch (cmd) {
      case S.CMD.VERSION:
        return this.version(c, body);
      case S.CMD.ESTABLISH_CONTEXT:
        return this.establish(c, body);
      case S.CMD.RELEASE_CONTEXT:
        return this.release(c, body);
      case S.CMD.CANCEL:
        return this.cancel(body);
      case S.CMD.GET_READERS_STATE:
        return this.oldArray();
      case S.CMD.WAIT_READER_STATE_CHANGE:
        return this.wait(c);
      case S.CMD.STOP_WAITING_READER_STATE_CHANGE:
        return this.stopWait(c, body);
      case S.CMD.GET_READER_EVENTS:
        if (c.clientMinor !== null && c.clientMinor < 5)
          this.violation(c, 'CMD_GET_READER_EVENTS on a connection negotiated below 4:5');
        return [S.pack(S.readerEvents, { readerEvents: this.world.readerEvents, rv: 0 })];
      case S.CMD.GET_READERS_STATE_SIZE:
        return [S.words(this.world.slots.length)];
      case S.CMD.GET_READERS_STATE_ARRAY:
        return this.world.slots.map((s) => this.world.entry(s));
      case S.CMD.CONNECT:
        return K.connect(this, c, body);
      case S.CMD.RECONNECT:
        return K.reconnect(this, c, body);
      case S.CMD.DISCONNECT:
        return K.disconnect(this, c, body);
      case S.CMD.BEGIN_TRANSACTION:
        return K.begin(this, c, body);
      case S.CMD.END_TRANSACTION:
        return K.end(this, c, body);
      case S.CMD.STATUS:
        return K.status(this, c, body);
      case S.CMD.TRANSMIT:
        return K.transmit(this, c, body);
      case S.CMD.CONTROL:
        return K.control(this, c, body);
      case S.CMD.GET_ATTRIB:
        return K.getAttrib(this, c, body);
      case S.CMD.SET_ATTRIB:
        return K.setAttrib(this, c, body);
      default:
        return 'close';
    }
  }

  /**
   * docs/protocol.md#cmd_version-answers: what each release answers to CMD_VERSION; the reply always carries
   * its own version.
   */
  private version(c: Conn, body: Buffer): K.Reply {
    const f = S.unpack(S.version, body);
    const [major, minor] = [f.num('major'), f.num('minor')];
    this.versionsAsked.push({ conn: c.id, major, minor });
    const { rv, oldApi } = versionAnswer(this.b, major, minor);
    if (oldApi) c.oldApi = true;
    if (rv === 0) c.clientMinor = minor;
    return [S.pack(S.version, { major: 4, minor: this.b.minor, rv })];
  }

  private establish(c: Conn, body: Buffer): K.Reply {
    const scope = S.unpack(S.establish, body).num('dwScope');
    if (scope > 3) return [S.patch(S.establish, body, { hContext: 0, rv: RV.INVALID_VALUE })];
    c.hContext = this.newContextHandle();
    return [S.patch(S.establish, body, { hContext: c.hContext, rv: 0 })];
  }

  private release(c: Conn, body: Buffer): K.Reply {
    const h = S.unpack(S.release, body).num('hContext');
    const rv = c.hContext === 0 ? RV.INVALID_HANDLE : h !== c.hContext ? RV.INVALID_VALUE : 0;
    if (rv === 0) this.releaseContext(c);
    return [S.patch(S.release, body, { rv })];
  }

  /** docs/protocol.md#cancel: wakes the connection that holds hContext, whichever it is. */
  private cancel(body: Buffer): K.Reply {
    const h = S.u32(body, 0);
    const target = [...this.conns.values()].find((x) => x.hContext !== 0 && x.hContext === h);
    let rv: number;
    if (!target) rv = RV.INVALID_HANDLE;
    else if (target.registered) {
      this.notify(target, RV.CANCELLED);
      rv = 0;
    } else rv = this.b.cancelIdleOk ? 0 : RV.INVALID_HANDLE;
    return [S.patch(S.cancel, body, { rv })];
  }

  /** CMD_GET_READERS_STATE and old-style WAIT replies: the fixed array (2.5: 16 entries, one write each). */
  private oldArray(): Buffer[] {
    if (!this.b.growingArray) return [Buffer.concat(this.world.slots.map((s) => this.world.entry(s)))];
    const out = this.world.slots.slice(0, 16).map((s) => this.world.entry(s));
    while (out.length < 16) out.push(this.world.entry(null));
    return out;
  }

  private wait(c: Conn): K.Reply {
    if (c.registered) this.violation(c, 'CMD_WAIT_READER_STATE_CHANGE while already registered');
    c.registered = true;
    if (this.b.minor <= 3) return [];
    if (this.b.growingArray && !c.oldApi) return [];
    return this.oldArray();
  }

  private stopWait(c: Conn, body: Buffer): K.Reply {
    // ≤ 4:3 daemons echo the request's timeOut; later ones send 0.
    const timeOut = this.b.minor <= 3 ? S.u32(body, 0) : 0;
    const reply = [S.pack(S.wait, { timeOut, rv: 0 })];
    if (c.registered) {
      c.registered = false;
      return reply;
    }
    this.strayStops++;
    return this.b.stopAlwaysReplies ? reply : [];
  }

  private newContextHandle(): number {
    for (;;) {
      const h = this.b.oldContextHandles ? 0x01030000 + 1 + (this.rnd() % 65535) : this.rnd() & 0x7fffffff;
      if (h !== 0 && ![...this.conns.values()].some((c) => c.hContext === h)) return h;
    }
  }
}

/** mulberry32: small, seeded, good enough for handles and garbage. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
