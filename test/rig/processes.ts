// Child processes of the test rig: spawn with argument arrays, collect output lines, wait for a
// line with a bound, and kill everything still running when the test process exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

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

export interface LineSource {
  readonly lines: string[];
  /** Resolves with the first line at index ≥ from that matches, or rejects after timeoutMs. */
  waitLine(match: RegExp, from: number, timeoutMs: number, what: string): Promise<string>;
}

export interface Proc extends LineSource {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  readonly hasExited: boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; stdin?: boolean } = {}): Proc {
  installExitHook();
  const child = spawn(cmd, args, {
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  live.add(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(child);
      resolve(code ?? (signal ? -1 : null));
      for (const w of waiters) w();
    });
    child.once('error', () => {
      done = true;
      live.delete(child);
      resolve(null);
      for (const w of waiters) w();
    });
  });
  const collect = (stream: NodeJS.ReadableStream | null): void => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      if (parts.length === 0) return;
      lines.push(...parts);
      for (const w of waiters) w();
    });
  };
  collect(child.stdout);
  collect(child.stderr);

  const waitLine = (match: RegExp, from: number, timeoutMs: number, what: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        for (let i = from; i < lines.length; i++) {
          if (match.test(lines[i] as string)) {
            finish();
            resolve(lines[i] as string);
            return;
          }
        }
        if (done) {
          finish();
          reject(new Error(`${cmd} exited while waiting for ${what}; last output:\n${lines.slice(-15).join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what} within ${timeoutMs} ms; last output of ${cmd}:\n${lines.slice(-15).join('\n')}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const stop = async (graceMs = 2000): Promise<void> => {
    if (done) return;
    child.kill('SIGTERM');
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
    lines,
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
    `test rig: missing ${missing.map(([p]) => p).join(', ')}. Install it: apt-get install ${pkgs} (CI does this in .ci/run)`,
  );
}
