// Benchmark: memory of a long `pcsc scan` — its RSS after 200 card insert/remove cycles on the real
// rig, against the RSS after the first 10 (the warm-up: lazy imports, the ATR list, JIT). Goal
// (issue 3): growth under 2 MB. pcsc_scan watches the same reader for reference. Two of ours run:
// human output with the ATR analysis (the most work per event) and --json. Prints the numbers;
// asserts only that every event was seen, never a size. BENCH_CYCLES (default 200) changes the size.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPcsc, startWatched, type Watched } from '../test/helpers/scan-process.js';
import { startScanBench, type ScanBench } from './scan-rig.js';

const CYCLES = Number(process.env.BENCH_CYCLES ?? 200);
const WARMUP = 10;

let bench: ScanBench;

beforeAll(async () => {
  bench = await startScanBench('pcsc-bench-mem-');
});

afterAll(() => bench?.stop());

/** VmRSS of a process, in KiB. */
function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

it(`RSS growth over ${CYCLES} insert/remove cycles`, { timeout: 1_800_000 }, async () => {
  const { env, rig } = bench;
  // pcsc_scan -n: without it, it runs ATR_analysis (a Perl process) per insertion.
  const tools: Record<string, Watched> = {
    pcsc_scan: startWatched('/usr/bin/stdbuf', ['-oL', '/usr/bin/pcsc_scan', '-n'], env),
    'pcsc scan (analysis)': startPcsc(['scan', '--reader', '0'], env),
    'pcsc scan --json': startPcsc(['scan', '--json', '--reader', '0'], env),
  };
  const removed = (l: string): boolean =>
    l.startsWith('  Card state: Card removed') ||
    l.includes('"event":"card-removed"') ||
    l.includes('"event":"status"');
  for (const w of Object.values(tools)) await w.waitLine(removed);
  const count = (w: Watched, test: (l: string) => boolean): number => w.lines.filter(test).length;
  const isRemoval = (l: string): boolean =>
    l.startsWith('  Card state: Card removed') || l.includes('"event":"card-removed"');

  const base = Object.fromEntries(Object.entries(tools).map(([k, w]) => [k, count(w, isRemoval)]));
  const at: Record<string, number>[] = [];
  for (let c = 1; c <= CYCLES; c++) {
    for (const kind of ['insert', 'remove'] as const) {
      if (kind === 'insert') await rig.card(0).insert();
      else await rig.card(0).remove();
    }
    // Every tool has printed this cycle's removal before the next one starts.
    for (const [k, w] of Object.entries(tools))
      await w.waitLine(() => count(w, isRemoval) >= (base[k] as number) + c, { timeoutMs: 15_000 });
    if (c === WARMUP || c === CYCLES)
      at.push(Object.fromEntries(Object.entries(tools).map(([k, w]) => [k, rssKiB(w.child.pid as number)])));
  }

  console.log(`\nRSS (KiB) after ${WARMUP} and after ${CYCLES} insert/remove cycles`);
  console.log(
    'tool'.padEnd(24) + `after ${WARMUP}`.padStart(12) + `after ${CYCLES}`.padStart(12) + 'growth'.padStart(10),
  );
  for (const k of Object.keys(tools)) {
    const a = at[0]?.[k] as number;
    const b = at[1]?.[k] as number;
    console.log(k.padEnd(24) + String(a).padStart(12) + String(b).padStart(12) + String(b - a).padStart(10));
  }
  console.log('goal: growth under 2048 KiB for pcsc scan');
  const inserted = (w: Watched): number =>
    count(w, (l) => l.startsWith('  ATR: ') || l.includes('"event":"card-inserted"'));
  for (const w of Object.values(tools)) expect(inserted(w)).toBe(CYCLES);
});
