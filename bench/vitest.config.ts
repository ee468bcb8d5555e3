// Benchmarks run on the real rig with vitest as the harness, never as part of `npm test`:
//   npm run bench                      (all of bench/)
//   npm run bench -- bench/scan-latency.bench.ts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/**/*.bench.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
