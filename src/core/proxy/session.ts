// One client of the proxy (docs/protocol.md#connections, docs/protocol.md#serving-older-clients): it speaks
// the client's protocol minor to the client and the daemon's to its own upstream connection, serves one
// request at a time as pcscd does, relays reader-event notifications and cancels, and closes the client
// cleanly when the daemon goes away.

import { PcscError, Scard } from '../errors.js';
import { LAYOUT_100, LAYOUT_128, MAX_READERS_CONTEXTS, PROTOCOL_MAJOR, type Layout } from '../pcscd/codes.js';
import type { ReaderStateEntry } from '../pcscd/messages/reader-state.js';
import { encodeWaitStruct, type WaitMsg } from '../pcscd/messages/simple.js';
import { Session } from '../pcscd/session.js';
import { StateChannel } from '../pcscd/states.js';
import { fixedView, sameStates, type ArraySize } from './arrays.js';
import { ClientDropped } from './backpressure.js';
import type { ClientStream } from './client-stream.js';
import type { LayoutCache } from './layout-cache.js';
import { dispatch } from './dispatch.js';
import { callRecord, type CallFacts } from './records.js';
import type { SocketPeerProcess } from '../system/socket-peer.js';
import type { ReaderEventCounter } from './reader-events.js';
import type { RawRequest } from './requests.js';
import type { ProxyCall, ProxyEvent, ProxyOptions } from './types.js';

/** A client that never sent CMD_VERSION (a cancel connection) is served with 4:4 rules. */
const DEFAULT_MINOR = 4;

/** What all sessions of one proxy share. */
export interface ProxyShared {
  readonly options: ProxyOptions;
  readonly requestTimeout: number;
  /** hContext → the session whose client established it, for SCARD_CANCEL from another connection. */
  readonly contexts: Map<number, ProxySession>;
  readonly readerEvents: ReaderEventCounter;
  readonly arraySize: ArraySize;
  /** 4:2 daemons' reader-name width, probed once per daemon socket. */
  readonly layouts: LayoutCache;
  /** Whether anyone listens to call records (building them costs hex conversions). */
  readonly tracing: boolean;
  emitCall(call: ProxyCall): void;
  emitEvent(event: ProxyEvent): void;
}

type Wake = 'request' | 'cancel' | 'note' | 'upstream-closed';

export class ProxySession {
  readonly id: number;
  /** The client's process, when the spy found it (found from the socket's peer in /proc; docs/clients.md). */
  peer: SocketPeerProcess | undefined;
  /** @internal */ readonly client: ClientStream;
  /** @internal */ readonly shared: ProxyShared;
  /** @internal The client's protocol minor and reader-name layout. */
  minor = DEFAULT_MINOR;
  versioned = false;
  layout: Layout = LAYOUT_128;
  /** @internal Registered for a notification, as the client sees it. */
  registered = false;
  /**
   * @internal Until when the daemon's notification is held back: right after a WAIT, libpcsclite asks for
   * what it needs next at once (4:5: CMD_GET_READER_EVENTS; 4:6: SIZE, then ARRAY), and a notification
   * forwarded in between would be read as the reply (docs/protocol.md#registration-and-the-stop-race). Null:
   * not held.
   */
  holdNotes: number | null = null;
  /** @internal The reader states the client last received (for ≤ 4:3 WAIT and re-registration). */
  seen: ReaderStateEntry[] | null = null;
  /**
   * @internal 4:6: the states to answer the very next request with: after a WAIT, the SIZE that
   * follows (states as of registration); after a SIZE, the ARRAY (same states, same count). Any
   * other request drops them, so a later SIZE always looks afresh.
   */
  pending: { entries: ReaderStateEntry[]; from: 'wait' | 'size'; size?: number } | null = null;
  /** @internal hCard → what it was opened on, for the spy. */
  readonly cards = new Map<number, { reader: string; share: number; protocol: number }>();
  private readonly contexts = new Set<number>();
  private up: Session | null = null;
  private chan: StateChannel | null = null;
  private cancels: Array<(rv: number | null) => void> = [];
  private wakeUp: ((w: Wake) => void) | null = null;

