// Start-up benchmark (npm run bench): `pcsc scan -r` against `node -e 0` and `pcsc_scan -r` on the
// same rig, and where the time goes. Prints medians and ratios; asserts only that it ran.

import { expect, it } from 'vitest';
import { benchStartup } from './startup.js';

const say = (s: string): boolean => process.stdout.write(s + '\n');
const ms = (x: number): string => `${x.toFixed(1)} ms`;

it('pcsc scan -r vs node -e 0 vs pcsc_scan -r', async () => {
  const r = await benchStartup({ runs: Number(process.env.BENCH_RUNS ?? 20) });
  say('start-up (medians of interleaved hyperfine runs; cpu = user + system):');
  for (const t of [r.node, r.pcsc, r.peer])
    say(`  ${ms(t.median).padStart(10)}  cpu ${ms(t.cpu).padStart(10)}  ${t.command}`);
  say(
    `  pcsc scan -r / node -e 0: ${(r.pcsc.median / r.node.median).toFixed(2)}× wall, ${(r.pcsc.cpu / r.node.cpu).toFixed(2)}× cpu (goal ≤ 3)`,
  );
  say(`  pcsc scan -r / pcsc_scan -r: ${(r.pcsc.median / r.peer.median).toFixed(0)}× wall`);
  say(
    `  importing all of @oclif/core, for reference: ${ms(r.oclifIndex.median)} (${(r.oclifIndex.median / r.node.median).toFixed(2)}× node -e 0)`,
  );
  say('  where it goes (each stage a fresh process, cumulative; wall, cpu, cpu added):');
  for (const s of r.stages) {
    say(
      `    ${ms(s.timing.median).padStart(10)}  cpu ${ms(s.timing.cpu).padStart(9)}  ${('+' + s.addedCpu.toFixed(1)).padStart(7)}  ${s.name}`,
    );
  }
  expect(r.stages).toHaveLength(6);
  for (const t of [r.node, r.pcsc, r.peer, ...r.stages.map((s) => s.timing)]) expect(t.median).toBeGreaterThan(0);
}, 600_000);
