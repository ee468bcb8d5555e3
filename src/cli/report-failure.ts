// A command's failure as the user sees it: the exit code, then one `pcsc:` line (and a hint) on
// stderr, or the --json error object. Shared by oclif's path (BaseCommand.catch) and the fast path.

import { describeFailure, isNoService } from './errors.js';
import { termSafe } from './escape.js';
import { ExitCode } from './exit-codes.js';

export interface FailureSink {
  json: boolean;
  interrupted: boolean;
  /** The command's arguments (for the --socket a "no pcscd" hint names). */
  argv: readonly string[];
  logJson(json: unknown): void;
  logToStderr(message: string): void;
}

export async function reportFailure(err: unknown, sink: FailureSink): Promise<void> {
  const serviceHint =
    isNoService(err) && !sink.json
      ? (await import('./service-hint.js')).serviceHint(err, socketArg(sink.argv))
      : undefined;
  const f = describeFailure(err, { serviceHint });
  const exitCode = sink.interrupted ? ExitCode.INTERRUPTED : f.exitCode;
  process.exitCode = exitCode;
  if (exitCode === 0) return;
  if (sink.json) {
    sink.logJson({ error: f.json });
    return;
  }
  if (sink.interrupted) return;
  // One line each, whatever the message quotes (a path with a newline, a script's bytes).
  sink.logToStderr(`pcsc: ${termSafe(f.message)}`);
  if (f.hint) sink.logToStderr(`pcsc: ${termSafe(f.hint)}`);
}

/** The `--socket` given on the command line (flags may not have parsed), for the failure hint. */
export function socketArg(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (a === '--socket') return argv[i + 1];
    if (a.startsWith('--socket=')) return a.slice('--socket='.length);
  }
  return undefined;
}
