// Ctrl-C and SIGTERM while a command runs: the first aborts its signal (every wait honours it), the
// second leaves at once; exit 130 either way. One implementation for oclif's path and the fast path.

import { ExitCode } from './exit-codes.js';

export class Interrupt {
  readonly abort = new AbortController();
  interrupted = false;
  private readonly onSignal = (): void => {
    if (this.interrupted) process.exit(ExitCode.INTERRUPTED); // second Ctrl-C: leave now
    this.interrupted = true;
    this.abort.abort();
    // Everything we wait on honours the signal; this is a last resort if something does not.
    setTimeout(() => process.exit(ExitCode.INTERRUPTED), 3000).unref();
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
