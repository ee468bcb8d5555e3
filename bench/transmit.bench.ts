// Transmit benchmark (npm run bench): the core's Card.transmit against libpcsclite's C client and a
// hand-written minimal Node client, 20,000 APDUs each. Prints times and ratios; asserts only that
// every client did its work (each checks the card's answer).

import { loadavg } from 'node:os';
import { expect, it } from 'vitest';
import { benchTransmit, type Side } from './transmit.js';

const say = (s: string): boolean => process.stdout.write(s + '\n');

it('core vs libpcsclite vs the Node floor, 20,000 APDUs each', async () => {
  const r = await benchTransmit({ apdus: Number(process.env.BENCH_APDUS ?? 20_000), log: say });
  const side = (name: string, s: Side): string =>
    `  ${name.padEnd(12)} median ${s.usPerApdu.toFixed(1)} µs/APDU, best round ${s.bestUsPerApdu.toFixed(1)}, client cpu ${s.cpuUsPerApdu.toFixed(1)} µs/APDU`;
  say(`transmit (${r.apdus} APDUs each, ${r.rounds} rotating rounds):`);
  say(side('libpcsclite', r.c));
  say(side('core', r.core));
  say(side('node floor', r.floor));
  say(
    `  core / libpcsclite: ${r.ratio.toFixed(3)} (medians), ${r.pairedRatio.toFixed(3)} (paired rounds), ` +
      `${(r.core.bestUsPerApdu / r.c.bestUsPerApdu).toFixed(3)} (best rounds); goal ≤ 1.15`,
  );
  say(
    `  core / node floor: ${(r.core.usPerApdu / r.floor.usPerApdu).toFixed(3)} (medians), cpu ${(r.core.cpuUsPerApdu / r.floor.cpuUsPerApdu).toFixed(2)}`,
  );
  say(
    `  client cpu core / libpcsclite: ${(r.core.cpuUsPerApdu / r.c.cpuUsPerApdu).toFixed(2)}   (load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
  );
  expect(r.apdus).toBeGreaterThanOrEqual(20_000);
  for (const s of [r.c, r.core, r.floor]) expect(s.usPerApdu).toBeGreaterThan(0);
}, 600_000);
