// The base of every command: --json, one exit-code table, one-line errors, Ctrl-C that always works.
// The fast path (src/cli/fast.ts) runs some commands' bodies without oclif: what this class does
// around a body lives in shared modules (interrupt, report-failure) so both paths behave alike.

import { Command } from '@oclif/core/command';
import type { CommandIo } from './command-io.js';
import { describeFailure } from './errors.js';
import { termSafe } from './escape.js';
import { Interrupt } from './interrupt.js';
import { reportFailure } from './report-failure.js';
import { nearest } from './suggest.js';

export { socketArg } from './report-failure.js';

export abstract class BaseCommand extends Command implements CommandIo {
  static override enableJsonFlag = true;

  private readonly interrupt = new Interrupt();

  /** 130 after Ctrl-C (SIGINT), 143 after SIGTERM, as a shell reports a command its signal ended; else undefined. */
  get signalExitCode(): number | undefined {
    return this.interrupt.stoppedBy;
  }

  /** Aborted on Ctrl-C / SIGTERM: pass it to every wait. */
  get signal(): AbortSignal {
    return this.interrupt.abort.signal;
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
    this.interrupt.install();
  }

  override async finally(err: Error | undefined): Promise<void> {
    this.interrupt.remove();
    return super.finally(err);
  }

  override async catch(err: Error & { exitCode?: number }): Promise<void> {
    await reportFailure(err, {
      json: this.jsonEnabled(),
      stoppedBy: this.interrupt.stoppedBy,
      argv: this.argv,
      rewrite: (e) => unknownFlagMessage(e, this.id, this.knownFlags()),
      logJson: (j) => this.logJson(j),
      logToStderr: (m) => this.logToStderr(m),
    });
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
