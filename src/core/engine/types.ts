// The doctor engine's contract: checks are small pure units over an injected SystemProbe.
// doctor, udev-check and ssh-check are the same engine with different check filters.

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'error';

export type Platform = 'linux' | 'darwin' | 'win32' | 'freebsd' | 'openbsd';

export interface Fix {
  /** What to do, in one or two sentences. */
  text: string;
  /** Exact commands that fix it, in order (shown as a copy-pastable block). */
  commands?: string[];
  /** True when the commands need root. */
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

/**
 * What checks may read. Every method is injectable: tests point `root` at a fixture tree and
 * replace process/socket/command access with scripted answers.
 */
export interface SystemProbe {
  /** The directory that stands for `/` (fixture trees in tests). */
  readonly root: string;
  readonly platform: Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user id running the checks ("can you open this node?"); absent where unknown. */
  readonly uid?: number;
  /** Absolute (system) path → path under root. */
  path(p: string): string;
  readFile(p: string): Promise<string | null>;
  readDir(p: string): Promise<string[] | null>;
  stat(p: string): Promise<ProbeStat | null>;
  lstat(p: string): Promise<ProbeStat | null>;
  readLink(p: string): Promise<string | null>;
  /** realpath(3) as the system would resolve it (symlinks under root resolved inside root). */
  realPath(p: string): Promise<string | null>;
  /** Runs a program with an argument array (never a shell); null when it cannot be run. */
  run(cmd: string, args: string[], opts?: { timeoutMs?: number }): Promise<RunResult | null>;
  /** Processes: pid, command line (argv), user id. */
  processes(): Promise<ProcessInfo[]>;
}

export interface ProbeStat {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  isSocket: boolean;
  isCharDevice: boolean;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  /** Device number (major, minor) for device nodes. */
  rdev?: { major: number; minor: number };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ProcessInfo {
  pid: number;
  argv: string[];
  uid: number;
  /** Executable path from /proc/PID/exe when readable. */
  exe?: string;
}

/** Shared facts checks hand to their dependants (e.g. the pcscd version found by one check). */
export type Facts = Map<string, unknown>;

export interface CheckContext {
  probe: SystemProbe;
  /** Results of the checks this one depends on, by id. */
  results: ReadonlyMap<string, CheckReport>;
  facts: Facts;
  /** Options the command passed (e.g. ssh-check's provider path and -P list). */
  options: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
}

export interface Check {
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
  run(ctx: CheckContext): Promise<CheckResult>;
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

export interface DoctorReport {
  checks: CheckReport[];
  summary: Record<CheckStatus, number>;
  /** True when no check failed or errored. */
  ok: boolean;
  /** The pcscd protocol we negotiated ("4:4"), when a daemon answered (doctor only). */
  protocol?: string;
}
