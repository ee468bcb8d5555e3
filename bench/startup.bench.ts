// Start-up benchmark (npm run bench): the five commands of issue 17 against `node -e 0` and
// `pcsc_scan -r` on the same rig. Prints medians and ratios; asserts only that it ran.

import { expect, it } from 'vitest';
import { benchStartup, COMMANDS } from './startup.js';

const say = (s: string): boolean => process.stdout.write(s + '\n');
const ms = (x: number): string => `${x.toFixed(1)} ms`;

it('pcsc scan -r, apdu, atr, --version, doctor, help, completion, options vs node -e 0 vs pcsc_scan -r', async () => {
  const r = await benchStartup({ runs: Number(process.env.BENCH_RUNS ?? 20) });
  say(`start-up, Node ${r.nodeVersion} (medians of interleaved hyperfine runs; cpu = user + system; load ${r.load}):`);
  say(`  ${ms(r.node.median).padStart(10)}  cpu ${ms(r.node.cpu).padStart(9)}                      node -e 0`);
  for (const t of r.rows) {
    const goal = t.goal ? `  (goal ≤ ${t.goal})` : '';
    say(
      `  ${ms(t.median).padStart(10)}  cpu ${ms(t.cpu).padStart(9)}  ${t.wallRatio.toFixed(2).padStart(5)}× wall ${t.cpuRatio.toFixed(2).padStart(5)}× cpu  ${t.command}${goal}`,
    );
  }
  expect(r.rows).toHaveLength(COMMANDS.length);
  for (const t of [r.node, ...r.rows]) expect(t.median).toBeGreaterThan(0);
}, 900_000);
