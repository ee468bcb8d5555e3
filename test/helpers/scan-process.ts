// A long-running CLI process (pcsc scan, pcsc_scan) whose stdout lines a test waits for, with
// every process killed at the end (afterAll calls stopAll; process exit kills what is left).
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, cliEnv } from './cli.js';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface Watched {
  readonly child: ChildProcess;
  /** stdout lines so far, without the terminal spinner's carriage-return noise. */
  readonly lines: string[];
  readonly stderr: () => string;
  /** Resolves with the first stdout line at index ≥ from that matches. */
  waitLine(match: RegExp | ((line: string) => boolean), opts?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** --json: the parsed lines so far. */
  events(): Record<string, unknown>[];
  waitEvent(pred: (e: Record<string, unknown>) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (128 + n for a signal). */
  readonly exited: Promise<number>;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<number>;
}

export function startWatched(cmd: string, args: string[], env: NodeJS.ProcessEnv): Watched {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const lines: string[] = [];
  let err = '';
  let partial = '';
  const waiters = new Set<() => void>();
  let done = false;
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    // pcsc_scan 1.6 draws its spinner with "\r x \r" even into a pipe.
    lines.push(...parts.map((l) => l.replace(/\r[ \-\\|/]*\r?/g, '').replace(/\r/g, '')));
    for (const w of waiters) w();
  });
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => {
    child.once('close', (code, sig) => {
      done = true;
      live.delete(child);
      if (partial) lines.push(partial);
      for (const w of waiters) w();
      resolve(code ?? (sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 137));
    });
  });
  const parsed = (): Record<string, unknown>[] => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitLine: Watched['waitLine'] = (match, opts = {}) =>
    new Promise((resolve, reject) => {
      const test = typeof match === 'function' ? match : (l: string) => match.test(l);
      const check = (): void => {
        for (let i = opts.from ?? 0; i < lines.length; i++) {
          if (test(lines[i] as string)) {
            finish();
            return resolve(lines[i] as string);
          }
        }
        if (done) {
          finish();
          reject(new Error(`${cmd} exited while a test waited for ${String(match)}; stdout:\n${lines.slice(-20).join('\n')}\nstderr:\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no line ${String(match)} within ${opts.timeoutMs ?? 10_000} ms; stdout:\n${lines.slice(-20).join('\n')}\nstderr:\n${err}`));
      }, opts.timeoutMs ?? 10_000);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    child,
    lines,
    stderr: () => err,
    waitLine,
    events: parsed,
    async waitEvent(pred, opts = {}) {
      const line = await waitLine((l) => l.startsWith('{') && pred(JSON.parse(l) as Record<string, unknown>), opts);
      return JSON.parse(line) as Record<string, unknown>;
    },
    exited,
    signal: (sig) => void child.kill(sig),
    async stop() {
      if (!done) child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** `pcsc ARGS…` as a long-running process. */
export function startPcsc(args: string[], env: NodeJS.ProcessEnv): Watched {
  return startWatched(process.execPath, [BIN, ...args], cliEnv(env));
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => new Promise<void>((resolve) => {
    c.once('close', () => resolve());
    c.kill('SIGKILL');
  })));
}
