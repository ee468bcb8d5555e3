// Child processes for the proxy's integration tests: argument arrays only, output kept as lines,
// bounded waits for a line, and everything still running killed when the test process exits.
// (A stand-in until the rig harness, test/rig/*.ts, lands on main.)

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export interface Proc {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  /** The exit code once exited (null while running; -1 for a signal). */
  readonly code: number | null | undefined;
  waitLine(match: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function start(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Proc {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
  live.add(child);
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (c, sig) => {
      live.delete(child);
      code = c ?? (sig ? -1 : null);
      resolve(code);
      for (const w of waiters) w();
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      for (const w of waiters) w();
    });
  }
  return {
    child,
    lines,
    exited,
    get code() {
      return code;
    },
    waitLine(match, from = 0, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = lines.slice(from).find((l) => match.test(l));
          if (hit !== undefined) {
            done();
            resolve(hit);
            return true;
          }
          if (code !== undefined) {
            done();
            reject(new Error(`${cmd} exited (${code}) before printing ${match}:\n${lines.slice(-20).join('\n')}`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line ${match} from ${cmd} within ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(onLine);
        };
        const onLine = (): void => void check();
        if (!check()) waiters.add(onLine);
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 3000) {
      if (code !== undefined) return;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Fails with what to install when a system file a test needs is missing (never a silent skip). */
export function requireFiles(files: Record<string, string>): void {
  const missing = Object.entries(files).filter(([f]) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(`missing ${missing.map(([f]) => f).join(', ')}: install ${[...new Set(missing.map(([, p]) => p))].join(' ')} (apt-get install)`);
  }
}
