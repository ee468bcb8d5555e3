// What a command's body needs from whoever runs it: oclif (src/cli/base.ts) or the fast path
// (src/cli/fast.ts), which runs the same body without loading oclif. Both print the same way.

export interface CommandIo {
  /** A human line on stdout (nothing with --json), control characters made visible. */
  log(message?: string): void;
  /** The same, on stderr. */
  logToStderr(message?: string): void;
  jsonEnabled(): boolean;
  /** Aborted on Ctrl-C / SIGTERM: pass it to every wait. */
  readonly signal: AbortSignal;
  /** 130 after Ctrl-C (SIGINT), 143 after SIGTERM; else undefined. */
  readonly signalExitCode: number | undefined;
}
