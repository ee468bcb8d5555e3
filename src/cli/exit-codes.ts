// The one exit-code table of the whole CLI (README "Exit codes").

import type { ErrorKind } from '../core/index.js';

export const ExitCode = {
  OK: 0,
  /** A check failed, or a status word was not the one expected. */
  CHECK_FAILED: 1,
  /** Bad flag, malformed hex, ambiguous reader. */
  USAGE: 2,
  /** PC/SC service unavailable or incompatible (pcscd missing, stopped, refused us). */
  SERVICE: 3,
  /** Reader or card error (unknown reader, no card, card removed, sharing violation). */
  READER: 4,
  TIMEOUT: 5,
  /** A download failed: offline, host not found, HTTP error. */
  NETWORK: 6,
  /** Internal error: a bug in pcsc. */
  INTERNAL: 70,
  /** Ctrl-C (SIGINT): 128 + 2, as a shell reports it. */
  INTERRUPTED: 130,
  /** SIGTERM: 128 + 15. */
  TERMINATED: 143,
} as const;

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'usage':
      return ExitCode.USAGE;
    case 'service':
      return ExitCode.SERVICE;
    case 'reader':
      return ExitCode.READER;
    case 'timeout':
      return ExitCode.TIMEOUT;
    case 'cancelled':
      return ExitCode.INTERRUPTED;
    case 'network':
      return ExitCode.NETWORK;
    default:
      return ExitCode.INTERNAL;
  }
}
