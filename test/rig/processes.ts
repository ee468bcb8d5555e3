// Child processes of the test rig: spawn with argument arrays, collect output lines, wait for a
// line with a bound, and kill everything still running when the test process exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';

/** Every process a rig started and has not reaped yet; killed on process exit. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a SIGKILL is all there is time for. Signals that kill
  // this process without running 'exit' are covered by PR_SET_PDEATHSIG in the launchers and by
  // card.py ending at the end of its stdin.
  process.once('exit', () => {
    for (const p of live) {
      try {
        p.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export type LineMatch = RegExp | ((line: string) => boolean);

export interface LineSource {
  /** Every complete line so far (stdout and stderr, unless stderr is kept apart). */
  readonly lines: string[];
  /** Resolves with the first line at index ≥ from that matches, or rejects after timeoutMs. */
  waitLine(match: LineMatch, from: number, timeoutMs: number, what: string): Promise<string>;
}

export interface Proc extends LineSource {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The exit code once the process and its output pipes are closed (-1 for a signal). */
  readonly exited: Promise<number | null>;
  readonly hasExited: boolean;
  /** What the process wrote to stderr, with `separateStderr` (else it is in `lines`). */
  stderr(): string;
  /** `signal` (default SIGTERM), then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** true: a stdin pipe for the caller; a string: written to stdin, which is then closed. Else /dev/null. */
  stdin?: boolean | string;
  /**
   * Send stdout and stderr to this file instead of a pipe. A chatty daemon (pcscd --debug) must
   * never block on a full pipe while its parent's event loop is busy (execFileSync, hyperfine):
   * it would stop serving clients.
   */
  logFile?: string;
  /** `lines` holds stdout only; stderr is kept as text (`stderr()`). */
  separateStderr?: boolean;
  /** The working directory (default: ours). */
  cwd?: string;
  /** Rewrites each line before it is stored (e.g. to drop a spinner's carriage returns). */
  cleanLine?: (line: string) => string;
}

/** Splits one stream into lines; the last, unterminated piece is kept until more comes or the end. */
class Splitter {
  private partial = '';
  constructor(private readonly out: (lines: string[]) => void) {}

  add(text: string): boolean {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.out(parts);
    return parts.length > 0;
  }

  end(): void {
    if (this.partial) this.out([this.partial]);
    this.partial = '';
  }
}

/** Lines of a log file, read when looked at (a file says nothing when it grows). */
class FileLines {
  private fd: number | null = null;
  private closed = false;
  private readonly buf = Buffer.alloc(65_536);

  constructor(
    private readonly file: string,
    private readonly splitter: Splitter,
  ) {}

  /** Reads what the file gained since last time; true when new lines came. */
  refresh(): boolean {
    if (this.closed) return false;
    if (this.fd === null) {
      if (!existsSync(this.file)) return false;
      this.fd = openSync(this.file, 'r');
    }
    let grew = false;
    for (;;) {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      if (n <= 0) return grew;
      grew = this.splitter.add(this.buf.toString('utf8', 0, n)) || grew;
    }
  }

  close(): void {
    this.refresh();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.closed = true;
  }
}

export function startProcess(cmd: string, args: readonly string[], opts: StartOptions = {}): Proc {
  installExitHook();
  const out = opts.logFile ? openSync(opts.logFile, 'w') : 'pipe';
  const child = spawn(cmd, args, {
    stdio: [opts.stdin === undefined || opts.stdin === false ? 'ignore' : 'pipe', out, out],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  if (typeof out === 'number') closeSync(out); // the child has its own copy
  if (typeof opts.stdin === 'string') {
    child.stdin?.on('error', () => undefined); // a process that exits without reading it all
    child.stdin?.end(opts.stdin);
  }
  live.add(child);
  const list: string[] = [];
  const clean = opts.cleanLine;
  const store = (ls: string[]): void => void list.push(...(clean ? ls.map(clean) : ls));
  let errText = '';
  const splitters: Splitter[] = [];
  const file = opts.logFile ? new FileLines(opts.logFile, new Splitter(store)) : null;
  const refresh = (): void => void file?.refresh();
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of waiters) w();
  };
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    const end = (code: number | null): void => {
      if (done) return;
      done = true;
      live.delete(child);
      file?.close();
      for (const sp of splitters) sp.end();
      resolve(code);
      wake();
    };
    // 'close', not 'exit': by then every line the process wrote through a pipe has been read.
    child.once('close', (code, signal) => end(code ?? (signal ? -1 : null)));
    child.once('error', () => end(null));
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.setEncoding('utf8');
    if (stream === child.stderr && opts.separateStderr) {
      stream.on('data', (chunk: string) => (errText += chunk));
      continue;
    }
    const sp = new Splitter(store);
    splitters.push(sp);
    stream.on('data', (chunk: string) => {
      if (sp.add(chunk)) wake();
    });
  }

  const waitLine = (match: LineMatch, from: number, timeoutMs: number, what: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const test = typeof match === 'function' ? match : (l: string): boolean => match.test(l);
      const tail = (): string => list.slice(-15).join('\n') + (errText ? `\nstderr:\n${errText.slice(-2000)}` : '');
      const check = (): void => {
        refresh();
        for (let i = from; i < list.length; i++) {
          if (test(list[i] as string)) {
            finish();
            resolve(list[i] as string);
            return;
          }
        }
        if (done) {
          finish();
          reject(new Error(`${cmd} exited while waiting for ${what}; last output:\n${tail()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what} within ${timeoutMs} ms; last output of ${cmd}:\n${tail()}`));
      }, timeoutMs);
      // A log file says nothing when it grows: look every 10 ms while someone waits.
      const poll = file ? setInterval(check, 10) : null;
      const finish = (): void => {
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const stop = async (graceMs = 2000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (done) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  };

  return {
    child,
    pid: child.pid ?? -1,
    exited,
    get hasExited() {
      return done;
    },
    get lines() {
      refresh();
      return list;
    },
    stderr: () => errText,
    waitLine,
    stop,
  };
}

/** Fails (never skips) with what to install when a tool the rig needs is missing. */
export function requireFiles(files: Record<string, string>): void {
  const missing = Object.entries(files).filter(([path]) => !existsSync(path));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
  throw new Error(
    `test rig: missing ${missing.map(([p]) => p).join(', ')}. Install it: apt-get install ${pkgs} (scripts/setup.sh and .ci/run install it)`,
  );
}
