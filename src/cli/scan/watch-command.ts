// `pcsc scan` (watch mode) and `pcsc scan --wait-card`: the bodies of those branches of
// src/commands/scan.ts, shared with the fast path (src/cli/fast.ts).

import { formatHex, parseHex } from '../../core/index.js';
import type { CommandIo } from '../command-io.js';
import { makeStyle } from '../style.js';
import { scanNameLookup } from './atr-names.js';
import type { WaitCardResult } from './result.js';
import { runWatch, waitForCard, type WatchRunOptions } from './run-watch.js';

export interface WatchFlags {
  socket?: string | undefined;
  backend: string;
  reader?: string | undefined;
  'no-analysis': boolean;
  time?: number | undefined;
  count?: number | undefined;
  stress: boolean;
  debug: boolean;
  pnp: boolean;
}

/** What a watch prints to: a command's io, which can print a JSON object (a failure's) on one line. */
export interface WatchIo extends CommandIo {
  /** From now on a JSON object is one line, as watch mode's events are (NDJSON). */
  streamJson(): void;
}

/** What runWatch and waitForCard take, from the flags: the style, the ATR list (unless -n) opened first. */
async function watchOptions(flags: WatchFlags, io: CommandIo): Promise<WatchRunOptions> {
  const style = await makeStyle();
  const names = await scanNameLookup(flags['no-analysis']);
  return {
    socket: flags.socket,
    backend: flags.backend as 'pcscd' | 'usb' | 'auto',
    reader: flags.reader,
    forcePnp: flags.pnp,
    debug: flags.debug,
    stress: flags.stress,
    analysis: !flags['no-analysis'],
    names,
    seconds: flags.time || undefined,
    count: flags.count,
    json: io.jsonEnabled(),
    style,
    signal: io.signal,
    spinner: Boolean(process.stdout.isTTY && process.stderr.isTTY),
    sink: { log: (l: string) => io.log(l), json: (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n') },
  };
}

/** Watch mode: every event until Ctrl-C, -t, --count or a closed stdout. */
export async function runWatchMode(flags: WatchFlags, io: WatchIo): Promise<void> {
  const opts = await watchOptions(flags, io);
  io.streamJson();
  await runWatch(opts);
}

/** --wait-card: the first card's ATR on stdout (notes on stderr), or the card for --json. */
export async function runWaitCard(flags: WatchFlags, io: CommandIo): Promise<WaitCardResult> {
  const opts = await watchOptions(flags, io);
  const card = await waitForCard({ ...opts, sink: { ...opts.sink, log: (l: string) => io.logToStderr(l) } });
  if (!io.jsonEnabled()) io.log(formatHex(parseHex(card.atr)));
  return card;
}
