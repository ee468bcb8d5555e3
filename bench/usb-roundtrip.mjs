// APDU round trip over the USB backend against pcscd + libccid, on the same QEMU reader and card,
// inside the guest. Run from the host: bench/usb-roundtrip.sh (it boots the VM).
// Prints per-backend median and p90 in microseconds, and the ratio usb / pcscd.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';

const repo = new URL('../', import.meta.url).pathname;
const { Context, PcscdContext } = await import(`${repo}dist/core/index.js`);
const N = Number(process.env.BENCH_N || 300);
const APDU = Buffer.from('00A4040007A0000000790100', 'hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(ctx) {
  const [reader] = await ctx.listReaders();
  const card = await ctx.connect(reader);
  for (let i = 0; i < 20; i++) await card.transmit(APDU); // warm-up
  const us = [];
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    await card.transmit(APDU);
    us.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  await card.disconnect();
  us.sort((a, b) => a - b);
  return { median: us[Math.floor(N / 2)], p90: us[Math.floor(N * 0.9)] };
}

const usbCtx = await Context.establish({ backend: 'usb' });
const usb = await measure(usbCtx);
await usbCtx.release();

const dir = mkdtempSync('/tmp/bench-pcscd-');
const sock = `${dir}/pcscd.comm`;
const pcscd = spawn('python3', [`${repo}test/rig/pcscd-launch.py`, sock, '--foreground', '--config', dir], { stdio: 'ignore' });
let pctx;
for (let i = 0; i < 100 && !pctx; i++) {
  try {
    const c = await PcscdContext.establish({ socket: sock });
    if ((await c.listReaders()).length > 0) pctx = c;
    else await c.release();
  } catch { /* starting */ }
  if (!pctx) await sleep(100);
}
if (!pctx) { pcscd.kill(); throw new Error('pcscd did not list the reader'); }
const viaPcscd = await measure(pctx);
await pctx.release();
pcscd.kill('SIGTERM');

const f = (x) => x.toFixed(0).padStart(6);
console.log(`APDU round trip (SELECT, 12 bytes → 61 0D), ${N} runs, QEMU usb-ccid under TCG:`);
console.log(`  usb backend       median ${f(usb.median)} µs   p90 ${f(usb.p90)} µs`);
console.log(`  pcscd + libccid   median ${f(viaPcscd.median)} µs   p90 ${f(viaPcscd.p90)} µs`);
console.log(`  ratio usb / pcscd (median): ${(usb.median / viaPcscd.median).toFixed(2)}`);
