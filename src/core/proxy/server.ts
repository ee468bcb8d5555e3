// The proxy's listening socket: takes pcscd's place for clients (any protocol 4:2–4:6), one
// session per client connection, and removes its socket when it stops.

import { statSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { listenOnActivation } from './activation.js';
import { ArraySize } from './arrays.js';
import { ClientStream } from './client-stream.js';
import { LayoutCache } from './layout-cache.js';
import { listenOnPath, type Listener } from './listen.js';
import { ReaderEventCounter } from './reader-events.js';
import { ProxySession, type ProxyShared } from './session.js';
import type { ProxyCall, ProxyEvent, ProxyOptions } from './types.js';
import type { SocketPeerProcess } from '../system/socket-peer.js';

const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

export interface ProxyStats {
  /** Client connections accepted so far. */
  served: number;
  /** Client connections open now. */
  open: number;
}

export class ProxyServer {
  readonly listen: string;
  readonly upstream: string;
  private readonly server: Server;
  private readonly listener: Listener;
  private readonly sessions = new Set<ProxySession>();
  private readonly sockets = new Set<Socket>();
  private nextId = 1;
  private closing: Promise<void> | null = null;

  private constructor(listener: Listener, opts: ProxyOptions) {
    this.listener = listener;
    this.server = listener.server;
    this.listen = opts.listen;
    this.upstream = opts.upstream;
  }

  /** Listens on opts.listen. Refuses a path that another live server holds, or that is not a socket. */
  static async start(opts: ProxyOptions): Promise<ProxyServer> {
    if (resolve(opts.listen) === resolve(opts.upstream)) {
      throw new UsageError(
        `the proxy cannot listen on pcscd's own socket (${opts.listen}): pick another --listen path`,
      );
    }
    const shared: ProxyShared = {
      options: opts,
      requestTimeout: opts.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
      contexts: new Map(),
      readerEvents: new ReaderEventCounter(),
      arraySize: new ArraySize(),
      layouts: new LayoutCache(),
      tracing: opts.onCall !== undefined,
      emitCall: (c: ProxyCall) => opts.onCall?.(c),
      emitEvent: (e: ProxyEvent) => opts.onEvent?.(e),
    };
    let proxy: ProxyServer | null = null;
    const accept = (sock: Socket): void => (proxy ? proxy.accept(sock, shared) : void sock.destroy());
    // A socket systemd passed (socket activation) is served as it is: its file stays systemd's.
    const listener = opts.activation
      ? await listenOnActivation(opts.activation, opts.listen, accept)
      : await listenOnPath(opts.listen, opts.mode, accept);
    proxy = new ProxyServer(listener, opts);
    // An upstream path that leads back to our socket (a symlink, a bind mount) would forward each
    // client to the proxy itself, one connection per level, until file descriptors run out.
    if (sameFile(opts.upstream, opts.listen)) {
      await proxy.close();
      throw new UsageError(
        `--upstream ${opts.upstream} leads to the proxy's own socket (${opts.listen}): point it at pcscd's socket`,
      );
    }
    return proxy;
  }

  get stats(): ProxyStats {
    return { served: this.nextId - 1, open: this.sessions.size };
  }

  /** Stops listening, closes every client (and its daemon connection), removes the socket. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((done) => {
      this.server.close(() => done());
      for (const s of this.sessions) s.abort();
      for (const s of this.sockets) s.destroy();
    }).then(() => this.removeSocket());
    return this.closing;
  }

  private accept(sock: Socket, shared: ProxyShared): void {
    if (this.closing) {
      sock.destroy();
      return;
    }
    const id = this.nextId++;
    const session = new ProxySession(id, new ClientStream(sock), shared);
    this.sessions.add(session);
    this.sockets.add(sock);
    // The spy labels each connection with its process: found before the first call is served (bounded), so
    // that every record of the connection carries it.
    const found = shared.tracing ? clientProcess(sock) : Promise.resolve(undefined);
    void found
      .then((peer) => {
        session.peer = peer;
        const who = peer ? { pid: peer.pid, uid: peer.uid, process: peer.command, argv: peer.argv } : {};
        shared.emitEvent({ kind: 'connected', client: id, ...who });
        return session.run();
      })
      .finally(() => {
        this.sessions.delete(session);
        this.sockets.delete(sock);
      });
  }

  private removeSocket(): void {
    this.listener.remove();
  }
}

/** How long the spy looks for a client's process before serving it unlabelled. */
const IDENTIFY_MS = 1000;

/** The process at the other end of an accepted connection (Linux; undefined elsewhere or when not found). */
async function clientProcess(sock: Socket): Promise<SocketPeerProcess | undefined> {
  if (process.platform !== 'linux') return undefined;
  // Node keeps the descriptor on the socket's handle (no public API gives it, nor SO_PEERCRED).
  const fd = (sock as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  const { createProbe } = await import('../system/probe.js');
  const { ownSocketInode, peerProcess } = await import('../system/socket-peer.js');
  let timer: NodeJS.Timeout | undefined;
  const look = (async () => {
    const probe = createProbe();
    const inode = await ownSocketInode(probe, fd);
    return inode === undefined ? undefined : peerProcess(probe, inode);
  })().catch(() => undefined);
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), IDENTIFY_MS)));
  try {
    return await Promise.race([look, late]);
  } finally {
    clearTimeout(timer);
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

export interface ProxyRun extends ProxyStats {
  listen: string;
  upstream: string;
}

/** Serves until the signal aborts (Ctrl-C), then closes everything and removes the socket. */
export async function serveUntil(
  opts: ProxyOptions,
  signal: AbortSignal,
  onListening?: (p: ProxyServer) => void,
): Promise<ProxyRun> {
  const proxy = await ProxyServer.start(opts);
  try {
    onListening?.(proxy);
    await new Promise<void>((done) => {
      if (signal.aborted) done();
      else signal.addEventListener('abort', () => done(), { once: true });
    });
  } finally {
    await proxy.close();
  }
  return { listen: proxy.listen, upstream: proxy.upstream, ...proxy.stats };
}

/** Asks the daemon for its version once: "4:4", or why it cannot be reached (for the start-up line). */
export async function probeUpstream(path: string): Promise<{ protocol: string } | { error: string }> {
  const { Session } = await import('../pcscd/session.js');
  try {
    const s = await Session.open({ path, connectTimeout: 2000, requestTimeout: 5000 });
    s.close();
    return { protocol: s.protocol };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
