import { afterAll, describe, expect, it } from 'vitest';
import { createProbe } from '../../../src/core/system/probe.js';
import { idUsbInterfaces, listUsbDevices, parseUdevDb, udevDeviceFor } from '../../../src/core/udev/usb-devices.js';
import { scenario, withUsbDevice } from '../../helpers/doctor-fixture.js';

const s = scenario();
withUsbDevice(s, {
  name: '3-1.4',
  vid: '1050',
  pid: '0407',
  busnum: 3,
  devnum: 7,
  product: 'YubiKey OTP+FIDO+CCID',
  interfaces: [{ cls: 0x03, sub: 1, proto: 1, driver: 'usbhid' }, { cls: 0x03 }, { cls: 0x0b, driver: 'usbfs' }],
});
s.tree.file(
  '/run/udev/data/c189:262',
  'I:123\nE:ID_USB_INTERFACES=:030101:030000:0b0000:\nE:ID_VENDOR_FROM_DATABASE=Yubico.com\nG:uaccess\nQ:seat\n',
);
s.tree.dir('/sys/bus/usb/devices/usb3').dir('/sys/bus/usb/devices/3-1.4:1.0');
afterAll(() => s.tree.remove());

describe('USB devices from sysfs', () => {
  it('reads IDs, bus/dev numbers, interfaces with their drivers, the node and the udev database', async () => {
    const [d, ...rest] = await listUsbDevices(createProbe({ root: s.tree.root }));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      name: '3-1.4',
      vid: '1050',
      pid: '0407',
      busnum: 3,
      devnum: 7,
      product: 'YubiKey OTP+FIDO+CCID',
      node: '/dev/bus/usb/003/007',
      dev: '189:262',
      usbInterfaces: ':030101:030000:0b0000:',
      syspath: '/sys/devices/pci0000:00/0000:00:14.0/usb1/3-1.4',
      udevDb: {
        env: { ID_USB_INTERFACES: ':030101:030000:0b0000:', ID_VENDOR_FROM_DATABASE: 'Yubico.com' },
        tags: ['uaccess', 'seat'],
      },
    });
    expect(d?.interfaces.map((i) => [i.name, i.class, i.driver])).toEqual([
      ['3-1.4:1.0', 3, 'usbhid'],
      ['3-1.4:1.1', 3, undefined],
      ['3-1.4:1.2', 11, 'usbfs'],
    ]);
  });

  it('builds the device udev rules see, with its parents', async () => {
    const probe = createProbe({ root: s.tree.root });
    const [d] = await listUsbDevices(probe);
    const u = await udevDeviceFor(probe, d!, {
      attrs: new Set(['idVendor', 'idProduct']),
      tests: new Set(['power/control', 'power/nope']),
    });
    expect(u).toMatchObject({
      kernel: '3-1.4',
      subsystem: 'usb',
      driver: 'usb',
      devpath: '/devices/pci0000:00/0000:00:14.0/usb1/3-1.4',
      attrs: { idVendor: '1050', idProduct: '0407' },
    });
    expect([...(u.files ?? [])]).toEqual(['power/control']);
    expect(u.env).toMatchObject({
      DEVTYPE: 'usb_device',
      ID_USB_INTERFACES: ':030101:030000:0b0000:',
      BUSNUM: '003',
      DEVNUM: '007',
    });
    expect(u.parents.map((p) => [p.kernel, p.attrs.idVendor])).toEqual([
      ['usb1', '1d6b'],
      ['0000:00:14.0', undefined],
      ['pci0000:00', undefined],
    ]);
  });

  it('formats ID_USB_INTERFACES as udev does: each distinct class triple once, in order', () => {
    expect(idUsbInterfaces([])).toBe('');
    expect(
      idUsbInterfaces([
        { name: 'a', number: 0, class: 0x0b, subclass: 0, protocol: 0 },
        { name: 'b', number: 1, class: 0x0b, subclass: 0, protocol: 0 },
        { name: 'c', number: 2, class: 0xff, subclass: 1, protocol: 2 },
      ]),
    ).toBe(':0b0000:ff0102:');
  });

  it('reads properties and tags of a udev database entry', () => {
    expect(parseUdevDb('S:x\nE:A=1=2\nE:B=\nG:t1\nQ:t1\n')).toEqual({ env: { A: '1=2', B: '' }, tags: ['t1'] });
  });
});
