// The base of every command: --json, one exit-code table, one-line errors, Ctrl-C that always works.

import { Command } from '@oclif/core/command';
import { describeFailure, isBusy, isNoService } from './errors.js';
import { termSafe } from './escape.js';
import { ExitCode } from './exit-codes.js';
import { nearest } from './suggest.js';

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  /** Aborted on Ctrl-C / SIGTERM: pass it to every wait. */
  protected readonly abort = new AbortController();
  /** The exit code of the signal that stopped the command (130 SIGINT, 143 SIGTERM), once one came. */
  private stoppedBy: number | undefined;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.stoppedBy !== undefined) process.exit(this.stoppedBy); // second Ctrl-C: leave now
    this.stoppedBy = signal === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
    this.abort.abort();
    // Everything we wait on honours the signal; this is a last resort if something does not (and says so:
    // a clean stop prints nothing).
    const code = this.stoppedBy;
    setTimeout(() => {
      process.stderr.write('pcsc: still busy 3 s after the signal: leaving without cleaning up\n');
      process.exit(code);
    }, 3000).unref();
  };

  /** 130 after Ctrl-C (SIGINT), 143 after SIGTERM, as a shell reports a command its signal ended; else undefined. */
  protected get signalExitCode(): number | undefined {
    return this.stoppedBy;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Every human line goes out with control characters made visible (termSafe, ./escape.js), styling kept. */
  override log(message = '', ...args: unknown[]): void {
    super.log(termSafe(message, { styled: true }), ...args);
  }

  override logToStderr(message = '', ...args: unknown[]): void {
    super.logToStderr(termSafe(message, { styled: true }), ...args);
  }

  override async init(): Promise<void> {
    await super.init();
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  override async finally(err: Error | undefined): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    return super.finally(err);
  }

  override async catch(err: Error & { exitCode?: number }): Promise<void> {
    const serviceHint =
      isNoService(err) && !this.jsonEnabled()
        ? (await import('./service-hint.js')).serviceHint(err, socketArg(this.argv))
        : undefined;
    // A card another program holds: name the programs connected to pcscd now (the same report as doctor's).
    const busy = isBusy(err) ? await busyHintFor(socketArg(this.argv)) : undefined;
    const f = describeFailure(err, { serviceHint, busyHint: busy?.hint });
    const typo = unknownFlagMessage(err, this.id, this.knownFlags());
    if (typo) f.message = f.json.message = typo;
    const exitCode = this.stoppedBy ?? f.exitCode;
    process.exitCode = exitCode;
    // Stopped by a signal: a normal stop, not an error (no error object, no message).
    if (exitCode === 0 || this.stoppedBy !== undefined) return;
    if (this.jsonEnabled()) {
      this.logJson({ error: { ...f.json, ...(busy ? busy.json : {}) } });
      return;
    }
    // One line each, whatever the message quotes (a path with a newline, a script's bytes).
    this.logToStderr(`pcsc: ${termSafe(f.message)}`);
    if (f.hint) this.logToStderr(`pcsc: ${termSafe(f.hint)}`);
  }

  /** Every flag this command takes, as typed: `--name` and `-c`. */
  private knownFlags(): string[] {
    const flags = { ...this.ctor.baseFlags, ...this.ctor.flags };
    const names = Object.entries(flags)
      .filter(([, f]) => !f.hidden)
      .flatMap(([name, f]) => [`--${name}`, ...(f.char ? [`-${f.char}`] : [])]);
    return [...names, ...(this.ctor.enableJsonFlag ? ['--json'] : []), '--help', '-h'];
  }

  protected override toErrorJson(err: unknown): unknown {
    return { error: describeFailure(err).json };
  }
}

/** oclif's "Nonexistent flag: --jsno" as one line naming the nearest flag, or undefined for other errors. */
export function unknownFlagMessage(err: unknown, id: string | undefined, known: readonly string[]): string | undefined {
  const flags = (err as { flags?: unknown }).flags;
  if (!(err instanceof Error) || !/^Nonexistent flags?:/.test(err.message) || !Array.isArray(flags)) return undefined;
  const [first] = flags.map(String);
  if (first === undefined) return undefined;
  const word = first.replace(/=.*$/, '');
  const near = nearest(word, known);
  const cmd = id ? `pcsc ${id.replace(/:/g, ' ')}` : 'pcsc';
  return `unknown flag ${word} for ${cmd}${near ? `; did you mean ${near}?` : ''} (${cmd} --help lists its flags)`;
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
