// The glibc dynamic loader's library search (ld.so(8) "Search order"), worked out by reading files:
// DT_RPATH of the loading chain, LD_LIBRARY_PATH, DT_RUNPATH, /etc/ld.so.conf (with includes),
// the default directories; $ORIGIN/$LIB/$PLATFORM expanded; wrong-architecture files skipped.

import { BinaryFormatError, isElf, parseElf, type ElfInfo } from './elf.js';
import { matchPattern } from './match.js';

/** What the search needs from the file system (tests use fixture trees). */
export interface LoaderFs {
  /** Whole file, or null when it is missing or unreadable. */
  readBinary(p: string): Promise<Uint8Array | null>;
  readText(p: string): Promise<string | null>;
  readDir(p: string): Promise<string[] | null>;
}

export type FoundVia = 'loaded' | 'path' | 'rpath' | 'LD_LIBRARY_PATH' | 'runpath' | 'ld.so.conf' | 'default';

export interface DependencyEntry {
  name: string;
  neededBy: string;
  /** The file the loader would map, or null when the search finds none. */
  path: string | null;
  via: FoundVia | null;
  /** Files that exist under the name but the loader passes over (other architecture, not ELF). */
  skipped: { path: string; reason: string }[];
}

export interface DependencyReport {
  entries: DependencyEntry[];
  missing: DependencyEntry[];
  ldLibraryPath: string[];
  confDirs: string[];
  defaultDirs: string[];
  /** The walk stopped at its object limit (a result, not a guarantee, past it). */
  truncated: boolean;
}

const MULTIARCH: Record<string, string> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  ia32: 'i386-linux-gnu',
  arm: 'arm-linux-gnueabihf',
  riscv64: 'riscv64-linux-gnu',
  ppc64: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  loong64: 'loongarch64-linux-gnu',
};
const PLATFORM: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  ia32: 'i686',
  riscv64: 'riscv64',
  s390x: 's390x',
};

/** Debian-style multiarch directories first, then the lib64 and lib directories glibc builds in. */
export function defaultLibraryDirs(arch: string, bits: 32 | 64): string[] {
  const tuple = MULTIARCH[arch];
  const multi = tuple ? [`/lib/${tuple}`, `/usr/lib/${tuple}`] : [];
  return [...multi, ...(bits === 64 ? ['/lib64', '/usr/lib64'] : []), '/lib', '/usr/lib'];
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function expandTokens(dir: string, origin: string, arch: string, bits: 32 | 64): string {
  const lib = MULTIARCH[arch] ? `lib/${MULTIARCH[arch]}` : bits === 64 ? 'lib64' : 'lib';
  return dir
    .replace(/\$(\{ORIGIN\}|ORIGIN)/g, origin)
    .replace(/\$(\{LIB\}|LIB)/g, lib)
    .replace(/\$(\{PLATFORM\}|PLATFORM)/g, PLATFORM[arch] ?? arch);
}

/** Directories named by /etc/ld.so.conf, following `include` globs (relative ones from the file's directory). */
export async function readLdSoConf(
  fs: LoaderFs,
  file = '/etc/ld.so.conf',
  depth = 0,
  seen = new Set<string>(),
): Promise<string[]> {
  if (depth > 8 || seen.has(file)) return [];
  seen.add(file);
  const text = await fs.readText(file);
  if (text === null) return [];
  const dirs: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const inc = /^include\s+(.*)$/.exec(line);
    if (inc) {
      for (let pattern of (inc[1] ?? '').split(/\s+/).filter(Boolean)) {
        if (!pattern.startsWith('/')) pattern = `${dirname(file)}/${pattern}`;
        for (const f of await globFiles(fs, pattern)) dirs.push(...(await readLdSoConf(fs, f, depth + 1, seen)));
      }
      continue;
    }
    if (/^hwcap\s/.test(line)) continue;
    for (const d of line.split(/[\s,]+/))
      if (d.startsWith('/')) dirs.push(d.replace(/=.*$/, '').replace(/\/+$/, '') || '/');
  }
  return dirs;
}

/** A glob whose wildcards ("*", "?") stay inside one path component, results sorted as glob(3) does. */
async function globFiles(fs: LoaderFs, pattern: string): Promise<string[]> {
  let current = ['/'];
  for (const part of pattern.split('/').filter(Boolean)) {
    const next: string[] = [];
    for (const dir of current) {
      const base = dir === '/' ? '' : dir;
      if (!/[*?]/.test(part)) {
        next.push(`${base}/${part}`);
        continue;
      }
      const names = (await fs.readDir(dir)) ?? [];
      for (const n of names.sort()) if (!n.startsWith('.') && matchPattern(n, part)) next.push(`${base}/${n}`);
    }
    current = next;
  }
  return current;
}

