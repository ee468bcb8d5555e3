// The USB path (SCardControl 3601) against Debian's real pcscd with vpcd: vpcd's driver answers no
// control code (SCARD_E_UNSUPPORTED_FEATURE), so every caller takes the fallback and says why —
// doctor's pcscd.readers, udev-check --json, scan -c --json and scan -d. The decoding of a
// driver's answer is tested with the fake daemon (test/unit/doctor/checks/reader-usb.test.ts,
// test/integration/fakes/usb-path-cli.test.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context, readerUsbPath } from '../../src/core/index.js';
import { runDoctor } from '../../src/core/doctor/index.js';
import { pcsc, requireBuild } from '../helpers/cli.js';
import { startPcsc, stopAll } from '../helpers/scan-process.js';
import { startRig, type Rig } from '../rig/rig.js';

let rig: Rig;
beforeAll(async () => {
  requireBuild();
  rig = await startRig({ atr: '3B80800101' });
}, 60_000);
afterAll(async () => {
  await stopAll();
  await rig?.stop();
});

const env = (): NodeJS.ProcessEnv => ({ ...process.env, NO_COLOR: '1', PCSCLITE_CSOCK_NAME: rig.socket });

describe('USB path on the real pcscd + vpcd (the fallback)', () => {
  it('readerUsbPath: vpcd refuses the control code, on a direct connection, card or not', async () => {
    await using ctx = await Context.establish({ socket: rig.socket, backend: 'pcscd' });
    for (const reader of rig.readers)
      expect(await readerUsbPath(ctx, reader)).toEqual({ unavailable: 'SCARD_E_UNSUPPORTED_FEATURE' });
    // No direct handle was left behind: an exclusive connect to the card still works.
    const card = await ctx.connect(rig.readers[0] as string, { share: 'exclusive' });
    await card.disconnect();
  });

  it("doctor's pcscd.readers: no USB device tied, the reason in data, no extra line", async () => {
    const report = await runDoctor({ ids: ['pcscd.readers'], socket: rig.socket });
    const c = report.checks.find((x) => x.id === 'pcscd.readers');
    expect(c?.status).toBe('pass');
    const readers = (c?.data as { readers: { reader: string; usb: { matchedBy: string; note: string } }[] }).readers;
    expect(readers.map((r) => r.usb.matchedBy)).toEqual(['none', 'none']);
    expect(readers[0]?.usb.note).toMatch(/^the driver gives no USB path \(SCARD_E_UNSUPPORTED_FEATURE: /);
    expect(c?.details.some((d) => d.includes('USB path'))).toBe(false);
  });

  it('udev-check --json lists pcscd readers, tied to no device', async () => {
    const r = await pcsc(['udev-check', '--json', '--socket', rig.socket], { env: env() });
    const j = JSON.parse(r.stdout) as { pcscdReaders?: { reader: string; matchedBy: string; usbPath?: string }[] };
    expect(j.pcscdReaders?.map((l) => [l.reader, l.matchedBy, l.usbPath])).toEqual(
      rig.readers.map((n) => [n, 'none', undefined]),
    );
  });

  it('scan -c --json has no usbPath; scan -d says why', { timeout: 120_000 }, async () => {
    const c = await pcsc(['scan', '-c', '-n', '--json'], { env: env() });
    expect(c.code, c.stderr).toBe(0);
    const j = JSON.parse(c.stdout) as { readers: Record<string, unknown>[] };
    expect(j.readers).toHaveLength(2);
    for (const r of j.readers) expect(r).not.toHaveProperty('usbPath');
    const d = startPcsc(['scan', '-d', '-n', '--json'], env());
    for (const reader of rig.readers)
      expect(
        await d.waitEvent((e) => e.event === 'usb-path' && e.reader === reader, { timeoutMs: 30_000 }),
      ).toMatchObject({ unavailable: 'SCARD_E_UNSUPPORTED_FEATURE' });
    expect(await d.stop()).toBe(130);
    expect(d.events().filter((e) => e.event === 'usb-path' && 'usbPath' in e)).toEqual([]);
  });
});
