// The base of every command: --json, one exit-code table, one-line errors, Ctrl-C that always works.
// The fast path (src/cli/fast.ts) runs some commands' bodies without oclif: what this class does
// around a body lives in shared modules (interrupt, report-failure) so both paths behave alike.

import { Command } from '@oclif/core/command';
import type { CommandIo } from './command-io.js';
import { describeFailure } from './errors.js';
import { termSafe } from './escape.js';
import { Interrupt } from './interrupt.js';
import { reportFailure } from './report-failure.js';

export abstract class BaseCommand extends Command implements CommandIo {
  static override enableJsonFlag = true;

  private readonly interrupt = new Interrupt();

  /** Aborted on Ctrl-C / SIGTERM: pass it to every wait. */
  get signal(): AbortSignal {
    return this.interrupt.abort.signal;
  }

  /** Every human line goes out with control characters made visible (src/cli/escape.ts), styling kept. */
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
      interrupted: this.interrupt.interrupted,
      argv: this.argv,
      logJson: (j) => this.logJson(j),
      logToStderr: (m) => this.logToStderr(m),
    });
  }

  protected override toErrorJson(err: unknown): unknown {
    return { error: describeFailure(err).json };
  }
}
