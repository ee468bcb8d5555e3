// Runs the built CLI (bin/run.js) as a user would, with its own environment.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'run.js');

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'commands'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pcsc ARGS…`; resolves when it exits (killed after timeoutMs). */
export function pcsc(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A clean environment for the CLI: PATH, its own HOME and cache, no colour. */
export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, 'cache'), NO_COLOR: '1', LANG: 'C', ...extra };
}

/** No stack trace in what a user sees. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[(:]\d+/m.test(text);
}

/** Runs `pcsc ARGS…` on a pseudo-terminal (util-linux `script`, 100 columns); resolves with what it drew. */
export function pcscOnTty(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; out: string }> {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const cmd = 'stty cols 100 rows 30; exec ' + [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const c = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { env: { TERM: 'xterm', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    c.on('error', () => reject(new Error('util-linux `script` is missing: apt-get install util-linux')));
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}
