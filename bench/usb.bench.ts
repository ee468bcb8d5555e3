// Benchmark: APDU round trip over the USB backend against pcscd + libccid, on the same QEMU
// usb-ccid reader and emulated card, both measured inside one guest boot (bench/usb-roundtrip.mjs).
// Prints medians, p90 and the ratio; asserts only that both backends did the work.
// BENCH_N (default 300) changes the number of APDUs. Run: npm run bench.

import { expect, it } from 'vitest';
import { assertFreshBuild, runInGuest } from '../test/integration/helpers/ccid-vm.js';

it('USB backend vs pcscd + libccid: APDU round trip', async () => {
  assertFreshBuild();
  const run = await runInGuest(['node', 'bench/usb-roundtrip.mjs'], {
    card: 'emulated',
    env: { BENCH_N: process.env.BENCH_N ?? '300' },
  });
  const lines = run.output.split('\n').filter((l) => /APDU round trip|usb backend|pcscd \+ libccid|ratio/.test(l));
  for (const l of lines) process.stdout.write(`${l.trim()}\n`);
  expect(run.code).toBe(0);
  expect(lines.some((l) => /ratio usb \/ pcscd \(median\): \d+\.\d\d/.test(l))).toBe(true);
}, 900_000);
