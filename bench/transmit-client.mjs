#!/usr/bin/env node
// The core's side of the transmit benchmark, the twin of transmit.c: a fresh process that
// connects through the built library (dist/), warms up, then times COUNT transmits.
// usage: transmit-client.mjs READER COUNT APDU_HEX   (PCSCLITE_CSOCK_NAME selects the daemon)
import { Context } from '../dist/core/index.js';

const [reader, count, hex] = process.argv.slice(2);
const n = Number(count);
const WARMUP = 2000;
const apdu = Buffer.from(hex, 'hex');
const ctx = await Context.establish();
const card = await ctx.connect(reader);
for (let i = 0; i < WARMUP; i++) await card.transmit(apdu, { raw: true }); // as transmit.c: warm-up outside the timing (JIT)
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let last;
for (let i = 0; i < n; i++) last = await card.transmit(apdu, { raw: true }); // one SCardTransmit, as transmit.c
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
await card.disconnect();
await ctx.release();
process.stdout.write(
  JSON.stringify({
    count: n,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    response: last.toString('hex').toUpperCase(),
  }) + '\n',
);
