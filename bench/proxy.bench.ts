// Benchmark: what the proxy costs. libpcsclite's C client (the proxy tests' session.c) sends N echo
// APDUs to the same card through the same pcscd, directly and through `pcsc proxy` (a separate
// process, as users run it); then 8 such clients at once. Prints times per APDU and the ratios;
// asserts only that every run did its work, never a timing.
//
// Runs are interleaved (direct, proxy, proxy, direct, …) and medians taken: the machine is shared.
// BENCH_APDUS (default 5000) and BENCH_PAIRS (default 3) change the size. Run: npm run bench.

import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, startCli } from '../test/helpers/cli.js';
import { buildPcscClient } from '../test/rig/build-c.js';
import { startProcess, type Proc } from '../test/rig/processes.js';
import { startRig, type Rig } from '../test/rig/rig.js';

const N = Number(process.env.BENCH_APDUS ?? 5000);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);

let rig: Rig;
let client: string;
let proxy: Proc;
let proxySocket: string;

beforeAll(async () => {
  client = buildPcscClient(join(ROOT, 'test/integration/proxy/clients/session.c'));
  rig = await startRig({ insert: [0] });
  proxySocket = join(rig.dir, 'proxy.comm');
  proxy = startCli(['proxy', '--listen', proxySocket, '--upstream', rig.socket], process.env);
  await proxy.waitLine(/listening on/, 0, 15_000, 'the proxy listening');
}, 60_000);

afterAll(async () => {
  await proxy?.stop(3000, 'SIGINT');
  await rig?.stop();
});

async function clients(socket: string, count: number, apdus: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const runs = Array.from({ length: count }, (_, k) =>
    startProcess(client, [String(k + 1), String(apdus)], { env: { ...process.env, PCSCLITE_CSOCK_NAME: socket } }),
  );
  for (const r of runs) {
    expect(await r.exited).toBe(0);
    expect(r.lines.filter(Boolean).at(-1)).toBe(`ok ${apdus}`);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function compare(label: string, count: number, apdus: number): Promise<void> {
  const direct: number[] = [];
  const proxied: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const order = i % 2 === 0 ? [direct, proxied] : [proxied, direct];
    for (const list of order) list.push(await clients(list === direct ? rig.socket : proxySocket, count, apdus));
  }
  const total = count * apdus;
  const d = (median(direct) * 1000) / total;
  const p = (median(proxied) * 1000) / total;
  process.stdout.write(
    `${label}: direct ${d.toFixed(1)} µs/APDU, through pcsc proxy ${p.toFixed(1)} µs/APDU, ratio ${(p / d).toFixed(2)}\n`,
  );
}

it(`one client, ${N} APDUs`, async () => {
  await compare(`1 client × ${N}`, 1, N);
}, 600_000);

it(`8 clients at once, ${N / 5} APDUs each`, async () => {
  await compare(`8 clients × ${N / 5}`, 8, N / 5);
}, 600_000);
