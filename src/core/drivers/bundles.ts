// pcsc-lite USB driver bundles (`<dropdir>/NAME.bundle/Contents/Info.plist`): the readers each one
// declares (ifdVendorID / ifdProductID / ifdFriendlyName, one string or parallel arrays) and its
// version (CFBundleShortVersionString).

import type { SystemProbe } from '../system/types.js';
import { parsePlist, type PlistValue } from './plist.js';

/** Where distributions install bundles; pcscd's own usbdropdir and PCSCLITE_HP_DROPDIR are added. */
export const DEFAULT_DROPDIRS = [
  '/usr/lib/pcsc/drivers',
  '/usr/lib64/pcsc/drivers',
  '/usr/local/lib/pcsc/drivers',
] as const;

export interface BundleReader {
  /** Lower-case 4-digit hex, as sysfs writes idVendor/idProduct. */
  vid: string;
  pid: string;
  name: string;
}

export interface DriverBundle {
  /** NAME.bundle */
  name: string;
  path: string;
  /** CFBundleExecutable (libccid.so for libccid). */
  executable?: string;
  version?: string;
  /** CFBundleIdentifier. */
  identifier?: string;
  readers: BundleReader[];
  /** Why the Info.plist could not be used, when it could not. */
  error?: string;
}

export function isLibccid(b: DriverBundle): boolean {
  return b.executable === 'libccid.so' || b.identifier === 'fr.apdu.ccid.smartcardccid' || b.name === 'ifd-ccid.bundle';
}

/** Reads a bundle's Info.plist text into a DriverBundle. */
export function parseBundle(name: string, path: string, xml: string): DriverBundle {
  const b: DriverBundle = { name, path, readers: [] };
  let top: PlistValue;
  try {
    top = parsePlist(xml);
  } catch (e) {
    return { ...b, error: `Info.plist does not parse: ${(e as Error).message}` };
  }
  if (!top || typeof top !== 'object' || Array.isArray(top)) return { ...b, error: 'Info.plist has no top-level dict' };
  const str = (k: string): string | undefined => (typeof top[k] === 'string' ? (top[k] as string) : undefined);
  const list = (k: string): string[] => {
    const v = top[k];
    if (typeof v === 'string') return [v];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  };
  const exe = str('CFBundleExecutable');
  if (exe !== undefined) b.executable = exe;
  const version = str('CFBundleShortVersionString');
  if (version !== undefined) b.version = version.trim();
  const id = str('CFBundleIdentifier');
  if (id !== undefined) b.identifier = id;
  const vids = list('ifdVendorID');
  const pids = list('ifdProductID');
  const names = list('ifdFriendlyName');
  if (vids.length !== pids.length)
    b.error = `ifdVendorID has ${vids.length} entries but ifdProductID has ${pids.length}`;
  for (let i = 0; i < Math.min(vids.length, pids.length); i++) {
    const vid = hex4(vids[i] as string);
    const pid = hex4(pids[i] as string);
    if (vid === null || pid === null) continue;
    b.readers.push({ vid, pid, name: names[i] ?? names[0] ?? '' });
  }
  return b;
}

function hex4(s: string): string | null {
  const m = /^\s*(?:0x)?([0-9a-fA-F]{1,4})\s*$/.exec(s);
  return m ? (m[1] as string).toLowerCase().padStart(4, '0') : null;
}

/** Every bundle in the given drop directories (each directory read once, even through symlinks). */
export async function loadBundles(
  probe: Pick<SystemProbe, 'readDir' | 'readFile' | 'realPath'>,
  dirs: readonly string[],
): Promise<DriverBundle[]> {
  const out: DriverBundle[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    const real = await probe.realPath(dir);
    if (real === null || seen.has(real)) continue;
    seen.add(real);
    for (const name of (await probe.readDir(dir)) ?? []) {
      if (!name.endsWith('.bundle')) continue;
      const path = `${dir}/${name}/Contents/Info.plist`;
      const xml = await probe.readFile(path);
      out.push(
        xml === null
          ? { name, path, readers: [], error: 'no readable Contents/Info.plist' }
          : parseBundle(name, path, xml),
      );
    }
  }
  return out;
}

/** Compares dotted versions numerically ("1.10.0" > "1.9.9"); non-numeric parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+~-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.+~-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
