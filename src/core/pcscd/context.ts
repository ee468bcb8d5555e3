// A PC/SC context on pcscd (docs/protocol.md#calls, docs/protocol.md#connections): one socket, one hContext,
// every call serialised on it.

import { PcscError, ProtocolError, Scard, UsageError } from '../errors.js';
import { Scope, Share, protocolMask } from '../scard/constants.js';
import type {
  Card,
  ConnectOptions,
  Context,
  ContextInfo,
  ReaderState,
  ReaderStateQuery,
  WaitOptions,
} from '../scard/types.js';
import { PcscdConnection } from './connection.js';
import {
  decodeCancel,
  decodeEstablish,
  decodeRelease,
  encodeCancel,
  encodeEstablish,
  encodeRelease,
} from './messages/simple.js';
import type { ReaderStateEntry } from './messages/reader-state.js';
import { Session, type SessionOptions } from './session.js';
import { resolveSocketPath } from './socket-path.js';
import { StateChannel } from './states.js';
import { Size } from './codes.js';

export interface PcscdContextOptions extends Omit<SessionOptions, 'path'> {
  /** Socket path; default PCSCLITE_CSOCK_NAME, then /run/pcscd/pcscd.comm, /var/run/pcscd/pcscd.comm. */
  socket?: string;
  env?: NodeJS.ProcessEnv;
  /** SCARD_SCOPE_* by name (or its number); pcscd treats all four alike. Default 'system'. */
  scope?: Lowercase<keyof typeof Scope> | number;
}

/** Bound on the RELEASE reply: the close that follows releases the context on the daemon too. */
const RELEASE_TIMEOUT_MS = 2000;

export class PcscdContext implements Context {
  readonly info: ContextInfo;
  /** The daemon's own version from CMD_VERSION (it may be newer than the one negotiated). */
  readonly daemonVersion: { major: number; minor: number };
  readonly hContext: number;
  /** @internal */ readonly session: Session;
  /** @internal */ readonly states: StateChannel;
  private waiting = false;
  private released = false;
  /** getStatusChange calls queued or running on this context; cancel() flags them all. */
  private readonly waits = new Set<{ cancelled: boolean }>();

  private constructor(session: Session, hContext: number, path: string) {
    this.session = session;
    this.hContext = hContext;
    this.daemonVersion = session.daemonVersion;
    this.states = new StateChannel(session, path);
    const { major, minor } = session.daemonVersion;
    this.info = { backend: 'pcscd', protocol: session.protocol, socket: path, daemonProtocol: `${major}:${minor}` };
  }

  static async establish(opts: PcscdContextOptions = {}): Promise<PcscdContext> {
    const { path } = resolveSocketPath({ path: opts.socket, env: opts.env });
    const scope = scopeValue(opts.scope); // a bad name fails before anything is opened
    const session = await Session.open({ ...opts, path });
    try {
      const reply = decodeEstablish(
        await session.call(encodeEstablish(scope), Size.ESTABLISH, 'SCARD_ESTABLISH_CONTEXT', {
          timeout: session.quickTimeout,
          signal: opts.signal,
        }),
      );
      if (reply.rv !== Scard.S_SUCCESS) throw new PcscError(reply.rv, 'establishing a context');
      return new PcscdContext(session, reply.hContext, path);
    } catch (e) {
      session.close();
      throw e;
    }
  }

  get protocolMinor(): number {
    return this.session.minor;
  }

  /** @internal Runs one exchange with the connection to itself. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.released) return Promise.reject(new PcscError(Scard.E_INVALID_HANDLE, 'context already released'));
    const conn = this.session.conn;
    // No async wrapper here: this is on the path of every transmit.
    return conn.exclusive(
      () => {
        // The daemon dropped the context with its connection: nothing may pretend to work.
        const dead = conn.error;
        if (dead) return Promise.reject(dead);
        try {
          return fn();
        } catch (e) {
          return Promise.reject(e);
        }
      },
      (e) => {
        // After a reply pcscd never sends, the stream cannot be trusted: stop using it.
        if (e instanceof ProtocolError) conn.invalidate(e);
      },
    );
  }

  /** @internal The reader-state array, for listReaders and Card.status. */
  fetchStates(): Promise<ReaderStateEntry[]> {
    return this.run(() => this.states.fetch());
  }

  async listReaders(): Promise<string[]> {
    return (await this.fetchStates()).map((e) => e.name);
  }

  async getStatusChange(states: readonly ReaderStateQuery[], opts: WaitOptions = {}): Promise<ReaderState[]> {
    const token = { cancelled: false };
    this.waits.add(token);
    try {
      return await this.run(async () => {
        this.waiting = true;
        try {
          const { getStatusChange } = await import('./status-change.js');
          return await getStatusChange(this.states, states, opts, () => token.cancelled);
        } finally {
          this.waiting = false;
        }
      });
    } finally {
      this.waits.delete(token);
    }
  }

