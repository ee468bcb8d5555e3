// Runs the built CLI (bin/run.js) as a user would: every test and benchmark that starts `pcsc`
// goes through here, so all of them run it the same way (see cliEnv).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type Proc } from '../rig/processes.js';
import { assertFreshBuild } from './build.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'run.js');

/** dist/ must be built from the current sources (see test/helpers/build.ts). */
export const requireBuild = assertFreshBuild;

/**
 * The environment the CLI gets: `env` without NODE_ENV. vitest sets NODE_ENV=test, which sends
 * oclif looking for TypeScript sources to transpile: the CLI would run slower and unlike production.
 */
export function cliEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_ENV: _testMode, ...rest } = env;
  return rest;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The whole environment of the CLI (nothing is inherited); NODE_ENV is dropped. */
  env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long; default 20 s. */
  timeoutMs?: number;
  /** Node options before bin/run.js, e.g. ['--import', hook]. */
  node?: string[];
  /** Written to the CLI's stdin, which is then closed (else stdin is /dev/null). */
  input?: string;
  /** The CLI's working directory (pcscSync only); default this process's. */
  cwd?: string;
}

const argv = (args: readonly string[], node: readonly string[] = []): string[] => [...node, BIN, ...args];

/** Runs `pcsc ARGS…`; resolves when it exits (code null when killed). */
export function pcsc(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const stdin = opts.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(process.execPath, argv(args, opts.node), {
      env: cliEnv({ ...opts.env }),
      stdio: [stdin, 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined); // a CLI that exits without reading it all
      child.stdin?.end(opts.input);
    }
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `pcsc ARGS…`, synchronously (for tests that compare several runs in a row). */
export function pcscSync(args: readonly string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, argv(args, opts.node), {
    encoding: 'utf8',
    env: cliEnv({ ...opts.env }),
    timeout: opts.timeoutMs ?? 60_000,
    input: opts.input,
    cwd: opts.cwd,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** `pcsc ARGS…` as a long-running process: stdout and stderr lines, bounded waits, stop with a signal. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Proc {
  return startProcess(process.execPath, argv(args), { env: cliEnv(env), cwd });
}

/** A clean environment for the CLI: PATH, its own HOME and cache, no colour. */
export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CACHE_HOME: join(home, 'cache'),
    NO_COLOR: '1',
    LANG: 'C',
    ...extra,
  };
}

/** No stack trace in what a user sees. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[(:]\d+/m.test(text);
}

/** Runs `pcsc ARGS…` on a pseudo-terminal (util-linux `script`, 100 columns); resolves with what it drew. */
export function pcscOnTty(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; out: string }> {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const cmd = 'stty cols 100 rows 30; exec ' + [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const c = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], {
      env: cliEnv({ TERM: 'xterm', ...opts.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const t = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    c.on('error', () => reject(new Error('util-linux `script` is missing: apt-get install util-linux')));
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

/** A `pcsc` session on a pseudo-terminal (util-linux `script`) that a test types into. */
export interface TtySession {
  /** Everything drawn so far (prompts, echo, answers, stderr: one terminal), without escape sequences. */
  readonly out: () => string;
  /** The pid of `pcsc` itself (script's child), once it runs. */
  readonly pid: () => number | undefined;
  /** Types text (raw bytes: "\r" is Enter, "\x03" Ctrl-C, "\x04" Ctrl-D). */
  type(text: string): void;
  /** Resolves when the output after index `from` matches; rejects after timeoutMs. */
  waitFor(match: RegExp, opts?: { from?: number; timeoutMs?: number }): Promise<void>;
  readonly exited: Promise<number | null>;
  kill(): void;
}

export function pcscTtySession(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): TtySession {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const cmd = 'stty cols 100 rows 30; exec ' + [process.execPath, BIN, ...args].map(quote).join(' ');
  const c = spawn('script', ['-q', '-f', '-e', '-c', cmd, '/dev/null'], {
    env: cliEnv({ TERM: 'xterm', ...opts.env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  // Cursor moves and colours (CSI sequences) left out: tests read the text.
  const csi = new RegExp(String.fromCharCode(27) + '\\[[0-9;?]*[A-Za-z]', 'g');
  c.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d.replace(csi, '');
    for (const w of waiters) w();
  });
  c.stdin.on('error', () => undefined);
  const kill = setTimeout(() => c.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    c.on('close', (code) => {
      clearTimeout(kill);
      resolve(code);
    }),
  );
  const pid = (): number | undefined => {
    try {
      const kids = readFileSync(`/proc/${c.pid}/task/${c.pid}/children`, 'utf8').trim().split(/\s+/);
      return kids[0] ? Number(kids[0]) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    out: () => out,
    pid,
    type: (text) => void c.stdin.write(text),
    waitFor(match, o = {}) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!match.test(out.slice(o.from ?? 0))) return;
          waiters.delete(check);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${String(match)} on the terminal; it shows:\n${out.slice(o.from ?? 0)}`));
        }, o.timeoutMs ?? 15_000);
        waiters.add(check);
        check();
      });
    },
    exited,
    kill: () => void c.kill('SIGKILL'),
  };
}
