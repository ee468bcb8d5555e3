// `pcsc scan -c --json` and `pcsc scan -d` show each reader's USB path when the driver answers
// SCardControl 3601 (libccid ≥ 1.7.1; the fake answers as libccid does: the path and its NUL),
// and nothing (-c) or why not (-d) when it refuses, as older drivers do.

import { beforeAll, describe, expect, it } from 'vitest';
import { pcsc, requireBuild } from '../../helpers/cli.js';
import { IOCTL_GET_USB_PATH } from '../../../src/core/pcsc/usb-path.js';
import { Scard } from '../../../src/core/errors.js';
import { READER, READER2, establish, guard, startFake, withCard } from './helpers.js';

guard();
beforeAll(() => {
  requireBuild();
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
  it('-d prints it after each reader’s first state (and -d --json as a usb-path event)', async () => {
    const fake = await startFake({
      version: '2.0.3',
      readers: [{ ...withCard(), control: path('3-4:1.0') }, { name: READER2 }],
    });
    const human = await pcsc(['scan', '-d', '-n', '-t', '3', '--socket', fake.path], { env });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('  USB path: 3-4:1.0');
    expect(human.stdout).toContain(
      '  USB path: none (SCARD_E_UNSUPPORTED_FEATURE: the driver does not give it; libccid 1.7.1 and later do)',
    );
    const json = await pcsc(['scan', '-d', '-n', '--json', '-t', '3', '--socket', fake.path], { env });
    const events = json.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; reader?: string; usbPath?: string; unavailable?: string })
      .filter((e) => e.event === 'usb-path');
    expect(events.map(({ reader, usbPath, unavailable }) => ({ reader, usbPath, unavailable }))).toEqual([
      { reader: READER, usbPath: '3-4:1.0', unavailable: undefined },
      { reader: READER2, usbPath: undefined, unavailable: 'SCARD_E_UNSUPPORTED_FEATURE' },
    ]);
  });
});
