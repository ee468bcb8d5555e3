// What the core may read of the machine it runs on, behind one injectable interface: the file
// system under a root (a fixture tree in tests), the environment, processes and programs.
// Used by doctor, ssh, udev and drivers; nothing here knows about checks.

export type Platform = 'linux' | 'darwin' | 'win32' | 'freebsd' | 'openbsd';

/**
 * What the core may read of the system. Every method is injectable: tests point `root` at a fixture tree and
 * replace process/socket/command access with scripted answers.
 */
export interface SystemProbe {
  /** The directory that stands for `/` (fixture trees in tests). */
  readonly root: string;
  readonly platform: Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user id running the probe ("can you open this node?", "are you root?"); absent where unknown. */
  readonly uid?: number;
  /** Absolute (system) path → path under root. */
  path(p: string): string;
  /** A text file (UTF-8); null when it cannot be read. */
  readFile(p: string): Promise<string | null>;
  /** A file's bytes (ELF and Mach-O headers); `{ error }` carries the errno code (ENOENT, EACCES, EISDIR…). */
  readBytes(p: string): Promise<Uint8Array | { error: string }>;
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
