// Reader names as pcscd + libccid give them: the driver's friendly name for the VID:PID (from an
// installed Info.plist), " [iInterface]", " (serial)" unless the interface name holds it, then
// " II SS" with a reader index shared by all readers of the driver and the slot number.

import { readdirSync, readFileSync } from 'node:fs';
import type { UsbCcidInterface } from './transport.js';

export interface DriverEntry {
  vendorId: number;
  productId: number;
  name: string;
  /** CFBundleName CCIDCLASSDRIVER: a fallback after drivers that name the VID:PID. */
  classDriver: boolean;
}

/** Reads `<key>K</key><array><string>…</string>…</array>` (or a single <string>) from a plist. */
export function plistValues(xml: string, key: string): string[] {
  const at = xml.indexOf(`<key>${key}</key>`);
  if (at < 0) return [];
  const rest = xml.slice(at + key.length + 11).trimStart();
  const unescape = (s: string): string =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  if (rest.startsWith('<string>')) return [unescape(rest.slice(8, rest.indexOf('</string>')))];
  if (!rest.startsWith('<array>')) return [];
  const body = rest.slice(7, rest.indexOf('</array>'));
  return [...body.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((m) => unescape(m[1] ?? ''));
}

export function parseInfoPlist(xml: string): DriverEntry[] {
  const vids = plistValues(xml, 'ifdVendorID');
  const pids = plistValues(xml, 'ifdProductID');
  const names = plistValues(xml, 'ifdFriendlyName');
  const classDriver = plistValues(xml, 'CFBundleName')[0] === 'CCIDCLASSDRIVER';
  if (vids.length !== pids.length || vids.length !== names.length) return [];
  return vids.map((v, i) => ({
    vendorId: parseInt(v, 16),
    productId: parseInt(pids[i] as string, 16),
    name: names[i] as string,
    classDriver,
  }));
}

/** pcscd's driver directories (its compiled-in default, then the usual alternatives). */
export function driverDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    env.PCSCLITE_HP_DROPDIR,
    '/usr/lib/pcsc/drivers',
    '/usr/local/lib/pcsc/drivers',
    '/usr/lib64/pcsc/drivers',
    '/usr/lib/x86_64-linux-gnu/pcsc/drivers',
  ];
  return [...new Set(dirs.filter((d): d is string => !!d))];
}

export function loadDrivers(dirs = driverDirs()): DriverEntry[] {
  const out: DriverEntry[] = [];
  for (const dir of dirs) {
    let bundles: string[];
    try {
      bundles = readdirSync(dir)
        .filter((b) => b.endsWith('.bundle'))
        .sort();
    } catch {
      continue;
    }
    for (const b of bundles) {
      try {
        out.push(...parseInfoPlist(readFileSync(`${dir}/${b}/Contents/Info.plist`, 'utf8')));
      } catch {
        // unreadable bundle: pcscd skips it too
      }
    }
  }
  return out;
}

/** The friendly name pcscd would take from the drivers: a specific driver first, then the class driver. */
export function friendlyName(drivers: readonly DriverEntry[], vendorId: number, productId: number): string | undefined {
  const hits = drivers.filter((d) => d.vendorId === vendorId && d.productId === productId);
  return (hits.find((d) => !d.classDriver) ?? hits[0])?.name;
}

/** Without a driver entry: the USB strings, as "manufacturer product" unless one contains the other. */
export function usbStringName(
  i: Pick<UsbCcidInterface, 'manufacturer' | 'product' | 'vendorId' | 'productId'>,
): string {
  const m = i.manufacturer?.trim();
  const p = i.product?.trim();
  if (m && p) return p.toLowerCase().startsWith(m.toLowerCase()) ? p : `${m} ${p}`;
  if (p || m) return (p ?? m) as string;
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return `USB CCID reader ${hex(i.vendorId)}:${hex(i.productId)}`;
}

/** The name before " II SS": friendly name, [interface], (serial). Non-ASCII becomes '.'. */
export function baseName(i: UsbCcidInterface, drivers: readonly DriverEntry[]): string {
  let name = friendlyName(drivers, i.vendorId, i.productId) ?? usbStringName(i);
  const ifc =
    i.interfaceName && [...i.interfaceName].map((ch) => ((ch.codePointAt(0) ?? 0) < 0x80 ? ch : '.')).join('');
  if (ifc) name += ` [${ifc}]`;
  if (i.serial && !(ifc && ifc.includes(i.serial))) name += ` (${i.serial})`;
  return name;
}

export interface NamedSlot {
  name: string;
  iface: UsbCcidInterface;
  slot: number;
}

/** Names every slot of every interface; the reader index counts interfaces in bus order. */
export function nameReaders(ifaces: readonly UsbCcidInterface[], drivers: readonly DriverEntry[]): NamedSlot[] {
  const out: NamedSlot[] = [];
  const hex2 = (n: number): string => (n & 0xff).toString(16).toUpperCase().padStart(2, '0');
  ifaces.forEach((iface, index) => {
    const base = baseName(iface, drivers);
    for (let s = 0; s <= iface.descriptor.maxSlotIndex; s++)
      out.push({ name: `${base} ${hex2(index)} ${hex2(s)}`, iface, slot: s });
  });
  return out;
}
