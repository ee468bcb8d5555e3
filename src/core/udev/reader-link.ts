// Which USB device in sysfs each pcscd reader is. Best: the USB path libccid ≥ 1.7.1 gives for
// SCardControl 3601 (src/core/pcsc/usb-path.ts), which names the device exactly. Else the reader
// name: pcscd names a USB reader after its driver's friendly name for the VID:PID (or the USB
// strings), adding "(serial)" when the device has one — so the name ties it to every device of that
// VID:PID (one is fine; two of the same model are ambiguous unless their serials differ), and says so.
// docs/doctor.md#several-identical-readers.

import type { UsbPath } from '../pcsc/usb-path.js';
import type { SystemProbe } from '../system/types.js';
import { driverBundles, usbReaders, type UsbReader } from './readers.js';

/** What pcscd says of a reader: its name, and the driver's USB path when it answered 3601. */
export interface PcscdReaderPath {
  name: string;
  usbPath?: UsbPath;
  /** Why there is no path (the PC/SC code of the control call, "not a USB path: …"). */
  unavailable?: string;
}

export interface ReaderLink {
  /** pcscd's reader name. */
  reader: string;
  /** The driver's USB path (SCardControl 3601), e.g. "1-1.3.2:1.0". */
  usbPath?: string;
  /** The sysfs device it is: "usb-path" (exact), "serial" (name, VID:PID and serial), "vid-pid" (the only device of its model), or none. */
  matchedBy: 'usb-path' | 'serial' | 'vid-pid' | 'none';
  /** The device (sysfs name "1-1.3.2"), when tied to one. */
  device?: { busPath: string; vid: string; pid: string; node: string };
  /** With "none": the devices of that model it could be (two or more identical readers). */
  candidates?: string[];
  /** One sentence: how it was tied, or why not. */
  note: string;
}

/** Names pcscd may start a reader's name with for this device: the drivers' friendly names, the USB strings. */
async function namesFor(probe: SystemProbe, r: UsbReader): Promise<string[]> {
  const bundles = await driverBundles(probe);
  const friendly = bundles.flatMap((b) =>
    b.readers.filter((x) => x.vid === r.dev.vid && x.pid === r.dev.pid).map((x) => x.name),
  );
  const m = r.dev.manufacturer?.trim();
  const p = r.dev.product?.trim();
  const strings = m && p ? (p.toLowerCase().startsWith(m.toLowerCase()) ? p : `${m} ${p}`) : (p ?? m);
  return [...friendly, ...(strings ? [strings] : [])];
}

const startsAsName = (reader: string, name: string): boolean => reader === name || reader.startsWith(`${name} `);

/** Ties each pcscd reader to its sysfs USB device. */
export async function linkReaders(probe: SystemProbe, readers: readonly PcscdReaderPath[]): Promise<ReaderLink[]> {
  const usb = await usbReaders(probe);
  const named = await Promise.all(usb.map(async (r) => ({ r, names: await namesFor(probe, r) })));
  const dev = (r: UsbReader): NonNullable<ReaderLink['device']> => ({
    busPath: r.dev.name,
    vid: r.dev.vid,
    pid: r.dev.pid,
    node: r.dev.node,
  });
  return readers.map((pr): ReaderLink => {
    if (pr.usbPath) {
      const hit = usb.find((r) => r.dev.name === pr.usbPath?.device);
      return {
        reader: pr.name,
        usbPath: pr.usbPath.path,
        matchedBy: 'usb-path',
        ...(hit ? { device: dev(hit) } : {}),
        note: hit
          ? `the driver gave its USB path ${pr.usbPath.path} (SCardControl 3601): ${hit.dev.vid}:${hit.dev.pid} at ${hit.dev.name}`
          : `the driver gave its USB path ${pr.usbPath.path} (SCardControl 3601), but sysfs has no reader at ${pr.usbPath.device} here (pcscd runs elsewhere: another container or machine)`,
      };
    }
    const why = `the driver gives no USB path (${pr.unavailable ?? 'not asked'}: libccid before 1.7.1, another driver, or not a USB reader)`;
    const model = named.filter((x) => x.names.some((n) => startsAsName(pr.name, n)));
    if (model.length === 0)
      return { reader: pr.name, matchedBy: 'none', note: `${why}; no USB reader here matches its name` };
    const bySerial = model.filter((x) => x.r.dev.serial && pr.name.includes(`(${x.r.dev.serial})`));
    if (bySerial.length === 1) {
      const r = (bySerial[0] as { r: UsbReader }).r;
      return {
        reader: pr.name,
        matchedBy: 'serial',
        device: dev(r),
        note: `${why}; matched by name, VID:PID and serial number: ${r.dev.vid}:${r.dev.pid} at ${r.dev.name}`,
      };
    }
    if (model.length === 1) {
      const r = (model[0] as { r: UsbReader }).r;
      return {
        reader: pr.name,
        matchedBy: 'vid-pid',
        device: dev(r),
        note: `${why}; matched by VID:PID (the only ${r.dev.vid}:${r.dev.pid} here): ${r.dev.name}`,
      };
    }
    const first = (model[0] as { r: UsbReader }).r;
    return {
      reader: pr.name,
      matchedBy: 'none',
      candidates: model.map((x) => x.r.dev.name),
      note: `${why}; ${model.length} readers share VID:PID ${first.dev.vid}:${first.dev.pid} (${model.map((x) => x.r.dev.name).join(', ')}): it is one of them, which one needs libccid 1.7.1 or later`,
    };
  });
}
