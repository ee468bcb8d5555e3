// How the demo shows a command and runs it: the line a user can copy (`$ VAR=… pcsc …`), and the
// same command run with an argument array, its output going straight to the demo's own stdout and
// stderr (colours and all when that is a terminal), its wait bounded.

import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { join } from 'node:path';
import { shq as shellQuote } from '../../src/core/system/service.js';
import { cliEnv, ROOT } from '../../test/helpers/cli.js';

export const BIN = join(ROOT, 'bin', 'run.js');

export interface Command {
  /** `pcsc` (this checkout's bin/run.js) or another program on PATH, then its arguments. */
  argv: [string, ...string[]];
  /** PCSCLITE_CSOCK_NAME for the command: shown in front of it, as a user would type it. */
  socket?: string;
}

/** The command as a shell line: `PCSCLITE_CSOCK_NAME=/tmp/… pcsc apdu 0084000008`. */
export function commandLine(c: Command): string {
  const env = c.socket === undefined ? [] : [`PCSCLITE_CSOCK_NAME=${shellQuote(c.socket)}`];
  return [...env, ...c.argv.map(shellQuote)].join(' ');
}

/** The line the demo prints for a command expected to exit with `exit` (README convention: `; echo "exit $?"` shows a non-zero one). */
export function shownLine(c: Command, exit: number): string {
  return `$ ${commandLine(c)}${exit === 0 ? '' : '; echo "exit $?"'}`;
}

export interface Started {
  child: ChildProcess;
  /** The exit code (128 + N after signal N, as a shell reports it). */
  exited: Promise<number>;
}

export interface Output {
  stdout: 'inherit' | 'pipe';
  stderr: 'inherit' | 'pipe';
}

/**
 * Starts the command without a shell; its output goes to ours unless piped (the caller reads it).
 * stdin is /dev/null: the demo's own stdin stays the user's.
 */
export function start(c: Command, out: Output = { stdout: 'inherit', stderr: 'inherit' }): Started {
  const [program, ...args] = c.argv;
  const env = cliEnv({ ...process.env });
  if (c.socket !== undefined) env.PCSCLITE_CSOCK_NAME = c.socket;
  const stdio: StdioOptions = ['ignore', out.stdout, out.stderr];
  const child =
    program === 'pcsc' ? spawn(process.execPath, [BIN, ...args], { env, stdio }) : spawn(program, args, { env, stdio });
  const exited = new Promise<number>((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`demo: cannot run ${program}: ${e.message}\n`);
      resolve(127);
    });
    child.once('close', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
  return { child, exited };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal ?? ''] ?? 0;
}

/** Stops a started command: SIGTERM, then SIGKILL after graceMs. Resolves with its exit code. */
export async function stop(s: Started, graceMs = 2000): Promise<number> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
  const code = await s.exited;
  clearTimeout(t);
  return code;
}