interface LoadedObject {
  path: string;
  info: ElfInfo;
  loader: LoadedObject | null;
}

export interface DependencyOptions {
  /** The agent's LD_LIBRARY_PATH (from its environment when known). */
  ldLibraryPath?: string;
  /** Upper bound on objects examined. */
  maxObjects?: number;
}

/** Walks the provider's DT_NEEDED tree breadth-first as dlopen(RTLD_NOW) would load it. */
export async function resolveDependencies(
  fs: LoaderFs,
  providerPath: string,
  provider: ElfInfo,
  opts: DependencyOptions = {},
): Promise<DependencyReport> {
  const { arch, bits } = provider;
  const ldLibraryPath = (opts.ldLibraryPath ?? '').split(/[:;]/).filter((d) => d !== '');
  const confDirs = await readLdSoConf(fs);
  const defaultDirs = defaultLibraryDirs(arch, bits);
  const maxObjects = opts.maxObjects ?? 200;
  const entries: DependencyEntry[] = [];
  const bySoname = new Map<string, string>();
  const queue: LoadedObject[] = [{ path: providerPath, info: provider, loader: null }];
  const done = new Set<string>([providerPath]);
  let truncated = false;

  const probeFile = async (p: string): Promise<{ info: ElfInfo } | { reason: string } | null> => {
    const buf = await fs.readBinary(p);
    if (buf === null) return null;
    if (!isElf(buf)) return { reason: 'not an ELF file' };
    try {
      const info = parseElf(buf);
      if (info.bits !== bits || info.machine !== provider.machine)
        return { reason: `${info.bits}-bit ${info.arch}, not ${bits}-bit ${arch}` };
      return { info };
    } catch (e) {
      return { reason: e instanceof BinaryFormatError ? `malformed: ${e.message}` : String(e) };
    }
  };

  while (queue.length > 0) {
    const obj = queue.shift() as LoadedObject;
    const origin = dirname(obj.path);
    for (const name of obj.info.needed) {
      const entry: DependencyEntry = { name, neededBy: obj.path, path: null, via: null, skipped: [] };
      entries.push(entry);
      const known = bySoname.get(name);
      if (known) {
        entry.path = known;
        entry.via = 'loaded';
        continue;
      }
      const candidates: [string, FoundVia][] = [];
      if (name.includes('/')) {
        candidates.push([name.startsWith('/') ? name : `${origin}/${name}`, 'path']);
      } else {
        const expand = (dirs: string[], o: LoadedObject, via: FoundVia) =>
          dirs
            .filter((d) => d !== '')
            .forEach((d) => candidates.push([`${expandTokens(d, dirname(o.path), arch, bits)}/${name}`, via]));
        if (obj.info.runpath.length === 0) {
          for (let o: LoadedObject | null = obj; o; o = o.loader)
            if (o.info.runpath.length === 0) expand(o.info.rpath, o, 'rpath');
        }
        ldLibraryPath.forEach((d) => candidates.push([`${d}/${name}`, 'LD_LIBRARY_PATH']));
        expand(obj.info.runpath, obj, 'runpath');
        confDirs.forEach((d) => candidates.push([`${d}/${name}`, 'ld.so.conf']));
        defaultDirs.forEach((d) => candidates.push([`${d}/${name}`, 'default']));
      }
      const tried = new Set<string>();
      for (const [p, via] of candidates) {
        const norm = p.replace(/\/{2,}/g, '/');
        if (tried.has(norm)) continue;
        tried.add(norm);
        const r = await probeFile(norm);
        if (r === null) continue;
        if ('reason' in r) {
          entry.skipped.push({ path: norm, reason: r.reason });
          continue;
        }
        entry.path = norm;
        entry.via = via;
        bySoname.set(name, norm);
        if (r.info.soname) bySoname.set(r.info.soname, norm);
        if (!done.has(norm)) {
          done.add(norm);
          if (done.size > maxObjects) truncated = true;
          else queue.push({ path: norm, info: r.info, loader: obj });
        }
        break;
      }
    }
  }
  return { entries, missing: entries.filter((e) => e.path === null), ldLibraryPath, confDirs, defaultDirs, truncated };
}
