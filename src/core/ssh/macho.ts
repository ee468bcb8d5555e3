// Mach-O reader (<mach-o/loader.h>, <mach-o/fat.h>, <mach-o/nlist.h>): thin and fat images,
// file type, CPU type, LC_SYMTAB exports, LC_LOAD_DYLIB and LC_RPATH. Bounds-checked throughout.

import { BinaryFormatError } from './elf.js';

export const MACHO_CPUS: Record<number, string> = {
  7: 'ia32',
  0x01000007: 'x64',
  12: 'arm',
  0x0100000c: 'arm64',
  18: 'ppc',
  0x01000012: 'ppc64',
};

export interface MachOSlice {
  arch: string;
  cputype: number;
  type: 'executable' | 'dylib' | 'bundle' | 'object' | 'unknown';
  dylibs: string[];
  rpaths: string[];
  /** Wanted names (C spelling, without the leading "_") that are defined external symbols. */
  exported: string[];
}

export interface MachOInfo {
  format: 'mach-o';
  fat: boolean;
  slices: MachOSlice[];
}

const LC_SYMTAB = 0x2;
const LC_LOAD_DYLIB = 0xc;
const LC_LOAD_WEAK_DYLIB = 0x80000018;
const LC_REEXPORT_DYLIB = 0x8000001f;
const LC_RPATH = 0x8000001c;
const MAX_COUNT = 1 << 20;

export function isMachO(buf: Uint8Array): boolean {
  if (buf.length < 4) return false;
  const be = Buffer.from(buf.subarray(0, 4)).readUInt32BE(0);
  return [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe, 0xcafebabf].includes(be);
}

function view(buf: Uint8Array) {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const chk = (o: number, n: number, what: string) => {
    if (!Number.isSafeInteger(o) || o < 0 || o + n > buf.length)
      throw new BinaryFormatError(`${what} lies outside the file (offset ${o})`);
  };
  return {
    u32: (o: number, le: boolean, what: string) => {
      chk(o, 4, what);
      return dv.getUint32(o, le);
    },
    u64: (o: number, le: boolean, what: string) => {
      chk(o, 8, what);
      return Number(dv.getBigUint64(o, le) & BigInt(Number.MAX_SAFE_INTEGER));
    },
    u8: (o: number, what: string) => {
      chk(o, 1, what);
      return dv.getUint8(o);
    },
    cstr: (o: number, end: number, what: string) => {
      chk(o, 0, what);
      const lim = Math.min(end, buf.length);
      let i = o;
      while (i < lim && buf[i] !== 0) i++;
      return Buffer.from(buf.subarray(o, i)).toString('utf8');
    },
  };
}

export function parseMachO(buf: Uint8Array, wanted: readonly string[] = []): MachOInfo {
  if (!isMachO(buf)) throw new BinaryFormatError('not a Mach-O file');
  const v = view(buf);
  const magic = v.u32(0, false, 'magic');
  if (magic === 0xcafebabe || magic === 0xcafebabf) {
    const wide = magic === 0xcafebabf;
    const n = v.u32(4, false, 'fat header');
    // Java class files share 0xCAFEBABE; their "count" is a version number far above any arch count.
    if (n === 0 || n > 32) throw new BinaryFormatError(`fat header claims ${n} architectures (a Java class file?)`);
    const slices: MachOSlice[] = [];
    for (let i = 0; i < n; i++) {
      const o = 8 + i * (wide ? 32 : 20);
      const off = wide ? v.u64(o + 8, false, 'fat arch') : v.u32(o + 8, false, 'fat arch');
      const size = wide ? v.u64(o + 16, false, 'fat arch') : v.u32(o + 12, false, 'fat arch');
      if (off + size > buf.length) throw new BinaryFormatError(`fat slice ${i} lies outside the file`);
      slices.push(parseThin(buf.subarray(off, off + size), wanted));
    }
    return { format: 'mach-o', fat: true, slices };
  }
  return { format: 'mach-o', fat: false, slices: [parseThin(buf, wanted)] };
}

function parseThin(buf: Uint8Array, wanted: readonly string[]): MachOSlice {
  if (!isMachO(buf)) throw new BinaryFormatError('fat slice is not a Mach-O image');
  const v = view(buf);
  const raw = v.u32(0, false, 'magic');
  const le = raw === 0xcefaedfe || raw === 0xcffaedfe;
  const is64 = raw === 0xfeedfacf || raw === 0xcffaedfe;
  const cputype = v.u32(4, le, 'header');
  const filetype = v.u32(12, le, 'header');
  const ncmds = v.u32(16, le, 'header');
  if (ncmds > MAX_COUNT) throw new BinaryFormatError(`implausible load command count ${ncmds}`);
  const type =
    filetype === 6
      ? 'dylib'
      : filetype === 8
        ? 'bundle'
        : filetype === 2
          ? 'executable'
          : filetype === 1
            ? 'object'
            : 'unknown';
  const dylibs: string[] = [];
  const rpaths: string[] = [];
  const exported: string[] = [];
  let o = is64 ? 32 : 28;
  for (let i = 0; i < ncmds; i++) {
    const cmd = v.u32(o, le, `load command ${i}`);
    const size = v.u32(o + 4, le, `load command ${i}`);
    if (size < 8) throw new BinaryFormatError(`load command ${i} has size ${size}`);
    if (cmd === LC_LOAD_DYLIB || cmd === LC_LOAD_WEAK_DYLIB || cmd === LC_REEXPORT_DYLIB || cmd === LC_RPATH) {
      const s = v.cstr(o + v.u32(o + 8, le, 'name offset'), o + size, 'load command string');
      (cmd === LC_RPATH ? rpaths : dylibs).push(s);
    } else if (cmd === LC_SYMTAB && wanted.length > 0) {
      const symoff = v.u32(o + 8, le, 'LC_SYMTAB');
      const nsyms = Math.min(v.u32(o + 12, le, 'LC_SYMTAB'), MAX_COUNT);
      const stroff = v.u32(o + 16, le, 'LC_SYMTAB');
      const strsize = v.u32(o + 20, le, 'LC_SYMTAB');
      const want = new Set(wanted.map((w) => '_' + w));
      const ent = is64 ? 16 : 12;
      for (let k = 0; k < nsyms && exported.length < want.size; k++) {
        const so = symoff + k * ent;
        const strx = v.u32(so, le, 'nlist');
        const ntype = v.u8(so + 4, 'nlist');
        // external (N_EXT), defined in a section (N_SECT), not a debugging entry (N_STAB)
        if ((ntype & 0xe0) !== 0 || (ntype & 0x01) === 0 || (ntype & 0x0e) !== 0x0e || strx >= strsize) continue;
        const name = v.cstr(stroff + strx, stroff + strsize, 'symbol name');
        if (want.has(name)) exported.push(name.slice(1));
      }
    }
    o += size;
  }
  return { arch: MACHO_CPUS[cputype] ?? `cpu-${cputype}`, cputype, type, dylibs, rpaths, exported };
}
