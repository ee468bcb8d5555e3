// `pcsc apdu`: flags → APDUs → run on the card → pure renderers; the typed result is the --json
// output. The body of src/commands/apdu.ts, shared with the fast path (src/cli/fast.ts).

import { UsageError } from '../../core/index.js';
import type { CommandIo } from '../command-io.js';
import type { ApduFlags } from './options.js';
import type { ApduResult } from './result.js';

export interface ApduCommandFlags extends ApduFlags {
  timing: boolean;
  'data-only': boolean;
}

/** `args`: the words in the order given (not oclif's argv, which reorders repeated values). */
export async function runApduCommand(
  flags: ApduCommandFlags,
  args: readonly string[],
  io: CommandIo,
): Promise<ApduResult | undefined> {
  const { prepare } = await import('./options.js');
  const { runApdu } = await import('./run.js');
  const render = await import('./render.js');
  const { makeStyle } = await import('../style.js');
  const { settle } = await import('./settle.js');
  const json = io.jsonEnabled();
  const quiet = json || flags['data-only'] || flags.repeat !== undefined;
  const ro = { timing: flags.timing, showSecrets: flags['show-secrets'], style: await makeStyle() };
  // On a terminal with no APDUs (or -f - on a terminal): the interactive prompt.
  const interactive =
    args.length === 0 &&
    flags.control === undefined &&
    (flags.file === undefined || flags.file === '-') &&
    Boolean(process.stdin.isTTY);
  if (interactive && (json || flags.repeat !== undefined)) {
    throw new UsageError(
      `${json ? '--json' : '--repeat'} needs APDUs: give them as arguments, with -f FILE or on stdin (on a terminal without them, pcsc apdu is interactive)`,
      'EUSAGE',
    );
  }
  // APDUs given as arguments: stdin is never read, and process.stdin (a stream Node builds when
  // first asked for) is left alone.
  const opts = await prepare(flags, args, args.length > 0 ? undefined : process.stdin, io.signal, interactive);
  if (interactive) {
    const { runInteractive } = await import('./interactive.js');
    const { historyPath } = await import('./history.js');
    const code = await runInteractive({
      prepared: opts,
      validate: flags.validate,
      render: ro,
      dataOnly: flags['data-only'],
      signal: io.signal,
      input: process.stdin,
      output: process.stdout,
      log: (l) => io.log(l),
      error: (l) => io.logToStderr(l),
      historyFile: historyPath(),
    });
    process.exitCode = io.signalExitCode ?? code;
    return undefined;
  }
  // `pcsc apdu … | head -1`: once the reader of our output is gone, send nothing more.
  const { onStdoutClosed } = await import('../stdout-closed.js');
  const piped = new AbortController();
  const offClosed = onStdoutClosed(() => piped.abort());
  let run: Awaited<ReturnType<typeof runApdu>> | null = null;
  try {
    run = await runApdu({
      ...opts,
      signal: AbortSignal.any([io.signal, piped.signal]),
      // As opensc-tool -s: say which reader was taken when none was named.
      onReaderWithCard: (name) => {
        if (!json) io.logToStderr(`Using reader with a card: ${name}`);
      },
      onConnect: (h) => {
        if (!quiet) io.logToStderr(render.renderHeader(h, ro.style));
      },
      onRecord: (r) => {
        if (flags['data-only']) {
          const line = render.renderDataOnly(r);
          if (line !== null) io.log(line);
        } else if (!quiet) for (const l of render.renderRecord(r, ro)) io.log(l);
      },
    });
  } catch (e) {
    if (!piped.signal.aborted) throw e;
  } finally {
    offClosed();
  }
  // A filter whose reader left stops quietly (exit 0), as `scan` and `spy` do.
  if (!run || piped.signal.aborted) return run?.result;
  const end = settle(run, { ...ro, json, dataOnly: flags['data-only'], repeat: flags.repeat });
  for (const l of end.stdout) io.log(l);
  if (end.rethrow) throw end.rethrow;
  if (end.stderr) io.logToStderr(`pcsc: ${end.stderr}`);
  if (end.error) run.result.error = end.error;
  if (end.exitCode) process.exitCode = end.exitCode;
  if (io.signalExitCode !== undefined) process.exitCode = io.signalExitCode;
  return run.result;
}
