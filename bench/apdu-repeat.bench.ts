// Benchmark: `pcsc apdu --repeat N` against libpcsclite's own C client (bench/apdu-loop.c) sending
// the same APDU to the same card.py card through the same pcscd. Goals (issue 4): time per APDU
// within 1.15×, whole process within 1.3×. It prints the numbers and ratios; it asserts only that
// both tools did the work (every APDU answered 90 00), never a timing.
//
// Runs are interleaved (C, ours, ours, C, …) and medians taken, because the machine is shared.
// BENCH_APDUS (default 20000) and BENCH_PAIRS (default 5) change the size.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildPcscClient } from '../test/rig/build-c.js';
import { startRig, type Rig } from '../test/rig/rig.js';
import { median } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.BENCH_APDUS ?? 20000);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);
/** card.py INS E0: P1P2 = 0x0020, answer 32 bytes + 90 00. */
const APDU = '00E0002020';

let rig: Rig;
let cClient: string;

beforeAll(async () => {
  cClient = buildPcscClient(join(ROOT, 'bench/apdu-loop.c'));
  rig = await startRig({ insert: [0] });
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

interface Sample {
  wallMs: number;
  perApduUs: number;
  apdus: number;
}

function run(cmd: string, args: string[]): Promise<{ wallMs: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: rig.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      else resolve({ wallMs, stdout });
    });
  });
}

async function runC(n: number): Promise<Sample> {
  const r = await run(cClient, [rig.readers[0] as string, String(n), APDU, '-t']);
  const j = JSON.parse(r.stdout) as { apdus: number; perApduUs: number };
  return { wallMs: r.wallMs, perApduUs: j.perApduUs, apdus: j.apdus };
}

async function runOurs(n: number): Promise<Sample> {
  const args = [
    join(ROOT, 'bin/run.js'),
    'apdu',
    '--reader',
    '0',
    '--json',
    ...(n > 1 ? ['--repeat', String(n)] : []),
    APDU,
  ];
  const r = await run(process.execPath, args);
  const j = JSON.parse(r.stdout) as {
    repeat?: { apdus: number; perApduUs: number; durationUs: number };
    exchanges: { sw: string }[];
  };
  expect(j.exchanges.at(-1)?.sw).toBe('9000');
  return { wallMs: r.wallMs, perApduUs: j.repeat?.perApduUs ?? 0, apdus: j.repeat?.apdus ?? 1 };
}

it(
  `pcsc apdu --repeat ${N} vs libpcsclite's C client`,
  async () => {
    await runC(200); // warm pcscd and the card
    await runOurs(200);
    const c: Sample[] = [];
    const ours: Sample[] = [];
    const startC: number[] = [];
    const startOurs: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2 === 0) {
        c.push(await runC(N));
        ours.push(await runOurs(N));
      } else {
        ours.push(await runOurs(N));
        c.push(await runC(N));
      }
      startC.push((await runC(1)).wallMs);
      startOurs.push((await runOurs(1)).wallMs);
    }
    for (const s of [...c, ...ours]) expect(s.apdus).toBe(N);

    const row = (name: string, a: number, b: number, unit: string, goal: number | null): string => {
      const ratio = b / a;
      const verdict = goal === null ? '' : ratio <= goal ? `goal ≤ ${goal}×: met` : `goal ≤ ${goal}×: MISSED`;
      return `${name.padEnd(26)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(10)} ${unit.padEnd(3)} ${ratio.toFixed(2).padStart(6)}×  ${verdict}`;
    };
    const perC = median(c.map((s) => s.perApduUs));
    const perOurs = median(ours.map((s) => s.perApduUs));
    const wallC = median(c.map((s) => s.wallMs));
    const wallOurs = median(ours.map((s) => s.wallMs));
    const best = (xs: Sample[], k: keyof Sample): number => Math.min(...xs.map((s) => s[k]));
    const lines = [
      `apdu-repeat: ${N} × ${APDU} to card.py through pcscd, ${PAIRS} interleaved runs each`,
      `${''.padEnd(26)} ${'C client'.padStart(10)} ${'pcsc apdu'.padStart(10)}        ratio`,
      row('per APDU, median', perC, perOurs, 'µs', 1.15),
      row('per APDU, best run', best(c, 'perApduUs'), best(ours, 'perApduUs'), 'µs', 1.15),
      row('whole process, median', wallC, wallOurs, 'ms', 1.3),
      row('whole process, best run', best(c, 'wallMs'), best(ours, 'wallMs'), 'ms', 1.3),
      row('one APDU, whole process', median(startC), median(startOurs), 'ms', null),
      `per-run per-APDU µs: C ${c.map((s) => s.perApduUs.toFixed(0)).join(' ')}; pcsc ${ours.map((s) => s.perApduUs.toFixed(0)).join(' ')}`,
      `load average at the end: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} (${cpus().length} CPUs)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench/out/apdu-repeat.json'),
      JSON.stringify(
        {
          apdus: N,
          pairs: PAIRS,
          apdu: APDU,
          c,
          ours,
          startC,
          startOurs,
          ratios: { perApdu: perOurs / perC, wholeProcess: wallOurs / wallC },
        },
        null,
        2,
      ) + '\n',
    );
  },
  30 * 60_000,
);
