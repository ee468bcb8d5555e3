// Turns any error into what the CLI shows: one line, an exit code, and the --json error object.

import type { ErrorJson, ErrorKind, PcscError } from '../core/index.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';

export interface Failure {
  exitCode: number;
  message: string;
  json: ErrorJson;
  /** A second line telling the user what to do, when we know. */
  hint?: string;
}

const HINTS: Record<number, string> = {
  0x8010001e: 'The client and pcscd speak different protocol versions: run `pcsc doctor`.',
  0x8010006a: 'pcscd refused access (polkit?): run `pcsc doctor`.',
  0x8010002e: 'Plug in a reader, or check that pcscd sees it with `pcsc doctor`.',
  0x8010000b: 'Another program holds the card exclusively: run `pcsc doctor` to see what holds it.',
};

/** What the caller worked out that describeFailure cannot cheaply: the hint fitted to this machine. */
export interface FailureContext {
  /** For "Service not available": what to do here (./service-hint.js). */
  serviceHint?: string | undefined;
  /** For a card another program holds: who is connected to pcscd now, and the fix (src/cli/base.ts). */
  busyHint?: string | undefined;
}

const KINDS = new Set<string>(['usage', 'service', 'reader', 'timeout', 'cancelled', 'internal', 'network']);

/**
 * An error of the core (PcscError, UsageError, CcidError, NetworkError): it carries its ErrorKind and
 * its JSON. Recognised by that shape rather than by class, so that every command, `version` and
 * `completion` included, loads no core module just to report a failure.
 */
function isCoreError(e: unknown): e is Error & { kind: ErrorKind; code: unknown; toJSON(): ErrorJson } {
  const c = e as { kind?: unknown; toJSON?: unknown };
  return e instanceof Error && typeof c.kind === 'string' && KINDS.has(c.kind) && typeof c.toJSON === 'function';
}

/** SCARD_E_NO_SERVICE, whose hint the caller fits to this machine. */
const E_NO_SERVICE = 0x8010001d;

/** SCARD_E_SHARING_VIOLATION: another program holds the card (exclusively, or in a transaction). */
const E_SHARING_VIOLATION = 0x8010000b;

/** A card another program holds, whose hint names the programs connected to pcscd (src/cli/base.ts). */
export function isBusy(e: unknown): e is PcscError {
  return (
    isCoreError(e) &&
    (e.code === E_SHARING_VIOLATION || (e.code === E_TIMEOUT && /keeps a transaction open/.test(e.message)))
  );
}

/** SCARD_E_TIMEOUT: with "keeps a transaction open", pcscd held a CONNECT behind another program's transaction. */
const E_TIMEOUT = 0x8010000a;

/** SCARD_E_NO_SERVICE from the core: "no pcscd answers", whose hint ./service-hint.js fits. */
export function isNoService(e: unknown): e is PcscError {
  return isCoreError(e) && e.code === E_NO_SERVICE;
}

export function describeFailure(err: unknown, ctx: FailureContext = {}): Failure {
  if (isCoreError(err)) {
    const hint =
      err.code === E_NO_SERVICE
        ? (ctx.serviceHint ?? 'Run `pcsc doctor` to see why no pcscd answers.')
        : ctx.busyHint && isBusy(err)
          ? ctx.busyHint
          : typeof err.code === 'number'
            ? HINTS[err.code]
            : undefined;
    return { exitCode: exitCodeFor(err.kind), message: err.message, json: err.toJSON(), ...(hint ? { hint } : {}) };
  }
  const e = err as { oclif?: { exit?: number }; message?: string; code?: string };
  if (e && typeof e === 'object' && e.oclif && typeof e.message === 'string') {
    // oclif's parser errors (unknown flag, missing argument) are usage errors.
    const exit = e.oclif.exit === 0 ? 0 : ExitCode.USAGE;
    return {
      exitCode: exit,
      message: firstLine(e.message),
      json: { code: 'EUSAGE', name: 'USAGE', message: firstLine(e.message) },
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    exitCode: ExitCode.INTERNAL,
    message: `internal error: ${message} (please report this)`,
    // The code of SCARD_F_INTERNAL_ERROR, as a PcscError shows it.
    json: { code: '0x80100001', name: 'INTERNAL', message },
  };
}

function firstLine(s: string): string {
  // oclif's exclusive/dependsOn errors start with a heading line; the useful line is the next one.
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^The following errors? occurred:?$/.test(l) && !/^See more help with/.test(l));
  // A bad flag value is "Parsing --count" then the reason on the next line: keep both.
  if (/^Parsing --\S+$/.test(lines[0] ?? '') && lines[1]) return `${lines[0]}: ${lines[1]}`;
  // "Missing 1 required arg:" names the argument on the next line: keep it on the one line shown.
  if (lines[0]?.endsWith(':') && lines[1]) return `${lines[0]} ${lines[1].replace(/\s+/g, ' ')}`;
  return lines[0] ?? s;
}
