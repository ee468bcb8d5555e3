// Start-up benchmark: `pcsc scan -r` against `pcsc_scan -r` and `node -e 0` on the same rig
// (hyperfine runs, interleaved; medians), then where the time goes, stage by stage
// (bench/startup-stages.mjs).

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireFiles } from '../test/rig/processes.js';
import { startRig } from '../test/rig/rig.js';
import { median } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

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
): Promise<{ times: number[]; cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pcsc-bench-'));
  const out = join(dir, 'hyperfine.json');
  const args = ['-N', '--warmup', '1', '--runs', String(runs), '--style', 'none', '--export-json', out, command];
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

/**
 * Medians of the commands, interleaved: a few runs of each in turn, over and over, so that the
 * load of a shared machine weighs on every command alike (one hyperfine call per turn).
 */
async function interleaved(commands: string[], env: NodeJS.ProcessEnv, runs: number): Promise<Timing[]> {
  const perTurn = 3;
  const times = commands.map((): number[] => []);
  const cpu = commands.map((): number[] => []);
  for (let turn = 0; turn * perTurn < runs; turn++) {
    const order = commands.map((_, i) => i);
    if (turn % 2) order.reverse();
    for (const i of order) {
      const r = await hyperfineOnce(commands[i] as string, env, perTurn);
      times[i]?.push(...r.times);
      cpu[i]?.push(r.cpu);
    }
  }
  return commands.map((command, i) => ({
    command,
    median: median(times[i] as number[]) * 1000,
    cpu: median(cpu[i] as number[]) * 1000,
  }));
}

export interface StartupResult {
  node: Timing;
  pcsc: Timing;
  peer: Timing;
  /**
   * Breakdown: cumulative stages, each with the CPU it adds to the previous one (CPU, not wall:
   * on a shared machine wall-clock differences between stages drown in the noise).
   */
  stages: { name: string; timing: Timing; addedCpu: number }[];
  /** `node -e "await import('@oclif/core')"`: what importing all of oclif costs. */
  oclifIndex: Timing;
}

const STAGES: [string, string][] = [
  ['none', 'node, running the stage script (ESM)'],
  ['oclif', '+ import @oclif/core/execute'],
  ['config', '+ oclif Config.load (package.json, manifest)'],
  ['command', '+ load the scan command module'],
  ['core', '+ import the core'],
  ['exchange', '+ the socket exchange with pcscd'],
];

export async function benchStartup(opts: { runs?: number } = {}): Promise<StartupResult> {
  requireFiles({ '/usr/bin/hyperfine': 'hyperfine', '/usr/bin/pcsc_scan': 'pcsc-tools' });
  const runs = Math.max(10, opts.runs ?? 20);
  const rig = await startRig({ insert: [0] });
  try {
    const env = rig.env();
    const commands = [
      'node -e 0',
      'node bin/run.js scan -r',
      'pcsc_scan -r',
      `node --input-type=module -e "await import('@oclif/core')"`,
      ...STAGES.map(([s]) => `node bench/startup-stages.mjs ${s}`),
    ];
    const [node, pcsc, peer, oclifIndex, ...stageTimes] = await interleaved(commands, env, runs);
    const stages = STAGES.map(([, name], i) => ({
      name,
      timing: stageTimes[i] as Timing,
      addedCpu: (stageTimes[i] as Timing).cpu - (i > 0 ? (stageTimes[i - 1] as Timing).cpu : 0),
    }));
    return {
      node: node as Timing,
      pcsc: pcsc as Timing,
      peer: peer as Timing,
      stages,
      oclifIndex: oclifIndex as Timing,
    };
  } finally {
    await rig.stop();
  }
}
