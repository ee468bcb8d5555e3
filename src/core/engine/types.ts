// The check engine's contract: checks are small pure units over an injected SystemProbe.
// doctor, udev-check and ssh-check are the same engine with different check registries and filters.

import type { Platform, SystemProbe } from '../system/types.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'error';

export interface Fix {
  /** What to do, in one or two sentences. */
  text: string;
  /** Exact commands that fix it, in order (shown as a copy-pastable block). */
  commands?: string[];
  /**
   * The commands need root and the user who ran the checks is not root: they start with sudo,
   * doas or `su -c` (whichever is installed), or must be run as root when none is.
   */
  root?: boolean;
}

export interface CheckResult {
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** Why it matters and the evidence (paths, versions, rule lines). */
  details?: string[];
  fix?: Fix;
  /** Machine-readable findings for --json (check-specific, documented per check). */
  data?: Record<string, unknown>;
}

/** The facts of a registry that does not declare them: any key, values unknown. */
export type UntypedFacts = Record<string, unknown>;
/** The options of a registry that does not declare them. */
export type UntypedOptions = Record<string, unknown>;

/**
 * What checks hand to their dependants and to the command that ran them (the pcscd version one
 * check found, the negotiated protocol), typed by the registry's record of known facts `F`.
 */
export interface Facts<F extends object = UntypedFacts> {
  get<K extends keyof F>(key: K): F[K] | undefined;
  set<K extends keyof F>(key: K, value: F[K]): void;
}

export interface CheckContext<F extends object = UntypedFacts, O extends object = UntypedOptions> {
  probe: SystemProbe;
  /** Results of the checks this one depends on, by id. */
  results: ReadonlyMap<string, CheckReport>;
  facts: Facts<F>;
  /** Options the command passed (e.g. doctor's socket, ssh-check's provider path and -P list). */
  options: Readonly<O>;
  signal: AbortSignal;
}

/** A check of a registry whose facts are `F` and whose command options are `O`. */
export interface Check<F extends object = UntypedFacts, O extends object = UntypedOptions> {
  id: string;
  title: string;
  /** What the check looks at and why it matters (for `--list` and docs/doctor.md). */
  description?: string;
  category: string;
  platforms: readonly Platform[];
  /** Ids of checks that must pass (or warn) first; if one fails, this one is skipped. */
  dependsOn?: readonly string[];
  /** Default 5000 ms; the engine turns an overrun into status 'error'. */
  timeoutMs?: number;
  run(ctx: CheckContext<F, O>): Promise<CheckResult>;
}

/** A check's result as reported: `details` and `fix` always there (`[]`, `null`) for --json readers. */
export interface CheckReport extends Omit<CheckResult, 'details' | 'fix'> {
  details: string[];
  fix: Fix | null;
  id: string;
  title: string;
  category: string;
  durationUs: number;
}

/** What one run of the engine found: every selected check's report and the count per status. */
export interface RunReport {
  checks: CheckReport[];
  summary: Record<CheckStatus, number>;
  /** True when no check failed or errored. */
  ok: boolean;
}
