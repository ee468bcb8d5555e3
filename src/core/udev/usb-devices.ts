// USB devices as Linux sysfs shows them (Documentation/ABI/stable/sysfs-bus-usb): the device
// directories of /sys/bus/usb/devices, their interfaces and bound drivers, their /dev/bus/usb node,
// and what udev recorded about them in its database (/run/udev/data/c<major>:<minor>).

import { posix } from 'node:path';
import type { SystemProbe } from '../system/types.js';
import type { UdevDevice, UdevDeviceNode } from './evaluate.js';

export const USB_DEVICES = '/sys/bus/usb/devices';
/** bInterfaceClass of a CCID (smart card) interface. */
export const CCID_CLASS = 0x0b;

export interface UsbInterface {
  /** sysfs name, e.g. "1-2:1.0". */
  name: string;
  number: number;
  class: number;
  subclass: number;
  protocol: number;
  /** The kernel driver bound to it (usbfs = a program claimed it through libusb). */
  driver?: string;
}

export interface UsbDevice {
  /** sysfs name: bus-port path, e.g. "1-2" or "3-1.4". */
  name: string;
  /** /sys/devices/… (resolved). */
  syspath: string;
  vid: string;
  pid: string;
  busnum: number;
  devnum: number;
  manufacturer?: string;
  product?: string;
  serial?: string;
  interfaces: UsbInterface[];
  /** /dev/bus/usb/BBB/DDD */
  node: string;
  /** "major:minor" from sysfs `dev`. */
  dev?: string;
  /** ID_USB_INTERFACES as udev's usb_id builtin computes it. */
  usbInterfaces: string;
  /** udev's database entry: properties (E:) and tags (G:), when udev has one. */
  udevDb?: { env: Record<string, string>; tags: string[] };
}

type Probe = Pick<SystemProbe, 'readDir' | 'readFile' | 'readLink' | 'realPath'>;

async function attr(probe: Probe, dir: string, name: string): Promise<string | undefined> {
  const v = await probe.readFile(`${dir}/${name}`);
  return v === null ? undefined : v.replace(/\s+$/, '');
}

/** Every USB device except root hubs, in sysfs name order. */
export async function listUsbDevices(probe: Probe): Promise<UsbDevice[]> {
  const names = ((await probe.readDir(USB_DEVICES)) ?? []).filter((n) => !n.includes(':') && !n.startsWith('usb'));
  const out: UsbDevice[] = [];
  for (const name of names) {
    const dir = `${USB_DEVICES}/${name}`;
    const [vid, pid, busnum, devnum] = await Promise.all(
      ['idVendor', 'idProduct', 'busnum', 'devnum'].map((a) => attr(probe, dir, a)),
    );
    if (!vid || !pid || !busnum || !devnum) continue;
    const d: UsbDevice = {
      name,
      syspath: (await probe.realPath(dir)) ?? dir,
      vid: vid.toLowerCase(),
      pid: pid.toLowerCase(),
      busnum: Number(busnum),
      devnum: Number(devnum),
      interfaces: await listInterfaces(probe, dir, name),
      node: `/dev/bus/usb/${String(Number(busnum)).padStart(3, '0')}/${String(Number(devnum)).padStart(3, '0')}`,
      usbInterfaces: '',
    };
    for (const k of ['manufacturer', 'product', 'serial'] as const) {
      const v = await attr(probe, dir, k);
      if (v !== undefined) d[k] = v;
    }
    d.usbInterfaces = idUsbInterfaces(d.interfaces);
    const dev = await attr(probe, dir, 'dev');
    if (dev) {
      d.dev = dev;
      const db = await probe.readFile(`/run/udev/data/c${dev}`);
      if (db !== null) d.udevDb = parseUdevDb(db);
    }
    out.push(d);
  }
  return out;
}

