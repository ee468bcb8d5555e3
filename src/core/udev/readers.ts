// The smart card readers on the USB bus (a CCID interface, or a VID:PID an installed driver
// bundle declares), the driver bundles themselves, and what the udev rules do to each reader.

import { DEFAULT_DROPDIRS, loadBundles, type DriverBundle } from '../drivers/bundles.js';
import { evaluateRules, type EvaluateOptions, type UdevOutcome } from './evaluate.js';
import { allRules, loadRulesFiles, type RulesFile } from './rules-files.js';
import { referencedNames } from './rules-parse.js';
import { isCcidInterface, listUsbDevices, udevDeviceFor, type UsbDevice } from './usb-devices.js';
import type { SystemProbe } from '../system/types.js';
import { findGroup, sysGidMax } from '../system/accounts.js';
import { memo } from '../system/memo.js';
import { feature, pcscdDefaults, pcscdProgram } from '../system/pcscd-info.js';

export interface UsbReader {
  dev: UsbDevice;
  /** It has a class-0x0B (CCID) interface. */
  ccid: boolean;
  /** Bundles that declare its VID:PID. */
  bundles: string[];
  /** "Vendor Product" from sysfs, else the bundle's friendly name, else VID:PID. */
  label: string;
}

/** What names a reader in reports: name, VID:PID, bus path, node, CCID or not, the bundles declaring it. */
export interface ReaderIdentity {
  name: string;
  vid: string;
  pid: string;
  /** sysfs bus path, e.g. "1-2". */
  busPath: string;
  node: string;
  ccid: boolean;
  bundles: string[];
}

export function readerIdentity(r: UsbReader): ReaderIdentity {
  return {
    name: r.label,
    vid: r.dev.vid,
    pid: r.dev.pid,
    busPath: r.dev.name,
    node: r.dev.node,
    ccid: r.ccid,
    bundles: r.bundles,
  };
}

export function driverBundles(probe: SystemProbe): Promise<DriverBundle[]> {
  return memo(probe, 'bundles', async () => {
    const dirs: string[] = [...DEFAULT_DROPDIRS];
    const usbdropdir = feature(await pcscdProgram(probe), 'usbdropdir');
    if (usbdropdir) dirs.unshift(usbdropdir);
    const hp = (await pcscdDefaults(probe))?.vars.PCSCLITE_HP_DROPDIR;
    if (hp) dirs.unshift(hp.replace(/\/+$/, ''));
    return loadBundles(probe, dirs);
  });
}

export function rulesFiles(probe: SystemProbe): Promise<RulesFile[]> {
  return memo(probe, 'udev-rules', () => loadRulesFiles(probe));
}

export function usbReaders(probe: SystemProbe): Promise<UsbReader[]> {
  return memo(probe, 'usb-readers', async () => {
    const devs = await listUsbDevices(probe);
    // The drivers' reader lists (libccid's Info.plist: ~5 ms to parse) only to match a device.
    if (devs.length === 0) return [];
    const bundles = await driverBundles(probe);
    const out: UsbReader[] = [];
    for (const dev of devs) {
      const ccid = dev.interfaces.some(isCcidInterface);
      const declaring = bundles.filter((b) => b.readers.some((r) => r.vid === dev.vid && r.pid === dev.pid));
      if (!ccid && declaring.length === 0) continue;
      const friendly = declaring[0]?.readers.find((r) => r.vid === dev.vid && r.pid === dev.pid)?.name;
      const sysName = [dev.manufacturer, dev.product].filter(Boolean).join(' ');
      out.push({
        dev,
        ccid,
        bundles: declaring.map((b) => b.name),
        label: sysName || friendly || `${dev.vid}:${dev.pid}`,
      });
    }
    return out;
  });
}

/** systemd's version (from libsystemd-shared-NNN.so or `udevadm --version`), if systemd is there. */
export function systemdVersion(probe: SystemProbe): Promise<number | undefined> {
  return memo(probe, 'systemd-version', async () => {
    for (const dir of ['/usr/lib/systemd', '/lib/systemd', '/usr/lib64/systemd']) {
      for (const f of (await probe.readDir(dir)) ?? []) {
        const m = /^libsystemd-shared-(\d+)/.exec(f);
        if (m) return Number(m[1]);
      }
    }
    const r = await probe.run('udevadm', ['--version'], { timeoutMs: 2000 });
    const n = r?.code === 0 ? parseInt(r.stdout.trim(), 10) : NaN;
    return Number.isFinite(n) ? n : undefined;
  });
}

/** How udev treats GROUP names here: unknown groups always, non-system groups from systemd 258. */
export async function groupPolicy(probe: SystemProbe): Promise<NonNullable<EvaluateOptions['groupUsable']>> {
  const names = new Set<string>();
  for (const r of allRules(await rulesFiles(probe)))
    for (const t of r.tokens) if (t.key === 'GROUP' && t.op !== '==' && t.op !== '!=') names.add(t.value);
  const known = new Map<string, number | undefined>();
  for (const n of names) known.set(n, (await findGroup(probe, n))?.gid);
  const max = await sysGidMax(probe);
  const sd = await systemdVersion(probe);
  return (name) => {
    const gid = known.has(name) ? known.get(name) : undefined;
    if (gid === undefined) return { ok: false, why: `group "${name}" does not exist` };
    if (sd !== undefined && sd >= 258 && gid > max)
      return { ok: false, why: `group "${name}" (gid ${gid}) is not a system group, which systemd ${sd} refuses` };
    return { ok: true };
  };
}

/** What the rules do to a reader's device node on an event. */
export function udevOutcome(probe: SystemProbe, reader: UsbReader, action: string): Promise<UdevOutcome> {
  return memo(probe, `udev:${reader.dev.name}:${action}`, async () => {
    const rules = allRules(await rulesFiles(probe));
    const dev = await udevDeviceFor(probe, reader.dev, referencedNames(rules));
    return evaluateRules(rules, dev, { action, groupUsable: await groupPolicy(probe) });
  });
}
