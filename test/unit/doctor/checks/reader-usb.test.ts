// Each pcscd reader tied to its USB device: libccid's SCardControl 3601 answer (the USB path),
// decoded from the reply the driver sends, through the fake daemon; and the fallbacks — the
// serial number in the reader's name, the only device of its VID:PID, or two identical readers
// that cannot be told apart without the path.

import { Chalk } from 'chalk';
import { afterEach, describe, expect, it } from 'vitest';
import { runUdevCheck } from '../../../../src/core/doctor/udev-check.js';
import { renderReaders } from '../../../../src/cli/render/doctor.js';
import { Scard } from '../../../../src/core/errors.js';
import { decodeUsbPath, IOCTL_GET_USB_PATH } from '../../../../src/core/pcsc/usb-path.js';
import { ctlCode } from '../../../../src/core/scard/constants.js';
import { FakePcscd } from '../../../fakes/fake-pcscd.js';
import type { FakeReader } from '../../../fakes/model.js';
import {
  dispose,
  probeFor,
  runCheck,
  scenario,
  withLibccid,
  withPcscd,
  withUsbDevice,
  type Scenario,
} from '../../../helpers/doctor-fixture.js';

let s: Scenario | undefined;
let daemon: FakePcscd | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await dispose(s);
  s = undefined;
});

const SOCK = '/run/pcscd/pcscd.comm';
/** What pcscd returns when the driver does not know the code (IFD_ERROR_NOT_SUPPORTED). */
const UNSUPPORTED = Scard.E_UNSUPPORTED_FEATURE;

/**
 * libccid's reply to 3601 (get_ccid_usb_device_path, CCID 1.7.1): "%u-%u" bus and first port,
 * ".%u" per further port, ":%u.%u" configuration and interface, and the NUL (counted in the length).
 */
const reply = (path: string): Buffer => Buffer.from(`${path}\0`, 'latin1');

describe('decodeUsbPath', () => {
  it('is SCARD_CTL_CODE(3601) = 0x42000E11 on pcsc-lite', () => {
    expect(IOCTL_GET_USB_PATH).toBe(ctlCode(3601));
    expect(IOCTL_GET_USB_PATH).toBe(0x42000e11);
  });
  it('decodes a hub path, with its device and interface', () => {
    expect(decodeUsbPath(reply('1-1.3.2:1.0'))).toEqual({
      path: '1-1.3.2:1.0',
      device: '1-1.3.2',
      bus: 1,
      configuration: 1,
      interface: 0,
    });
    expect(decodeUsbPath(Buffer.from('3-4:1.1'))?.device).toBe('3-4');
  });
  it('refuses what is not a path', () => {
    expect(decodeUsbPath(Buffer.alloc(0))).toBeNull();
    expect(decodeUsbPath(reply('usb1'))).toBeNull();
    expect(decodeUsbPath(Buffer.from([0x90, 0x00]))).toBeNull();
  });
});

const TWIN = 'Gemalto PC Twin Reader';

/** Two Gemalto PC Twin readers (08e6:3437) on ports 2 and 3, named as pcscd + libccid name them. */
async function twoTwins(answer: (path: string) => FakeReader['control'], serials?: [string, string]): Promise<void> {
  s = withLibccid(withPcscd(scenario(), '2.0.3'), '1.7.1');
  const ports = ['1-2', '1-3'];
  ports.forEach((name, i) =>
    withUsbDevice(s as Scenario, {
      name,
      vid: '08e6',
      pid: '3437',
      devnum: 5 + i,
      interfaces: [{ cls: 0x0b }],
    }),
  );
  if (serials)
    ports.forEach((name, i) =>
      (s as Scenario).tree.file(`/sys/devices/pci0000:00/0000:00:14.0/usb1/${name}/serial`, `${serials[i]}\n`),
    );
  s.tree.dir('/run/pcscd');
  daemon = await FakePcscd.start({
    version: '2.0.3',
    path: s.tree.root + SOCK,
    readers: ports.map((p, i) => ({
      name: `${TWIN}${serials ? ` (${serials[i]})` : ''} 0${i} 00`,
      control: answer(`${p}:1.0`),
    })),
  });
}

