// Reader-state fetching and event registration for every protocol minor (docs/protocol.md#reader-states,
// docs/protocol.md#calls, docs/protocol.md#versions).
//
// The main connection registers for notifications (CMD_WAIT_READER_STATE_CHANGE). On 4:4/4:5 that
// also returns the array in one atomic step. On ≤ 4:3 and 4:6 it returns nothing, so the array is
// read on a second, context-free connection *after* registering: a change in between then always
// produces a notification (libpcsclite ≤ 1.8.23 fetched first and could miss it), and nothing but
// notifications ever arrives on the registered connection, so no reply can be confused with one.

import { PcscError, ProtocolError, Scard, hex32 } from '../errors.js';
import { MAX_READERS_CONTEXTS, Size } from './codes.js';
import {
  decodeReaderEvents,
  decodeWait,
  encodeGetReaderEvents,
  encodeGetReadersState,
  encodeGetReadersStateArray,
  encodeGetReadersStateSize,
  encodeStopWait,
  encodeWait,
  type WaitMsg,
} from './messages/simple.js';
import { decodeReaderStates, type ReaderStateEntry } from './messages/reader-state.js';
import { getI32 } from './messages/wire.js';
import { Session } from './session.js';

/** A 4:6 daemon's array grows 2 slots at a time; anything beyond this is garbage, not readers. */
const MAX_SANE_ENTRIES = 4096;

export class StateChannel {
  private readonly main: Session;
  private readonly path: string;
  private side: Session | null = null;
  /** Entries per array on ≤ 4:5: 16, or more from a daemon built with a larger limit. */
  private entries: number | undefined;
  private stopToken = 0x5eed0000;
  /** Registered for one notification (the daemon unregisters us when it sends it). */
  armed = false;
  /** A notification that arrived while reading another reply (4:5 CMD_GET_READER_EVENTS race). */
  pendingNote: WaitMsg | null = null;

  constructor(main: Session, path: string) {
    this.main = main;
    this.path = path;
  }

  get minor(): number {
    return this.main.minor;
  }

  /** The current reader states, without registering. */
  async fetch(): Promise<ReaderStateEntry[]> {
    if (this.minor >= 6 || this.armed) return this.fetchSide();
    this.main.conn.write(encodeGetReadersState());
    return this.readFixedArray(this.main, 'CMD_GET_READERS_STATE');
  }

  /** Registers for the next change and returns the states as of registration. */
  async armAndFetch(): Promise<ReaderStateEntry[]> {
    if (this.armed) throw new Error('internal: already registered for reader events');
    this.pendingNote = null;
    this.main.conn.write(encodeWait(this.minor, 0));
    this.armed = true;
    if (this.minor === 4 || this.minor === 5) return this.readFixedArray(this.main, 'CMD_WAIT_READER_STATE_CHANGE');
    return this.fetchSide();
  }

  /** 4:5+: the daemon-wide reader add/remove counter (≥ 1). A notification may overtake the reply. */
  async readerEvents(): Promise<number> {
    this.main.conn.write(encodeGetReaderEvents());
    for (;;) {
      const b = await this.main.readMore(Size.READER_EVENTS, 'reply to CMD_GET_READER_EVENTS');
      // readerEvents is never 0; a notification's first word always is
      // (docs/protocol.md#registration-and-the-stop-race).
      if (this.armed && getI32(b, 0) === 0) {
        this.armed = false;
        this.pendingNote = decodeWait(b);
        continue;
      }
      const m = decodeReaderEvents(b);
      if (m.readerEvents === 0 || m.rv !== Scard.S_SUCCESS) {
        throw new ProtocolError(`CMD_GET_READER_EVENTS returned {${m.readerEvents}, ${hex32(m.rv)}}`);
      }
      return m.readerEvents;
    }
  }

  /** Waits up to ms for the notification; null when none came (still registered). */
  async waitNotification(ms: number, signal?: AbortSignal): Promise<WaitMsg | null> {
    const b = await this.main.conn.readOrIdle(Size.WAIT, ms, signal);
    if (!b) return null;
    this.armed = false;
    return decodeWait(b);
  }

