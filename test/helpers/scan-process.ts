// A long-running CLI process (pcsc scan, pcsc_scan) whose stdout lines a test waits for, with
// every process killed at the end (afterAll calls stopAll; process exit kills what is left).
// Built on the rig's startProcess: stdout lines only, stderr kept apart, spinner noise dropped.
import { BIN, cliEnv } from './cli.js';
import { startProcess, type LineMatch, type Proc } from '../rig/processes.js';

const live = new Set<Proc>();

export interface Watched {
  readonly child: Proc['child'];
  /** stdout lines so far, without the terminal spinner's carriage-return noise. */
  readonly lines: string[];
  readonly stderr: () => string;
  /** Resolves with the first stdout line at index ≥ from that matches. */
  waitLine(match: LineMatch, opts?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** --json: the parsed lines so far. */
  events(): Record<string, unknown>[];
  waitEvent(
    pred: (e: Record<string, unknown>) => boolean,
    opts?: { from?: number; timeoutMs?: number },
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (128 + n for a signal). */
  readonly exited: Promise<number>;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<number>;
}

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

// pcsc_scan 1.6 draws its spinner with "\r x \r" even into a pipe.
const dropSpinner = (l: string): string => l.replace(/\r[ \-\\|/]*\r?/g, '').replace(/\r/g, '');

export function startWatched(cmd: string, args: string[], env: NodeJS.ProcessEnv): Watched {
  const p = startProcess(cmd, args, { env, separateStderr: true, cleanLine: dropSpinner });
  live.add(p);
  const exited = p.exited.then((code) => {
    live.delete(p);
    const sig = p.child.signalCode;
    return code !== null && code !== -1 ? code : sig ? (SIGNAL_CODES[sig] ?? 137) : 137;
  });
  const parsed = (): Record<string, unknown>[] =>
    p.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitLine: Watched['waitLine'] = (match, opts = {}) =>
    p.waitLine(match, opts.from ?? 0, opts.timeoutMs ?? 10_000, `a line ${String(match)}`);
  return {
    child: p.child,
    lines: p.lines,
    stderr: p.stderr,
    waitLine,
    events: parsed,
    async waitEvent(pred, opts = {}) {
      const line = await waitLine((l) => l.startsWith('{') && pred(JSON.parse(l) as Record<string, unknown>), opts);
      return JSON.parse(line) as Record<string, unknown>;
    },
    exited,
    signal: (sig) => void p.child.kill(sig),
    async stop() {
      await p.stop(3000, 'SIGINT');
      return exited;
    },
  };
}

/** `pcsc ARGS…` as a long-running process. */
export function startPcsc(args: string[], env: NodeJS.ProcessEnv): Watched {
  return startWatched(process.execPath, [BIN, ...args], cliEnv(env));
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(0, 'SIGKILL')));
}