describe('pcscd.readers: the USB device of each reader', () => {
  it('two identical readers told apart by the driver’s USB path (3601)', async () => {
    await twoTwins((path) => (code) => (code === IOCTL_GET_USB_PATH ? { data: reply(path) } : { rv: UNSUPPORTED }));
    const r = await runCheck(s as Scenario, 'pcscd.readers');
    expect(r.status).toBe('pass');
    expect(r.data).toMatchObject({
      readers: [
        {
          reader: `${TWIN} 00 00`,
          usb: {
            usbPath: '1-2:1.0',
            matchedBy: 'usb-path',
            device: { busPath: '1-2', vid: '08e6', pid: '3437', node: '/dev/bus/usb/001/005' },
          },
        },
        {
          reader: `${TWIN} 01 00`,
          usb: { usbPath: '1-3:1.0', matchedBy: 'usb-path', device: { busPath: '1-3', node: '/dev/bus/usb/001/006' } },
        },
      ],
    });
    expect(r.details).toContain(
      `${TWIN} 00 00: the driver gave its USB path 1-2:1.0 (SCardControl 3601): 08e6:3437 at 1-2`,
    );
  });

  it('an older libccid (no 3601): two identical readers are ambiguous, and it says so', async () => {
    await twoTwins(() => () => ({ rv: UNSUPPORTED }));
    const r = await runCheck(s as Scenario, 'pcscd.readers');
    expect(r.data).toMatchObject({
      readers: [{ usb: { matchedBy: 'none', candidates: ['1-2', '1-3'] } }, { usb: { matchedBy: 'none' } }],
    });
    expect(r.details).toContain(
      `${TWIN} 00 00: the driver gives no USB path (SCARD_E_UNSUPPORTED_FEATURE: libccid before 1.7.1, another driver, or not a USB reader); 2 readers share VID:PID 08e6:3437 (1-2, 1-3): it is one of them, which one needs libccid 1.7.1 or later`,
    );
  });

  it('an older libccid, readers with serial numbers: the name tells them apart', async () => {
    await twoTwins(() => () => ({ rv: UNSUPPORTED }), ['A1B2', 'C3D4']);
    const r = await runCheck(s as Scenario, 'pcscd.readers');
    expect(r.data).toMatchObject({
      readers: [
        { usb: { matchedBy: 'serial', device: { busPath: '1-2' } } },
        { usb: { matchedBy: 'serial', device: { busPath: '1-3' } } },
      ],
    });
  });

  it('a malformed reply is no path: the VID:PID fallback, saying why', async () => {
    s = withLibccid(withPcscd(scenario(), '2.0.3'), '1.7.1');
    withUsbDevice(s, { name: '1-2', vid: '08e6', pid: '3437', interfaces: [{ cls: 0x0b }] });
    s.tree.dir('/run/pcscd');
    daemon = await FakePcscd.start({
      version: '2.0.3',
      path: s.tree.root + SOCK,
      readers: [{ name: `${TWIN} 00 00`, control: () => ({ data: Buffer.from([0x90, 0x00]) }) }],
    });
    const r = await runCheck(s, 'pcscd.readers');
    expect(r.data).toMatchObject({ readers: [{ usb: { matchedBy: 'vid-pid', device: { busPath: '1-2' } } }] });
    expect(r.details.at(-1)).toBe(
      `${TWIN} 00 00: the driver gives no USB path (a reply that is not a USB path (9000): libccid before 1.7.1, another driver, or not a USB reader); matched by VID:PID (the only 08e6:3437 here): 1-2`,
    );
  });
});

describe('udev-check: pcscd readers beside their devices', () => {
  it('--json lists pcscdReaders tied by the USB path; the table names each device’s pcscd reader', async () => {
    await twoTwins((path) => (code) => (code === IOCTL_GET_USB_PATH ? { data: reply(path) } : { rv: UNSUPPORTED }));
    const r = await runUdevCheck({ probe: probeFor(s as Scenario) });
    expect(r.pcscdReaders?.map((l) => [l.reader, l.usbPath, l.matchedBy, l.device?.busPath])).toEqual([
      [`${TWIN} 00 00`, '1-2:1.0', 'usb-path', '1-2'],
      [`${TWIN} 01 00`, '1-3:1.0', 'usb-path', '1-3'],
    ]);
    const lines = renderReaders(r.readers, new Chalk({ level: 0 }), r.pcscdReaders);
    expect(lines).toContain(`  pcscd:   ${TWIN} 01 00 (USB path 1-3:1.0), by the USB path its driver gives`);
  });
  it('without 3601 each device says which pcscd readers it may be', async () => {
    await twoTwins(() => () => ({ rv: UNSUPPORTED }));
    const r = await runUdevCheck({ probe: probeFor(s as Scenario) });
    expect(r.pcscdReaders?.map((l) => l.matchedBy)).toEqual(['none', 'none']);
    const lines = renderReaders(r.readers, new Chalk({ level: 0 }), r.pcscdReaders);
    expect(lines.filter((l) => l.includes('is this reader or another of the same VID:PID (1-2, 1-3)'))).toHaveLength(4);
  });
  it('no daemon: no pcscdReaders', async () => {
    s = withLibccid(withPcscd(scenario(), '2.0.3'), '1.7.1');
    const r = await runUdevCheck({ probe: probeFor(s) });
    expect(r.pcscdReaders).toBeUndefined();
  });
});
