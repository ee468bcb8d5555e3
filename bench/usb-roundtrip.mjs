// APDU round trip over the USB backend against pcscd + libccid, on the same QEMU reader and card,
// inside the guest. Run from the host: npm run bench (bench/usb.bench.ts boots the VM).
// Blocks alternate (usb, pcscd, pcscd, usb, …) because the machine is shared and TCG is noisy;
// pcscd is started for each of its blocks and stopped after, as both cannot hold the reader.
// Prints per-backend median and p90 in microseconds, and the ratio usb / pcscd.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';

const repo = new URL('../', import.meta.url).pathname;
const { Context } = await import(`${repo}dist/core/index.js`);
const N = Number(process.env.BENCH_N || 300);
const ROUNDS = 3;
const APDU = Buffer.from('00A4040007A0000000790100', 'hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(ctx, n) {
  const [reader] = await ctx.listReaders();
  const card = await ctx.connect(reader);
  for (let i = 0; i < 10; i++) await card.transmit(APDU, { raw: true }); // warm-up
  const us = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await card.transmit(APDU, { raw: true });
    us.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  await card.disconnect();
  return us;
}

async function viaUsb(n) {
  const ctx = await Context.establish({ backend: 'usb' });
  try {
    return await measure(ctx, n);
  } finally {
    await ctx.release();
  }
}

async function viaPcscd(n) {
  const dir = mkdtempSync('/tmp/bench-pcscd-');
  const sock = `${dir}/pcscd.comm`;
  const pcscd = spawn('python3', [`${repo}test/rig/pcscd-launch.py`, sock, '--foreground', '--config', dir], {
    stdio: 'ignore',
  });
  try {
    let ctx;
    for (let i = 0; i < 100 && !ctx; i++) {
      try {
        const c = await Context.establish({ backend: 'pcscd', socket: sock });
        if ((await c.listReaders()).length > 0) ctx = c;
        else await c.release();
      } catch {
        /* starting */
      }
      if (!ctx) await sleep(100);
    }
    if (!ctx) throw new Error('pcscd did not list the reader');
    try {
      return await measure(ctx, n);
    } finally {
      await ctx.release();
    }
  } finally {
    pcscd.kill('SIGTERM');
    await new Promise((r) => pcscd.once('exit', r));
  }
}

const samples = { usb: [], pcscd: [] };
const per = Math.ceil(N / ROUNDS);
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['usb', 'pcscd'] : ['pcscd', 'usb'];
  for (const b of order) samples[b].push(...(b === 'usb' ? await viaUsb(per) : await viaPcscd(per)));
}
const stats = (us) => {
  const s = [...us].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p90: s[Math.floor(s.length * 0.9)] };
};
const usb = stats(samples.usb);
const pc = stats(samples.pcscd);
const f = (x) => x.toFixed(0).padStart(6);
console.log(
  `APDU round trip (SELECT, 12 bytes → 61 0D), ${per * ROUNDS} runs each in ${ROUNDS} alternating rounds, QEMU usb-ccid under TCG:`,
);
console.log(`  usb backend       median ${f(usb.median)} µs   p90 ${f(usb.p90)} µs`);
console.log(`  pcscd + libccid   median ${f(pc.median)} µs   p90 ${f(pc.p90)} µs`);
console.log(`  ratio usb / pcscd (median): ${(usb.median / pc.median).toFixed(2)}`);