  async connect(reader: string, opts: ConnectOptions = {}): Promise<Card> {
    const share = opts.share ?? 'shared';
    const protocols = protocolMask(opts.protocols ?? ['T=0', 'T=1']);
    // Loaded on first use: `pcsc scan -r` and other commands that only list readers start faster.
    const [{ decodeConnect, encodeConnect }, { PcscdCard }] = await Promise.all([
      import('./messages/connect.js'),
      import('./card.js'),
    ]);
    const req = encodeConnect(this.session.layout, {
      hContext: this.hContext,
      reader,
      shareMode: Share[share],
      preferredProtocols: protocols,
    });
    if (!req)
      throw new PcscError(Scard.E_INVALID_VALUE, `reader name longer than ${this.session.layout.nameSize - 1} bytes`);
    if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, `connecting to "${reader}" aborted`);
    // An abort while pcscd powers the card closes the connection, as for transmit: the reply
    // would come later and be taken for the next one.
    const reply = await this.run(async () =>
      decodeConnect(
        this.session.layout,
        await this.session.call(req, this.session.layout.connectSize, 'SCARD_CONNECT', { signal: opts.signal }),
      ),
    ).catch((e: unknown) => {
      // pcscd answers a CONNECT at once unless another program's transaction holds the card: it then
      // waits for the transaction to end (docs/protocol.md#connect_struct).
      if (e instanceof PcscError && e.code === Scard.E_TIMEOUT)
        throw new PcscError(
          Scard.E_TIMEOUT,
          `pcscd held the connection to "${reader}" for ${this.session.requestTimeout / 1000} s: another program keeps a transaction open on the card`,
          { cause: e },
        );
      throw e;
    });
    if (reply.rv !== Scard.S_SUCCESS) throw new PcscError(reply.rv, `connecting to "${reader}"`);
    return new PcscdCard(this, reply.hCard, reader, share, reply.activeProtocol);
  }

  /**
   * SCardCancel (docs/protocol.md#cancel): a temporary connection, without CMD_VERSION, asks the daemon to wake the
   * connection that waits. A call that has not reached the daemon's wait yet (queued, or still
   * registering) would miss that wake-up, so every pending call is also flagged: it checks the
   * flag before it waits. Nothing to do when no call is pending.
   */
  async cancel(): Promise<void> {
    if (this.waits.size === 0) return;
    for (const w of this.waits) w.cancelled = true;
    if (!this.waiting) return;
    const side = await PcscdConnection.open(this.session.conn.path);
    try {
      side.write(encodeCancel(this.hContext));
      const reply = decodeCancel(
        await side.read(Size.CANCEL, { timeout: this.session.requestTimeout, what: 'reply to SCARD_CANCEL' }),
      );
      if (reply.hContext !== this.hContext)
        throw new ProtocolError('the reply to SCARD_CANCEL does not echo the request: pcscd sent garbage');
      // Daemons before 2.0.1 answer INVALID_HANDLE when the wait had just ended: nothing to cancel.
      if (reply.rv !== Scard.S_SUCCESS && reply.rv !== Scard.E_INVALID_HANDLE)
        throw new PcscError(reply.rv, 'cancelling');
    } finally {
      side.close();
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    if (this.waits.size > 0) await this.cancel().catch(() => undefined);
    try {
      if (!this.session.conn.closed) {
        await this.run(async () => {
          // Closing the socket releases the context anyway
          // (docs/protocol.md#establishing-and-releasing-a-context): never wait long for this reply.
          const wait = Math.min(this.session.quickTimeout, RELEASE_TIMEOUT_MS);
          const r = decodeRelease(
            await this.session.call(encodeRelease(this.hContext), Size.RELEASE, 'SCARD_RELEASE_CONTEXT', {
              timeout: wait,
            }),
          );
          if (r.rv !== Scard.S_SUCCESS) throw new PcscError(r.rv, 'releasing the context');
        });
      }
    } finally {
      this.released = true;
      this.states.close();
      this.session.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release().catch(() => undefined);
  }
}

/** EstablishOptions.scope as sent: a name's SCARD_SCOPE_* value, a number as is; an unknown name is a UsageError. */
export function scopeValue(scope: PcscdContextOptions['scope']): number {
  if (scope === undefined) return Scope.SYSTEM;
  if (typeof scope === 'number') return scope;
  const v = (Scope as Readonly<Record<string, number>>)[String(scope).toUpperCase()];
  if (v === undefined) throw new UsageError(`scope "${scope}" is not one of user, terminal, system, global`);
  return v;
}