  /**
   * Unregisters. Exactly one 8-byte message answers (docs/protocol.md#registration-and-the-stop-race): the
   * STOP reply, or the notification that got there first, which is returned so the caller can see a cancel.
   */
  async stop(): Promise<WaitMsg> {
    const token = (this.stopToken = (this.stopToken + 1) >>> 0);
    this.main.conn.write(encodeStopWait(this.minor, token));
    // Unregistered from here on: if no reply comes, the read fails and so does the connection.
    this.armed = false;
    const first = decodeWait(await this.main.readMore(Size.WAIT, 'reply to CMD_STOP_WAITING_READER_STATE_CHANGE'));
    if (this.minor <= 3 && first.timeOut !== token) {
      // ≤ 4:3 daemons echo our token in the STOP reply. This was a notification; daemons before
      // 1.8.19 still send the reply after it, which must not be left in the stream.
      const late = await this.main.conn.readOrIdle(Size.WAIT, 100);
      if (late && decodeWait(late).timeOut !== token) throw new ProtocolError('unexpected message after STOP');
    }
    return first;
  }

  close(): void {
    this.side?.close();
    this.side = null;
  }

  /** Array of 16 entries (2944 bytes), or the size this daemon was found to use. */
  private async readFixedArray(s: Session, what: string): Promise<ReaderStateEntry[]> {
    const es = s.layout.entrySize;
    const count = this.entries ?? MAX_READERS_CONTEXTS;
    // pcscd sends the array at once (for 4:4's WAIT_READER_STATE_CHANGE too: the event comes later).
    const parts = [await s.readMore(count * es, `reader-state array (${what})`, s.quickTimeout)];
    if (this.entries === undefined) {
      // A daemon built with a larger PCSCLITE_MAX_READERS_CONTEXTS (Fedora) sends more entries
      // in the same write; take the whole entries already here, and remember the count.
      await new Promise((r) => setImmediate(r));
      while (s.conn.buffered >= es) parts.push(await s.readMore(es, 'reader-state entry'));
      this.entries = count + parts.length - 1;
    }
    return decodeReaderStates(s.layout, parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
  }

  private async fetchSide(retry = true): Promise<ReaderStateEntry[]> {
    const s = await this.sideSession();
    try {
      if (this.minor < 6) {
        s.conn.write(encodeGetReadersState());
        return await this.readFixedArray(s, 'CMD_GET_READERS_STATE');
      }
      // 4:6: size, array, and the size again: the array can grow between the two requests.
      s.conn.write(encodeGetReadersStateSize());
      const n = getI32(
        await s.readMore(Size.READERS_STATE_SIZE, 'reply to CMD_GET_READERS_STATE_SIZE', s.quickTimeout),
        0,
      );
      if (n < 0 || n > MAX_SANE_ENTRIES) throw new ProtocolError(`CMD_GET_READERS_STATE_SIZE returned ${n}`);
      s.conn.write(Buffer.concat([encodeGetReadersStateArray(), encodeGetReadersStateSize()]));
      const array = await s.readMore(n * s.layout.entrySize, 'reader-state array (CMD_GET_READERS_STATE_ARRAY)');
      const again = getI32(await s.readMore(Size.READERS_STATE_SIZE, 'reply to CMD_GET_READERS_STATE_SIZE'), 0);
      if (again !== n) throw new ProtocolError(`reader array size changed from ${n} to ${again} while reading`);
      return decodeReaderStates(s.layout, array);
    } catch (e) {
      // The side connection holds no context: drop it and try once more on a fresh one.
      this.close();
      if (retry && !(e instanceof PcscError && e.code === Scard.E_NO_SERVICE)) return this.fetchSide(false);
      throw e;
    }
  }

  private async sideSession(): Promise<Session> {
    if (this.side && !this.side.conn.closed) return this.side;
    this.side = await Session.open({
      path: this.path,
      maxMinor: this.minor,
      legacyNames: this.main.layout.nameSize,
      requestTimeout: this.main.requestTimeout,
    });
    if (this.side.minor !== this.minor) {
      const got = this.side.protocol;
      this.close();
      throw new ProtocolError(`second connection negotiated ${got}, first ${this.main.protocol}`);
    }
    return this.side;
  }
}