  constructor(id: number, client: ClientStream, shared: ProxyShared) {
    this.id = id;
    this.client = client;
    this.shared = shared;
    client.onReady(() => {
      // A client that left gets nothing more: its request in flight, if any, is abandoned, and
      // closing the daemon connection has pcscd release its context and cards (docs/proxy.md).
      if (client.closed) this.up?.close();
      this.poke('request');
    });
  }

  get protocol(): string {
    return `${PROTOCOL_MAJOR}:${this.minor}`;
  }

  /** @internal Entries of a ≤ 4:5 reader-state array for this proxy's clients (--client-slots). */
  get slots(): number {
    return this.shared.options.clientSlots ?? MAX_READERS_CONTEXTS;
  }

  /** Serves the client until it goes away, the daemon goes away, or it breaks the protocol. */
  async run(): Promise<void> {
    let reason: string | undefined;
    try {
      for (;;) {
        const wake = await this.nextWake();
        if (wake === 'upstream-closed') {
          reason = `pcscd connection lost: ${this.up?.conn.error?.message ?? 'closed'}`;
          this.shared.emitEvent({ kind: 'upstream-error', client: this.id, message: reason });
          break;
        }
        if (wake === 'cancel') {
          await this.serveCancels();
          continue;
        }
        if (wake === 'note') continue;
        const req = await this.client.next(this.minor);
        if (!req) break;
        await this.handle(req);
      }
    } catch (e) {
      if (e instanceof ClientDropped) {
        reason = e.message;
        this.shared.emitEvent({ kind: 'dropped', client: this.id, reason });
      } else if (!this.client.closed) {
        reason = e instanceof Error ? e.message : String(e);
        if (this.up?.conn.closed) this.shared.emitEvent({ kind: 'upstream-error', client: this.id, message: reason });
      }
    } finally {
      this.dispose();
      this.shared.emitEvent({ kind: 'disconnected', client: this.id, ...(reason ? { reason } : {}) });
    }
  }

  /**
   * SCARD_CANCEL from another connection: wakes this client's wait with SCARD_E_CANCELLED and
   * resolves with SCARD_S_SUCCESS; null when the client was not waiting.
   */
  requestCancel(): Promise<number | null> {
    return new Promise((resolve) => {
      this.cancels.push(resolve);
      this.poke('cancel');
    });
  }

  /** @internal The upstream connection, opened (and the version negotiated) on first use. */
  async upstream(): Promise<Session> {
    if (this.up) {
      if (this.up.conn.closed) throw this.up.conn.error ?? new PcscError(Scard.F_COMM_ERROR, 'pcscd connection closed');
      return this.up;
    }
    const path = this.shared.options.upstream;
    // A 4:2 daemon's name width is probed once per daemon (--legacy-names is about the proxy's own clients).
    const known = this.shared.layouts.get(path);
    this.up = await Session.open({
      path,
      requestTimeout: this.shared.requestTimeout,
      ...(known ? { legacyNames: known } : {}),
    });
    if (this.up.minor === 2 && !known) this.shared.layouts.remember(path, this.up.layout.nameSize);
    this.chan = new StateChannel(this.up, path);
    void this.up.conn.whenClosed().then(() => this.poke('upstream-closed'));
    return this.up;
  }

  /** @internal Reader states and registration on the upstream connection. */
  async states(): Promise<StateChannel> {
    await this.upstream();
    return this.chan as StateChannel;
  }

  /** @internal Adopts the version a client announced. */
  setVersion(minor: number): void {
    this.minor = minor;
    this.versioned = true;
    this.layout = minor === 2 && this.shared.options.legacyNames ? LAYOUT_100 : LAYOUT_128;
  }

  /** @internal Tracks the contexts established over this connection (one at a time, as pcscd). */
  addContext(hContext: number): void {
    for (const h of this.contexts) this.shared.contexts.delete(h);
    this.contexts.clear();
    this.contexts.add(hContext);
    this.shared.contexts.set(hContext, this);
  }

  removeContext(hContext: number): void {
    this.contexts.delete(hContext);
    if (this.shared.contexts.get(hContext) === this) this.shared.contexts.delete(hContext);
  }

  /** @internal Sends the client its notification and ends its registration. */
  notifyClient(rv: number): void {
    this.registered = false;
    this.holdNotes = null;
    this.client.write(encodeWaitStruct({ timeOut: 0, rv }));
    if (this.shared.tracing) this.shared.emitCall(callRecord(this, 'NOTIFICATION', new Date(), 0n, { rv }));
  }

