// `pcsc scan -c --json` and `pcsc scan -d` show each reader's USB path when the driver answers
// SCardControl 3601 (libccid ≥ 1.7.1; the fake answers as libccid does: the path and its NUL),
// and nothing (-c) or why not (-d) when it refuses, as older drivers do.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPcsc, stopAll } from '../../helpers/scan-process.js';
import { pcsc, requireBuild } from '../../helpers/cli.js';
import { IOCTL_GET_USB_PATH } from '../../../src/core/pcsc/usb-path.js';
import { Scard } from '../../../src/core/errors.js';
import { READER, READER2, establish, guard, startFake, withCard } from './helpers.js';

guard();
beforeAll(() => {
  requireBuild();
});
afterAll(async () => {
  await stopAll();
});

const env = { ...process.env, NO_COLOR: '1' };
const path = (p: string) => (code: number) =>
  code === IOCTL_GET_USB_PATH ? { data: Buffer.from(`${p}\0`, 'latin1') } : { rv: Scard.E_UNSUPPORTED_FEATURE };

describe('the USB path in pcsc scan', () => {
  it('-c --json: usbPath for the reader whose driver gives it, none for the other', async () => {
    const fake = await startFake({
      version: '2.0.3',
      readers: [{ ...withCard(), control: path('1-1.3.2:1.0') }, { name: READER2 }],
    });
    const r = await pcsc(['scan', '-c', '-n', '--json', '--socket', fake.path], { env });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { readers: { name: string; usbPath?: string }[] };
    expect(j.readers.map((x) => [x.name, x.usbPath])).toEqual([
      [READER, '1-1.3.2:1.0'],
      [READER2, undefined],
    ]);
    expect(fake.violations).toEqual([]);
  });
  it('-c does not wait for a reader busy in another program’s transaction: that one gets no path', async () => {
    const fake = await startFake({
      version: '2.0.3',
      readers: [
        { ...withCard(), control: path('1-2:1.0') },
        { ...withCard(READER2), control: path('1-3:1.0') },
      ],
    });
    const other = await establish(fake);
    try {
      const card = await other.connect(READER, { share: 'shared' });
      await card.beginTransaction();
      const r = await pcsc(['scan', '-c', '-n', '--json', '--socket', fake.path], { env });
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { readers: { name: string; usbPath?: string }[] };
      expect(j.readers.map((x) => [x.name, x.usbPath])).toEqual([
        [READER, undefined],
        [READER2, '1-3:1.0'],
      ]);
      await card.endTransaction();
    } finally {
      await other.release();
    }
  });
  it(
    '-d prints it after each reader’s first state (and -d --json as a usb-path event)',
    { timeout: 120_000 },
    async () => {
      const fake = await startFake({
        version: '2.0.3',
        readers: [{ ...withCard(), control: path('3-4:1.0') }, { name: READER2 }],
      });
      const human = startPcsc(['scan', '-d', '-n', '--socket', fake.path], env);
      await human.waitLine((l) => l === '  USB path: 3-4:1.0', { timeoutMs: 30_000 });
      await human.waitLine(
        (l) =>
          l ===
          '  USB path: none (SCARD_E_UNSUPPORTED_FEATURE: the driver does not give it; libccid 1.7.1 and later do)',
        { timeoutMs: 30_000 },
      );
      expect(await human.stop()).toBe(130);
      const json = startPcsc(['scan', '-d', '-n', '--json', '--socket', fake.path], env);
      const first = await json.waitEvent((e) => e.event === 'usb-path' && e.reader === READER, { timeoutMs: 30_000 });
      const second = await json.waitEvent((e) => e.event === 'usb-path' && e.reader === READER2, { timeoutMs: 30_000 });
      expect(await json.stop()).toBe(130);
      expect(first).toEqual({ event: 'usb-path', time: expect.any(String), reader: READER, usbPath: '3-4:1.0' });
      expect(second).toEqual({
        event: 'usb-path',
        time: expect.any(String),
        reader: READER2,
        unavailable: 'SCARD_E_UNSUPPORTED_FEATURE',
      });
    },
  );
});
