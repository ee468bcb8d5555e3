// `npm run bench [-- startup|transmit]`: runs the benchmarks and prints ratios against the peers
// measured in the same run. Never part of `npm test`; results go in bench/README.md by hand.

import { cpus, loadavg, totalmem } from 'node:os';
import { benchStartup } from './startup.js';
import { benchTransmit } from './transmit.js';

const which = process.argv.slice(2);
const want = (name: string): boolean => which.length === 0 || which.includes(name);
const say = (s: string): boolean => process.stdout.write(s + '\n');
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

say(`machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load ${load()}`);

if (want('startup')) {
  const r = await benchStartup();
  say('\nstart-up (medians of interleaved hyperfine runs; cpu = user + system):');
  for (const t of [r.node, r.pcsc, r.peer]) say(`  ${ms(t.median).padStart(10)}  cpu ${ms(t.cpu).padStart(10)}  ${t.command}`);
  say(`  pcsc scan -r / node -e 0: ${(r.pcsc.median / r.node.median).toFixed(2)}× wall, ${(r.pcsc.cpu / r.node.cpu).toFixed(2)}× cpu (goal ≤ 3)`);
  say(`  pcsc scan -r / pcsc_scan -r: ${(r.pcsc.median / r.peer.median).toFixed(0)}× wall`);
  say(`  for reference, importing all of @oclif/core: ${ms(r.oclifIndex.median)} (${(r.oclifIndex.median / r.node.median).toFixed(2)}× node -e 0)`);
  say('  where the time goes (each stage a fresh process, cumulative; wall, cpu, cpu added):');
  for (const s of r.stages) {
    say(`    ${ms(s.timing.median).padStart(10)}  cpu ${ms(s.timing.cpu).padStart(9)}  ${('+' + s.addedCpu.toFixed(1)).padStart(7)}  ${s.name}`);
  }
  say(`    (load ${load()})`);
}

if (want('transmit')) {
  const r = await benchTransmit({ log: (s) => process.stderr.write(s + '\n') });
  const side = (name: string, s: typeof r.c): string =>
    `  ${name.padEnd(12)} median ${s.usPerApdu.toFixed(1)} µs/APDU, best round ${s.bestUsPerApdu.toFixed(1)}, client cpu ${s.cpuUsPerApdu.toFixed(1)} µs/APDU`;
  say(`\ntransmit (${r.apdus} APDUs each, ${r.rounds} alternating rounds):`);
  say(side('libpcsclite', r.c));
  say(side('core', r.core));
  say(side('node floor', r.floor));
  say(`  ratio core / libpcsclite: ${r.ratio.toFixed(3)} (medians), ${r.pairedRatio.toFixed(3)} (paired rounds), ` +
    `${(r.core.bestUsPerApdu / r.c.bestUsPerApdu).toFixed(3)} (best rounds); goal ≤ 1.15`);
  say(`  core / node floor: ${(r.core.usPerApdu / r.floor.usPerApdu).toFixed(3)} (medians), cpu ${(r.core.cpuUsPerApdu / r.floor.cpuUsPerApdu).toFixed(2)}`);
  say(`  client cpu core / libpcsclite: ${(r.core.cpuUsPerApdu / r.c.cpuUsPerApdu).toFixed(2)}   (load ${load()})`);
}
