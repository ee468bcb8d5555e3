// One negotiated pcscd connection (docs/protocol.md#establishing-and-releasing-a-context,
// docs/protocol.md#negotiation): open, CMD_VERSION with fallback to the daemon's own version, the 4:2
// reader-name probe, and typed request/reply helpers on top of the socket.

import { PcscError, ProtocolError, Scard } from '../errors.js';
import {
  Cmd,
  HEADER_SIZE,
  LAYOUT_100,
  LAYOUT_128,
  MAX_READERS_CONTEXTS,
  NEWEST_MINOR,
  OLDEST_MINOR,
  PROTOCOL_MAJOR,
  Size,
  type Layout,
} from './codes.js';
import { PcscdConnection } from './connection.js';
import { readArrayLength } from './array-length.js';
import { decodeVersion, encodeVersion } from './messages/simple.js';
import { getU32 } from './messages/wire.js';
import { versionStep } from './negotiate.js';

/**
 * The bound on replies pcscd sends at once (CMD_VERSION, ESTABLISH, the reader list, RELEASE, STATUS): a daemon
 * that accepted the connection and says nothing for this long is hung (or a proxy in front of it is wedged).
 * Calls that legitimately wait (TRANSMIT, CONTROL, CONNECT, GET_STATUS_CHANGE) keep requestTimeout or their own.
 */
export const QUICK_REPLY_MS = 5000;

/** How long Session.open waits before trying again after a reset (see there). */
const RETRY_AFTER_RESET_MS = 100;

export interface SessionOptions {
  /** Socket path (already resolved). */
  path: string;
  /** Newest minor to offer (default 6); tests and `doctor` pin older ones. */
  maxMinor?: number;
  /** Reader-name width for a 4:2 daemon: 'auto' probes (docs/protocol.md#negotiation), or force 100/128. */
  legacyNames?: 'auto' | 100 | 128;
  /** Bound on each reply, milliseconds (default 30 s). */
  requestTimeout?: number;
  connectTimeout?: number;
  /** Ctrl-C: connecting and the handshake end at once with SCARD_E_CANCELLED. */
  signal?: AbortSignal | undefined;
}

export interface Negotiated {
  minor: number;
  layout: Layout;
  /** Every CMD_VERSION reply seen, for diagnostics: what the daemon says it speaks. */
  daemonVersion: { major: number; minor: number };
}

export class Session {
  readonly conn: PcscdConnection;
  readonly minor: number;
  readonly layout: Layout;
  readonly daemonVersion: { major: number; minor: number };
  readonly requestTimeout: number;
  /** The bound on replies pcscd sends at once: QUICK_REPLY_MS, or requestTimeout when that is shorter. */
  readonly quickTimeout: number;

  private constructor(conn: PcscdConnection, n: Negotiated, requestTimeout: number) {
    this.conn = conn;
    this.minor = n.minor;
    this.layout = n.layout;
    this.daemonVersion = n.daemonVersion;
    this.requestTimeout = requestTimeout;
    this.quickTimeout = Math.min(requestTimeout, QUICK_REPLY_MS);
  }