async function listInterfaces(probe: Probe, dir: string, name: string): Promise<UsbInterface[]> {
  const entries = ((await probe.readDir(dir)) ?? []).filter((e) => e.startsWith(`${name}:`));
  const out: UsbInterface[] = [];
  for (const e of entries) {
    const idir = `${dir}/${e}`;
    const [num, cls, sub, proto] = await Promise.all(
      ['bInterfaceNumber', 'bInterfaceClass', 'bInterfaceSubClass', 'bInterfaceProtocol'].map((a) =>
        attr(probe, idir, a),
      ),
    );
    if (cls === undefined) continue;
    const itf: UsbInterface = {
      name: e,
      number: parseInt(num ?? '0', 16),
      class: parseInt(cls, 16),
      subclass: parseInt(sub ?? '0', 16),
      protocol: parseInt(proto ?? '0', 16),
    };
    const driver = await probe.readLink(`${idir}/driver`);
    if (driver) itf.driver = posix.basename(driver);
    out.push(itf);
  }
  return out.sort((a, b) => a.number - b.number);
}

/** ":ccsspp:" per distinct interface, in interface order, closed by ":" (udev's usb_id). */
export function idUsbInterfaces(itfs: readonly UsbInterface[]): string {
  const parts: string[] = [];
  for (const i of itfs) {
    const s = [i.class, i.subclass, i.protocol].map((n) => n.toString(16).padStart(2, '0')).join('');
    if (!parts.includes(s)) parts.push(s);
  }
  return parts.length === 0 ? '' : `:${parts.join(':')}:`;
}

export function parseUdevDb(text: string): { env: Record<string, string>; tags: string[] } {
  const env: Record<string, string> = {};
  const tags: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('E:')) {
      const eq = line.indexOf('=');
      if (eq > 2) env[line.slice(2, eq)] = line.slice(eq + 1);
    } else if (line.startsWith('G:') || line.startsWith('Q:')) {
      const t = line.slice(2);
      if (t && !tags.includes(t)) tags.push(t);
    }
  }
  return { env, tags };
}

export function isCcidInterface(i: UsbInterface): boolean {
  return i.class === CCID_CLASS;
}

/**
 * The device as udev's rules see it on an event: its own attributes and those of its parents (only
 * the names the rules ask for), the files TEST looks for, and the properties known beforehand.
 */
export async function udevDeviceFor(
  probe: Probe,
  d: UsbDevice,
  wanted: { attrs: ReadonlySet<string>; tests: ReadonlySet<string> },
): Promise<UdevDevice> {
  const node = async (dir: string): Promise<UdevDeviceNode> => {
    const attrs: Record<string, string> = {};
    for (const a of wanted.attrs) {
      const v = await attr(probe, dir, a);
      if (v !== undefined) attrs[a] = v;
    }
    const files = new Set<string>();
    for (const t of wanted.tests) {
      // TEST paths are relative to the device's sysfs directory unless absolute.
      const full = t.startsWith('/') ? t : `${dir}/${t}`;
      if ((await probe.realPath(full)) !== null) files.add(t);
    }
    const out: UdevDeviceNode = { kernel: posix.basename(dir), attrs, files };
    const sub = await probe.readLink(`${dir}/subsystem`);
    if (sub) out.subsystem = posix.basename(sub);
    const drv = await probe.readLink(`${dir}/driver`);
    if (drv) out.driver = posix.basename(drv);
    return out;
  };
  const self = await node(d.syspath);
  const parents: UdevDeviceNode[] = [];
  for (let p = posix.dirname(d.syspath); p.startsWith('/sys/devices/') && parents.length < 16; p = posix.dirname(p)) {
    parents.push(await node(p));
  }
  const env: Record<string, string> = {
    SUBSYSTEM: 'usb',
    DEVTYPE: 'usb_device',
    ID_VENDOR_ID: d.vid,
    ID_MODEL_ID: d.pid,
    ID_USB_INTERFACES: d.usbInterfaces,
    BUSNUM: String(d.busnum).padStart(3, '0'),
    DEVNUM: String(d.devnum).padStart(3, '0'),
    DEVNAME: d.node,
  };
  // What a rule set before (e.g. PCSCLITE_IGNORE) must not be assumed: only usb_id/hwdb facts count.
  for (const k of ['ID_USB_INTERFACES', 'ID_VENDOR_FROM_DATABASE', 'ID_MODEL_FROM_DATABASE']) {
    const v = d.udevDb?.env[k];
    if (v !== undefined) env[k] = v;
  }
  return {
    ...self,
    subsystem: self.subsystem ?? 'usb',
    driver: self.driver ?? 'usb',
    devpath: d.syspath.replace(/^\/sys/, ''),
    env,
    parents,
  };
}
