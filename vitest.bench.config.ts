import { defineConfig } from 'vitest/config';

// Benchmarks (`npm run bench`): real daemons and peer tools, printed numbers and ratios; they
// assert only that the work was done, never a timing. Not part of `npm test`.
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
