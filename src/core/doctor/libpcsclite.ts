// The client libraries (libpcsclite.so.1) a program here would load, and which pcsc-lite release
// each is: from its libpcsclite.pc, else the distribution package, else markers in the library
// itself (read, never loaded: no code of it runs). Looks in the system's directories and where
// sandboxed applications carry their own (Flatpak's /app/lib, a snap's $SNAP, an AppImage's $APPDIR).

import { clientLine, protocolOf } from './protocol-model.js';
import { packageVersion, upstreamVersion } from '../system/os.js';
import type { SystemProbe } from '../system/types.js';

const LIB_DIRS = ['/usr/lib', '/usr/lib64', '/lib', '/lib64', '/usr/local/lib', '/usr/local/lib64'];
/** The library a bigger file would not be: pcsc-lite's client library is about 100 KiB. */
const MAX_LIBRARY_BYTES = 4 << 20;

export interface ClientLibrary {
  /** The library's real path. */
  path: string;
  /** The pcsc-lite release, when known exactly. */
  version?: string;
  /** A lower bound when only markers were found ("2.4.1": 2.4.1 or later). */
  atLeast?: string;
  /** The protocol it speaks ("4:4"), when the version (or markers) tell. */
  protocol?: string;
  /** Where the version came from. */
  source: 'pkgconfig' | 'package' | 'markers' | 'unknown';
  /** The distribution package it belongs to (system directories only). */
  pkg?: { name: string; version: string };
  /** The application carries it (/app, $SNAP, $APPDIR): no package of the system. */
  bundled: boolean;
}

/** Directories sandboxed applications load their own libraries from, with the probe's environment. */
function bundleDirs(probe: SystemProbe): string[] {
  const roots = ['/app'];
  if (probe.env.SNAP?.startsWith('/')) roots.push(probe.env.SNAP, `${probe.env.SNAP}/usr`);
  if (probe.env.APPDIR?.startsWith('/')) roots.push(probe.env.APPDIR, `${probe.env.APPDIR}/usr`);
  return roots.flatMap((r) => [`${r}/lib`, `${r}/lib64`]);
}

async function withMultiarch(probe: SystemProbe, dirs: string[]): Promise<string[]> {
  const out = [...dirs];
  for (const d of dirs)
    for (const e of (await probe.readDir(d)) ?? []) if (/-linux-gnu|-linux-musl/.test(e)) out.push(`${d}/${e}`);
  return out;
}

/** Every distinct libpcsclite.so.1 (by realpath): the system's, then those applications carry. */
export async function findClientLibraries(probe: SystemProbe): Promise<{ path: string; bundled: boolean }[]> {
  const found = new Map<string, boolean>();
  const system = await withMultiarch(probe, LIB_DIRS);
  const bundled = await withMultiarch(probe, bundleDirs(probe));
  for (const [dirs, isBundled] of [
    [system, false],
    [bundled, true],
  ] as const) {
    for (const d of dirs) {
      const real = await probe.realPath(`${d}/libpcsclite.so.1`);
      if (real && !found.has(real)) found.set(real, isBundled);
    }
  }
  return [...found].map(([path, b]) => ({ path, bundled: b }));
}

/** The version from a libpcsclite.pc next to a library (installed with the -dev package or make install). */
async function pcVersion(probe: SystemProbe, lib: string): Promise<string | undefined> {
  const dir = lib.slice(0, lib.lastIndexOf('/'));
  const pc = await probe.readFile(`${dir}/pkgconfig/libpcsclite.pc`);
  return pc ? /^Version:\s*(\S+)/m.exec(pc)?.[1] : undefined;
}

/**
 * What the library's own bytes tell (measured on builds of 1.8.8–2.5.1): since 2.1.0
 * libpcsclite.so.1 is a redirector next to libpcsclite_real.so.1; the log text "Using backward
 * compatibility" is in 2.4.1 and later (the retry); command names, when compiled in (CMD_VERSION
 * is there then), show CMD_GET_READER_EVENTS (2.3.0+, 4:5) and CMD_GET_READERS_STATE_SIZE (2.5.0+, 4:6).
 */
export async function libraryMarkers(probe: SystemProbe, lib: string): Promise<{ atLeast?: string; names: boolean }> {
  const dir = lib.slice(0, lib.lastIndexOf('/'));
  const real = await probe.stat(`${dir}/libpcsclite_real.so.1`);
  const floor = real ? { atLeast: '2.1.0' } : {};
  const bytes = await probe.readBytes(real ? `${dir}/libpcsclite_real.so.1` : lib);
  if ('error' in bytes || bytes.length > MAX_LIBRARY_BYTES) return { ...floor, names: false };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const names = text.includes('CMD_VERSION');
  if (text.includes('CMD_GET_READERS_STATE_SIZE')) return { atLeast: '2.5.0', names };
  if (text.includes('Using backward compatibility')) return { atLeast: '2.4.1', names };
  if (text.includes('CMD_GET_READER_EVENTS')) return { atLeast: '2.3.0', names };
  return { ...floor, names };
}

/**
 * The protocol a lower bound implies, when it is exact: "2.5.0" → 4:6; "2.4.1" → 4:5 only when
 * command names are compiled in (else 2.5.x cannot be ruled out); "2.3.0" → 4:5 (2.3.0–2.4.0).
 */
function protocolFromMarkers(atLeast: string, hasNames: boolean): string | undefined {
  if (atLeast === '2.5.0') return '4:6';
  if (atLeast === '2.3.0') return '4:5';
  if (atLeast === '2.4.1' && hasNames) return '4:5';
  return undefined;
}

/** The release (or its lower bound) and protocol of one library. */
export async function describeLibrary(
  probe: SystemProbe,
  lib: { path: string; bundled: boolean },
): Promise<ClientLibrary> {
  const pc = await pcVersion(probe, lib.path);
  if (pc) return { ...lib, version: pc, ...proto(pc), source: 'pkgconfig' };
  if (!lib.bundled && !lib.path.startsWith('/usr/local/')) {
    const pkg = await packageVersion(probe, ['libpcsclite1', 'pcsc-lite-libs', 'pcsclite']);
    if (pkg) {
      const v = upstreamVersion(pkg.version);
      return { ...lib, version: v, ...proto(v), source: 'package', pkg };
    }
  }
  const { atLeast, names } = await libraryMarkers(probe, lib.path);
  if (!atLeast) return { ...lib, source: 'unknown' };
  const protocol = protocolFromMarkers(atLeast, names);
  return { ...lib, atLeast, ...(protocol ? { protocol } : {}), source: 'markers' };
}

function proto(version: string): { protocol?: string } {
  const p = protocolOf(version);
  return p ? { protocol: p } : {};
}

/** A library's release for a client line: its version, or the lower bound when that fixes the line. */
export function releaseForLine(l: ClientLibrary): string | undefined {
  if (l.version) return l.version;
  if (l.atLeast && l.protocol && clientLine(l.atLeast)?.minor === Number(l.protocol.slice(2))) return l.atLeast;
  return undefined;
}

/** "pcsc-lite 1.9.9", "pcsc-lite 2.4.1 or later", "version unknown". */
export function describeRelease(l: ClientLibrary): string {
  if (l.version) return `pcsc-lite ${l.version}`;
  if (l.atLeast) return `pcsc-lite ${l.atLeast} or later`;
  return 'version unknown';
}
