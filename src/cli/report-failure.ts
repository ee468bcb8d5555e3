// A command's failure as the user sees it: the exit code, then one `pcsc:` line (and a hint) on
// stderr, or the --json error object. Shared by oclif's path (BaseCommand.catch) and the fast path.

import { describeFailure, isBusy, isNoService } from './errors.js';
import { termSafe } from './escape.js';

export interface FailureSink {
  json: boolean;
  /** The exit code of the signal that stopped the command (src/cli/interrupt.ts), if one did. */
  stoppedBy: number | undefined;
  /** A better one-line message for this error, if the runner has one (oclif's unknown flag: the nearest). */
  rewrite?: (err: unknown) => string | undefined;
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
  // A card another program holds: name the programs connected to pcscd now (the same report as doctor's).
  const busy = isBusy(err) ? await busyHintFor(socketArg(sink.argv)) : undefined;
  const f = describeFailure(err, { serviceHint, busyHint: busy?.hint });
  const better = sink.rewrite?.(err);
  if (better) f.message = f.json.message = better;
  const exitCode = sink.stoppedBy ?? f.exitCode;
  process.exitCode = exitCode;
  // Stopped by a signal: a normal stop, not an error (no error object, no message).
  if (exitCode === 0 || sink.stoppedBy !== undefined) return;
  if (sink.json) {
    sink.logJson({ error: { ...f.json, ...(busy ? busy.json : {}) } });
    return;
  }
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

interface BusyHint {
  hint: string;
  /** Added to the --json error object: the programs connected to pcscd (README "JSON"). */
  json: { heldBy: { pid: number; user: string; command: string }[]; hiddenConnections?: number };
}

/**
 * The line naming who may hold the card, and the fix (src/core/doctor/checks/holders.ts); undefined
 * off Linux or when nothing listens at the socket (the USB backend answered).
 */
async function busyHintFor(socket: string | undefined): Promise<BusyHint | undefined> {
  try {
    const [{ busyReport, createProbe }, { resolveSocketPath }] = await Promise.all([
      import('../core/doctor/index.js'),
      import('../core/internal.js'),
    ]);
    const probe = createProbe();
    if (probe.platform !== 'linux') return undefined;
    const path = resolveSocketPath({ path: socket, env: process.env }).path;
    const r = await busyReport(probe, path, { exclude: [process.pid] });
    if (!r.clients?.listening) return undefined;
    const cmds = r.fix.commands?.length ? ` (${r.fix.commands.map((c) => `\`${c}\``).join(', ')})` : '';
    const { clients, unattributed } = r.clients;
    return {
      hint: `The card is ${r.line}. ${r.fix.text}${cmds}`,
      json: {
        heldBy: clients.map((c) => ({ pid: c.pid, user: c.user, command: c.command })),
        ...(unattributed > 0 ? { hiddenConnections: unattributed } : {}),
      },
    };
  } catch {
    return undefined; // the hint is a help, never a second failure
  }
}
