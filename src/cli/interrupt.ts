// Ctrl-C and SIGTERM while a command runs: the first aborts its signal (every wait honours it), the
// second leaves at once; the exit code is the signal's (130 SIGINT, 143 SIGTERM), as a shell
// reports. One implementation for oclif's path (BaseCommand) and the fast path (src/cli/fast.ts).

import { ExitCode } from './exit-codes.js';

export class Interrupt {
  readonly abort = new AbortController();
  /** The exit code of the signal that stopped the command (130 SIGINT, 143 SIGTERM), once one came. */
  stoppedBy: number | undefined;
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

  install(): void {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  remove(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