  /**
   * @internal Runs an exchange that needs the upstream connection to itself while the client is
   * registered (only a client that ignores libpcsclite's per-context lock does this): steps out
   * of the registration, runs fn, registers again and tells the client if it missed a change.
   */
  async unregistered<T>(fn: () => Promise<T>): Promise<T> {
    const ch = await this.states();
    if (!ch.armed) return fn();
    const m = await ch.stop();
    if (m.rv === Scard.E_CANCELLED) this.notifyClient(m.rv);
    try {
      return await fn();
    } finally {
      if (this.registered) {
        const now = await ch.armAndFetch();
        if (!this.seen || !sameStates(this.seen, this.minor >= 6 ? now : fixedView(now, this.slots))) {
          await ch.stop();
          this.notifyClient(Scard.S_SUCCESS);
        }
      }
    }
  }

  private async handle(req: RawRequest): Promise<void> {
    const time = new Date();
    const t0 = process.hrtime.bigint();
    const rec: CallFacts = {};
    const pending = this.pending;
    this.pending = null;
    try {
      await dispatch(this, req, rec, pending);
    } catch (e) {
      rec.note = this.client.closed ? 'the client left' : e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      if (this.shared.tracing) this.shared.emitCall(callRecord(this, req.command, time, t0, rec));
    }
  }

  /** Waits for the next thing to do: a request, a cancel, or (while registered) the daemon's notification. */
  private async nextWake(): Promise<Wake> {
    if (this.cancels.length > 0) return 'cancel';
    if (this.client.ready) return 'request';
    const up = this.up;
    if (up?.conn.closed) return 'upstream-closed';
    const woken = new Promise<Wake>((resolve) => {
      this.wakeUp = resolve;
    });
    const hold = this.holdNotes;
    let timer: NodeJS.Timeout | undefined;
    if (hold !== null) {
      timer = setTimeout(
        () => {
          this.holdNotes = null;
          this.poke('note');
        },
        Math.max(0, hold - Date.now()),
      );
    }
    const ch = this.chan;
    let note: Promise<WaitMsg | null> | null = null;
    let stop: AbortController | null = null;
    if (ch?.armed && hold === null) {
      stop = new AbortController();
      note = ch.waitNotification(Infinity, stop.signal);
      note.then(
        () => this.poke('note'),
        () => this.poke('upstream-closed'),
      );
    }
    const wake = await woken;
    clearTimeout(timer);
    if (!note) return wake;
    stop?.abort();
    // The read may have completed just before the abort: then the notification was consumed.
    const msg = await note.catch(() => null);
    if (msg) {
      if (this.registered) this.notifyClient(msg.rv);
      return 'note';
    }
    if (up?.conn.closed) return 'upstream-closed';
    return wake === 'note' ? 'request' : wake;
  }

  /** Wakes nextWake, if it waits; the state it checks first covers a poke that comes between waits. */
  private poke(w: Wake): void {
    const f = this.wakeUp;
    this.wakeUp = null;
    f?.(w);
  }

  /** @internal Ends the client's wait, if it waits, with SCARD_E_CANCELLED; false when it was not waiting. */
  async cancelWait(): Promise<boolean> {
    if (!this.registered) return false;
    if (this.chan?.armed) await this.chan.stop();
    this.notifyClient(Scard.E_CANCELLED);
    return true;
  }

  private async serveCancels(): Promise<void> {
    const waiters = this.cancels.splice(0);
    let rv: number | null = Scard.S_SUCCESS;
    try {
      rv = (await this.cancelWait()) ? Scard.S_SUCCESS : null;
    } catch (e) {
      rv = e instanceof PcscError ? e.code : Scard.F_INTERNAL_ERROR;
      throw e;
    } finally {
      for (const w of waiters) w(rv);
    }
  }

  /** Ends the session now (the proxy is stopping): closes both sides, which ends any wait. */
  abort(): void {
    this.dispose();
    this.client.destroy();
  }

  private dispose(): void {
    for (const h of [...this.contexts]) this.removeContext(h);
    for (const w of this.cancels.splice(0)) w(Scard.E_INVALID_HANDLE);
    this.chan?.close();
    this.up?.close();
    this.client.close();
  }
}
