// What `pcsc proxy` and `pcsc spy` share: resolve the sockets, say where we listen, serve until
// Ctrl-C, and send spy records to stdout or a file (log-sink.ts).

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../core/index.js';
import { resolveSocketPath } from '../../core/internal.js';
import {
  CallSummary,
  probeUpstream,
  serveUntil,
  type Activation,
  type ProxyCall,
  type ProxyRun,
} from '../../core/proxy/index.js';
import { termSafe } from '../escape.js';
import { onStdoutClosed } from '../stdout-closed.js';
import { openLogSink, type LogSink } from './log-sink.js';

export interface ServeOptions {
  listen: string;
  upstream?: string | undefined;
  /** Socket mode (--mode); default 0600. */
  mode?: number | undefined;
  legacyNames: boolean;
  /** --client-slots: entries of a ≤ 4:5 client's reader-state array (default 16). */
  clientSlots?: number | undefined;
  /** A socket systemd passed (`pcsc proxy` socket-activated): served instead of binding `listen`. */
  activation?: Activation;
  /** Present for `spy`. */
  spy?: { json: boolean; output?: string | undefined; showSecrets: boolean };
}

/**
 * Start-up and trouble notes go to stderr even with --json, where stdout holds only records; one line
 * each. console.error(line) is what oclif's ux.stderr(line) writes for one string (util.format of a
 * lone string is the string), without oclif's modules in this file's graph.
 */
// eslint-disable-next-line no-console
const note = (line: string): void => console.error(termSafe(line));

export async function serve(given: ServeOptions, signal: AbortSignal): Promise<ProxyRun> {
  // Clients run elsewhere: the path they are told (PCSCLITE_CSOCK_NAME=…) must not depend on our directory.
  const opts = { ...given, listen: resolve(given.listen) };
  const upstream = resolveSocketPath({ path: opts.upstream }).path;
  if (opts.spy?.output) checkWritable(opts.spy.output);
  // Opened once listening: a proxy that cannot start leaves no empty trace file behind.
  let sink = null as LogSink | null;
  const summary = new CallSummary();
  // `pcsc spy | head`: once the reader of the log is gone, stop instead of serving on and recording nothing.
  const stop = new AbortController();
  let readerGone = false;
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const offClosed =
    opts.spy && !opts.spy.output
      ? onStdoutClosed(() => {
          note("pcsc: the log's reader went away (broken pipe): stopping");
          readerGone = true;
          stop.abort();
        })
      : () => undefined;
  try {
    return await serveUntil(
      {
        listen: opts.listen,
        upstream,
        ...(opts.mode === undefined ? {} : { mode: opts.mode }),
        ...(opts.activation ? { activation: opts.activation } : {}),
        legacyNames: opts.legacyNames,
        ...(opts.clientSlots === undefined ? {} : { clientSlots: opts.clientSlots }),
        showSecrets: opts.spy?.showSecrets ?? false,
        ...(opts.spy
          ? {
              onCall: (c: ProxyCall) => {
                summary.add(c);
                sink?.write(c);
              },
            }
          : {}),
        onEvent: (e) => {
          if (e.kind === 'connected' && opts.spy)
            note(
              `pcsc: client ${e.client} connected${e.pid !== undefined ? `: ${e.process ?? '?'} (pid ${e.pid}, uid ${e.uid ?? '?'}): ${(e.argv ?? []).join(' ')}` : ' (its process is not visible here)'}`,
            );
          if (e.kind === 'upstream-error') note(`pcsc: client ${e.client}: ${e.message}`);
          if (e.kind === 'dropped') note(`pcsc: client ${e.client} ${e.reason}`);
        },
      },
      stop.signal,
      () => {
        if (opts.spy) sink = openLogSink({ json: opts.spy.json, output: opts.spy.output, note });
        void probeUpstream(upstream).then((p) => {
          const daemon = 'protocol' in p ? `pcscd ${p.protocol}` : `pcscd not reachable now (${p.error})`;
          const how = opts.activation ? ' (the socket systemd passed)' : '';
          note(`pcsc: listening on ${opts.listen}${how}, forwarding to ${upstream} (${daemon})`);
          // Connecting takes write permission: read bits alone let nobody in.
          const mode = opts.mode ?? 0o600;
          const who = mode & 0o002 ? 'every user of this machine' : mode & 0o020 ? 'the members of its group' : null;
          if (who) note(`pcsc: the socket is mode 0${mode.toString(8)}: ${who} can use pcscd through it, as you`);
          note(`pcsc: point clients at it with PCSCLITE_CSOCK_NAME=${opts.listen}; Ctrl-C stops`);
        });
      },
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
    offClosed();
    // The summary at exit, into the log (with --json, its final object), unless nobody reads it any more.
    if (sink && !readerGone) sink.summary(summary.result());
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
