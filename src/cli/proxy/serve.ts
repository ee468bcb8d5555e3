// What `pcsc proxy` and `pcsc spy` share: resolve the sockets, say where we listen, serve until
// Ctrl-C, and send spy records to stdout or a file.

import { createWriteStream, type WriteStream } from 'node:fs';
import { ux } from '@oclif/core';
import { probeUpstream, resolveSocketPath, serveUntil, type ProxyCall, type ProxyRun } from '../../core/index.js';
import { renderCall } from '../render/spy.js';

export interface ServeOptions {
  listen: string;
  upstream?: string | undefined;
  legacyNames: boolean;
  /** Present for `spy`. */
  spy?: { json: boolean; output?: string | undefined; showSecrets: boolean };
}

export interface Logger {
  log(line: string): void;
}

/** Start-up and trouble notes go to stderr even with --json, where stdout holds only records. */
const note = (line: string): void => ux.stderr(line);

export async function serve(out: Logger, opts: ServeOptions, signal: AbortSignal): Promise<ProxyRun> {
  const upstream = resolveSocketPath({ path: opts.upstream }).path;
  // Opened once listening: a proxy that cannot start leaves no empty trace file behind.
  let sink = null as ReturnType<typeof callSink> | null;
  try {
    return await serveUntil(
      {
        listen: opts.listen,
        upstream,
        legacyNames: opts.legacyNames,
        showSecrets: opts.spy?.showSecrets ?? false,
        ...(opts.spy ? { onCall: (c: ProxyCall) => sink?.write(c) } : {}),
        onEvent: (e) => {
          if (e.kind === 'upstream-error') note(`pcsc: client ${e.client}: ${e.message}`);
        },
      },
      signal,
      () => {
        if (opts.spy) sink = callSink(out, opts.spy);
        void probeUpstream(upstream).then((p) => {
          const daemon = 'protocol' in p ? `pcscd ${p.protocol}` : `pcscd not reachable now (${p.error})`;
          note(`pcsc: listening on ${opts.listen}, forwarding to ${upstream} (${daemon})`);
          note(`pcsc: point clients at it with PCSCLITE_CSOCK_NAME=${opts.listen}; Ctrl-C stops`);
        });
      },
    );
  } finally {
    await sink?.close();
  }
}

function callSink(out: Logger, o: NonNullable<ServeOptions['spy']>): { write: (c: ProxyCall) => void; close: () => Promise<void> } {
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