  static async open(opts: SessionOptions): Promise<Session> {
    try {
      return await Session.attempt(opts);
    } catch (e) {
      // pcscd refuses a client (polkit) by resetting the connection before its first answer, and
      // so does a daemon that is stopping or restarting. A refusal repeats; a restart does not.
      if (!(e instanceof PcscError && e.code === Scard.W_SECURITY_VIOLATION) || opts.signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, RETRY_AFTER_RESET_MS));
      return Session.attempt(opts);
    }
  }

  private static async attempt(opts: SessionOptions): Promise<Session> {
    const requestTimeout = opts.requestTimeout ?? 30_000;
    const conn = await PcscdConnection.open(opts.path, opts.connectTimeout, opts.signal);
    try {
      const n = await negotiate(conn, opts, Math.min(requestTimeout, QUICK_REPLY_MS));
      return new Session(conn, n, requestTimeout);
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  get protocol(): string {
    return `${PROTOCOL_MAJOR}:${this.minor}`;
  }

  /**
   * Sends a request and reads a fixed-size reply. `wait` overrides the bound for requests whose
   * reply waits on a card (TRANSMIT, CONTROL) and adds an abort signal. pcscd answers with the
   * struct it received, so a reply whose first field (hContext, hCard, dwScope) is not ours is
   * garbage (docs/protocol.md#replies).
   */
  async call(
    request: Uint8Array,
    replySize: number,
    what: string,
    wait: { timeout?: number; signal?: AbortSignal | undefined } = {},
  ): Promise<Buffer> {
    this.conn.write(request);
    const reply = await this.conn.read(replySize, {
      timeout: wait.timeout ?? this.requestTimeout,
      signal: wait.signal,
      what: `reply to ${what}`,
    });
    if (
      getU32(request, 0) >= 4 &&
      getU32(request, 4) !== Cmd.VERSION &&
      getU32(reply, 0) !== getU32(request, HEADER_SIZE)
    ) {
      const err = new ProtocolError(`the reply to ${what} does not echo the request: pcscd sent garbage`);
      this.conn.invalidate(err);
      throw err;
    }
    return reply;
  }

  /**
   * Sends a request whose reply is a struct of n bytes followed by `more(struct)` bytes, and
   * resolves with `done(struct, data)`. `what` is the whole text for errors ("reply to …").
   */
  callReply<T>(
    request: Uint8Array,
    n: number,
    more: (head: Buffer) => number,
    done: (head: Buffer, tail: Buffer) => T,
    what: string,
    wait: { timeout?: number; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    try {
      this.conn.write(request);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.conn.readReply(n, more, done, {
      timeout: wait.timeout ?? this.requestTimeout,
      tailTimeout: this.requestTimeout,
      signal: wait.signal,
      what,
    });
  }

  /** Reads n more bytes of a reply already requested (data after a struct). */
  readMore(n: number, what: string, timeout = this.requestTimeout): Promise<Buffer> {
    return this.conn.read(n, { timeout, what });
  }

  close(): void {
    this.conn.close();
  }
}

async function negotiate(conn: PcscdConnection, opts: SessionOptions, timeout: number): Promise<Negotiated> {
  const maxMinor = Math.min(opts.maxMinor ?? NEWEST_MINOR, NEWEST_MINOR);
  let minor = maxMinor;
  if (minor < OLDEST_MINOR)
    throw new PcscError(Scard.E_INVALID_VALUE, `protocol 4:${minor} is older than this client speaks`);
  let retried = false;
  for (;;) {
    conn.write(encodeVersion({ major: PROTOCOL_MAJOR, minor }));
    const reply = decodeVersion(
      await conn
        .read(Size.VERSION, { timeout, signal: opts.signal, what: 'reply to CMD_VERSION' })
        .catch((e: unknown) => {
          if (!(e instanceof PcscError && e.code === Scard.E_TIMEOUT)) throw e;
          throw new PcscError(
            Scard.E_TIMEOUT,
            `pcscd accepted the connection at ${conn.path} but did not answer CMD_VERSION in ${timeout / 1000} s (a hung daemon, or a wedged proxy in front of it)`,
            { cause: e },
          );
        }),
    );
    const step = versionStep(minor, reply, retried, maxMinor);
    if (step.kind === 'fail') throw new PcscError(step.rv, step.detail);
    if (step.kind === 'retry') {
      minor = step.minor;
      retried = true;
      continue;
    }
    const daemonVersion = { major: reply.major, minor: reply.minor };
    const layout =
      step.minor === 2
        ? await probeLayout(conn, opts.legacyNames ?? 'auto', daemonVersion, { timeout, signal: opts.signal })
        : LAYOUT_128;
    return { minor: step.minor, layout, daemonVersion };
  }
}

/**
 * "4:2" covers two layouts (docs/protocol.md#history): 100-byte names on 1.6.5–1.8.3, 128 on 1.8.4–1.8.8. The reader
 * state array tells them apart by its length: 2496 or 2944 bytes, up to the reply to the CMD_VERSION sent behind it
 * (src/core/pcscd/array-length.ts).
 */
async function probeLayout(
  conn: PcscdConnection,
  choice: 'auto' | 100 | 128,
  daemon: { major: number; minor: number },
  wait: { timeout: number; signal: AbortSignal | undefined },
): Promise<Layout> {
  if (choice === 100) return LAYOUT_100;
  if (choice === 128) return LAYOUT_128;
  const sizes = [LAYOUT_100.entrySize, LAYOUT_128.entrySize];
  // This connection goes on: the reply to the CMD_VERSION behind the array must be read here, or
  // it would be taken for the answer to the next request. Every release answers it (4:2 too), so
  // it is awaited for the whole timeout, and a daemon that stays silent leaves an unusable stream.
  const measured = await readArrayLength(conn, {
    isLength: (n) => sizes.some((e) => n >= MAX_READERS_CONTEXTS * e && n % e === 0),
    first: LAYOUT_100.entrySize,
    sent: 2,
    daemon,
    ...wait,
    quietMs: wait.timeout,
  });
  if (measured?.endedBy === 'silence')
    throw new ProtocolError(
      `pcscd did not answer the CMD_VERSION sent behind CMD_GET_READERS_STATE in ${wait.timeout / 1000} s`,
    );
  const bytes = measured?.bytes ?? 0;
  if (bytes === 16 * LAYOUT_100.entrySize) return LAYOUT_100;
  if (bytes === 16 * LAYOUT_128.entrySize) return LAYOUT_128;
  if (bytes > 0 && bytes % LAYOUT_128.entrySize === 0) return LAYOUT_128;
  if (bytes > 0 && bytes % LAYOUT_100.entrySize === 0) return LAYOUT_100;
  throw new ProtocolError(`cannot tell the 4:2 reader-name layout: CMD_GET_READERS_STATE returned ${bytes} bytes`);
}
