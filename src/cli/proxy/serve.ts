// What `pcsc proxy` and `pcsc spy` share: resolve the sockets, say where we listen, serve until
// Ctrl-C, and send spy records to stdout or a file.

import { accessSync, constants, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ux } from '@oclif/core';
import {
  probeUpstream,
  resolveSocketPath,
  serveUntil,
  UsageError,
  type Activation,
  type ProxyCall,
  type ProxyRun,
} from '../../core/index.js';
import { renderCall } from '../render/spy.js';
import { onStdoutClosed } from '../stdout-closed.js';

export interface ServeOptions {
  listen: string;
  upstream?: string | undefined;
  legacyNames: boolean;
  /** A socket systemd passed (`pcsc proxy` socket-activated): served instead of binding `listen`. */
  activation?: Activation;
  /** Present for `spy`. */
  spy?: { json: boolean; output?: string | undefined; showSecrets: boolean };
}

export interface Logger {
  log(line: string): void;
}

/** Start-up and trouble notes go to stderr even with --json, where stdout holds only records. */
const note = (line: string): void => ux.stderr(line);

export async function serve(out: Logger, given: ServeOptions, signal: AbortSignal): Promise<ProxyRun> {
  // Clients run elsewhere: the path they are told (PCSCLITE_CSOCK_NAME=…) must not depend on our directory.
  const opts = { ...given, listen: resolve(given.listen) };
  const upstream = resolveSocketPath({ path: opts.upstream }).path;
  if (opts.spy?.output) checkWritable(opts.spy.output);
  // Opened once listening: a proxy that cannot start leaves no empty trace file behind.
  let sink = null as ReturnType<typeof callSink> | null;
  // `pcsc spy | head`: once the reader of the log is gone, stop instead of serving on and recording nothing.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const offClosed =
    opts.spy && !opts.spy.output
      ? onStdoutClosed(() => {
          note("pcsc: the log's reader went away (broken pipe): stopping");
          stop.abort();
        })
      : () => undefined;
  try {
    return await serveUntil(
      {
        listen: opts.listen,
        upstream,
        ...(opts.activation ? { activation: opts.activation } : {}),
        legacyNames: opts.legacyNames,
        showSecrets: opts.spy?.showSecrets ?? false,
        ...(opts.spy ? { onCall: (c: ProxyCall) => sink?.write(c) } : {}),
        onEvent: (e) => {
          if (e.kind === 'upstream-error') note(`pcsc: client ${e.client}: ${e.message}`);
        },
      },
      stop.signal,
      () => {
        if (opts.spy) sink = callSink(out, opts.spy);
        void probeUpstream(upstream).then((p) => {
          const daemon = 'protocol' in p ? `pcscd ${p.protocol}` : `pcscd not reachable now (${p.error})`;
          const how = opts.activation ? ' (the socket systemd passed)' : '';
          note(`pcsc: listening on ${opts.listen}${how}, forwarding to ${upstream} (${daemon})`);
          note(`pcsc: point clients at it with PCSCLITE_CSOCK_NAME=${opts.listen}; Ctrl-C stops`);
        });
      },
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
    offClosed();
    await sink?.close();
  }
}

/** A spy whose log cannot be written would serve clients and record nothing: refuse at start. */
function checkWritable(file: string): void {
  const why = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);
  let exists = true;
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`cannot write the log to ${file}: it is a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    exists = false;
  }
  const target = exists ? file : dirname(file);
  try {
    accessSync(target, constants.W_OK);
  } catch (e) {
    const what = exists ? 'the file' : `directory ${target}`;
    throw new UsageError(
      `cannot write the log to ${file}: ${what} ${why(e) === 'ENOENT' ? 'does not exist' : `is not writable (${why(e)})`}`,
    );
  }
}

function callSink(
  out: Logger,
  o: NonNullable<ServeOptions['spy']>,
): { write: (c: ProxyCall) => void; close: () => Promise<void> } {
  const line = (c: ProxyCall): string => (o.json ? JSON.stringify(c) : renderCall(c));
  if (!o.output) {
    return { write: (c) => (o.json ? ux.stdout(line(c)) : out.log(line(c))), close: async () => undefined };
  }
  // Traces hold card data: readable by the owner only.
  const file: WriteStream = createWriteStream(o.output, { flags: 'w', mode: 0o600 });
  file.on('error', (e) => note(`pcsc: cannot write ${o.output}: ${e.message}`));
  return {
    write: (c) => void file.write(line(c) + '\n'),
    close: () => new Promise<void>((done) => file.end(() => done())),
  };
}
