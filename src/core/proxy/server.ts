// The proxy's listening socket: takes pcscd's place for clients (any protocol 4:2–4:6), one
// session per client connection, and removes its socket when it stops.

import { chmodSync, lstatSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { listenOnActivation } from './activation.js';
import { ArraySize } from './arrays.js';
import { ClientStream } from './client-stream.js';
import { LayoutCache } from './layout-cache.js';
import { prepareListenDir } from './listen-dir.js';
import { ReaderEventCounter } from './reader-events.js';
import { ProxySession, type ProxyShared } from './session.js';
import type { ProxyCall, ProxyEvent, ProxyOptions } from './types.js';

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
  private readonly sessions = new Set<ProxySession>();
  private readonly sockets = new Set<Socket>();
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private inode: number | null = null;

  private constructor(server: Server, opts: ProxyOptions) {
    this.server = server;
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
    // A socket systemd passed (opts.activation) is served as it is: its file is systemd's.
    if (!opts.activation) {
      prepareListenDir(opts.listen);
      await clearStaleSocket(opts.listen);
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
    if (opts.activation) {
      let proxy: ProxyServer | null = null;
      const server = await listenOnActivation(opts.activation, (sock) =>
        proxy ? proxy.accept(sock, shared) : sock.destroy(),
      );
      proxy = new ProxyServer(server, opts);
      if (sameFile(opts.upstream, opts.listen)) {
        await proxy.close();
        throw new UsageError(`--upstream ${opts.upstream} is the socket systemd passed: point it at pcscd's socket`);
      }
      return proxy;
    }
    const server = createServer();
    const proxy = new ProxyServer(server, opts);
    server.on('connection', (sock) => proxy.accept(sock, shared));
    await new Promise<void>((ok, fail) => {
      server.once('error', (err: NodeJS.ErrnoException) => fail(listenError(err, opts.listen)));
      server.listen({ path: opts.listen }, () => ok());
    });
    // Owner only: the daemon sees the proxy's user on every connection (polkit), whoever the client is.
    chmodSync(opts.listen, 0o600);
    server.on('error', () => undefined);
    proxy.inode = lstatSync(opts.listen).ino;
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
    shared.emitEvent({ kind: 'connected', client: id });
    void session.run().finally(() => {
      this.sessions.delete(session);
      this.sockets.delete(sock);
    });
  }

  private removeSocket(): void {
    if (this.inode === null) return; // systemd's socket (activation): it stays for the next start
    try {
      // Only our own socket: another proxy may have taken the path since.
      if (lstatSync(this.listen).ino === this.inode) unlinkSync(this.listen);
    } catch {
      // already gone
    }
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

function listenError(err: NodeJS.ErrnoException, path: string): Error {
  if (err.code === 'EACCES') return new UsageError(`cannot listen on ${path}: permission denied`);
  if (err.code === 'EADDRINUSE') return new UsageError(`cannot listen on ${path}: already in use`);
  return new UsageError(`cannot listen on ${path}: ${err.code ?? err.message}`);
}

/** A socket file nobody answers on (a proxy that was killed) is removed; anything else is refused. */
async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new UsageError(`cannot listen on ${path}: a file that is not a socket is in the way`);
  const alive = await new Promise<boolean>((done) => {
    const c = createConnection({ path });
    const t = setTimeout(() => {
      c.destroy();
      done(true);
    }, 1000);
    c.once('connect', () => {
      clearTimeout(t);
      c.destroy();
      done(true);
    });
    c.once('error', () => {
      clearTimeout(t);
      done(false);
    });
  });
  if (alive) throw new UsageError(`cannot listen on ${path}: another program is listening there`);
  unlinkSync(path);
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
