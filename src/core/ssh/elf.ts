// ELF (System V gABI) reader for shared objects: header, program headers, the dynamic section
// (DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME, DT_FLAGS_1) and the dynamic symbol table.
// Every read is bounds-checked: a malformed file is a BinaryFormatError, never a crash.

export class BinaryFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BinaryFormatError';
  }
}

/** e_machine values for the architectures Node runs on (gABI "Machine" table). */
export const ELF_MACHINES: Record<number, string> = {
  2: 'sparc',
  3: 'ia32',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390x',
  40: 'arm',
  43: 'sparcv9',
  62: 'x64',
  183: 'arm64',
  243: 'riscv64',
  258: 'loong64',
};

export type ElfType = 'relocatable' | 'executable' | 'shared' | 'core' | 'unknown';

export interface ElfInfo {
  format: 'elf';
  bits: 32 | 64;
  endian: 'little' | 'big';
  type: ElfType;
  machine: number;
  /** Node's name for the architecture (process.arch), or `machine-N`. */
  arch: string;
  /** A position-independent executable: ET_DYN, but glibc refuses to dlopen() it. */
  pie: boolean;
  soname: string | null;
  needed: string[];
  rpath: string[];
  runpath: string[];
  /** Where the symbols came from: section headers, DT_HASH/DT_GNU_HASH, or none found. */
  symbolSource: 'section' | 'hash' | 'none';
  /** Names asked for that are defined, global or weak, and visible (i.e. exported). */
  exported: string[];
}

const DT = {
  NULL: 0,
  NEEDED: 1,
  HASH: 4,
  STRTAB: 5,
  SYMTAB: 6,
  STRSZ: 10,
  SONAME: 14,
  RPATH: 15,
  RUNPATH: 29,
  GNU_HASH: 0x6ffffef5,
  FLAGS_1: 0x6ffffffb,
} as const;
const DF_1_PIE = 0x08000000;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const SHT_DYNSYM = 11;
const MAX_TABLE = 1 << 20; // entries: far above any real library, low enough to stay bounded

class Reader {
  private readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    private readonly le: boolean,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private check(off: number, n: number, what: string): void {
    if (!Number.isSafeInteger(off) || off < 0 || off + n > this.buf.length) {
      throw new BinaryFormatError(`${what} lies outside the file (offset ${off}, file is ${this.buf.length} bytes)`);
    }
  }
  u8(off: number, what: string): number {
    this.check(off, 1, what);
    return this.view.getUint8(off);
  }
  u16(off: number, what: string): number {
    this.check(off, 2, what);
    return this.view.getUint16(off, this.le);
  }
  u32(off: number, what: string): number {
    this.check(off, 4, what);
    return this.view.getUint32(off, this.le);
  }
  u64(off: number, what: string): number {
    this.check(off, 8, what);
    const v = this.view.getBigUint64(off, this.le);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  /** NUL-terminated string; a missing terminator is malformed. */
  cstr(off: number, end: number, what: string): string {
    this.check(off, 0, what);
    const limit = Math.min(end, this.buf.length);
    let i = off;
    while (i < limit && this.buf[i] !== 0) i++;
    if (i >= limit) throw new BinaryFormatError(`${what}: string at offset ${off} is not terminated`);
    return Buffer.from(this.buf.subarray(off, i)).toString('utf8');
  }
}

interface Segment {
  vaddr: number;
  offset: number;
  filesz: number;
}

export function isElf(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

/** Parses an ELF image; `wanted` are the symbol names whose export is checked. */
export function parseElf(buf: Uint8Array, wanted: readonly string[] = []): ElfInfo {
  if (!isElf(buf)) throw new BinaryFormatError('not an ELF file (no \\x7fELF magic)');
  if (buf.length < 52) throw new BinaryFormatError(`truncated ELF header (${buf.length} bytes)`);
  const cls = buf[4];
  const data = buf[5];
  if (cls !== 1 && cls !== 2) throw new BinaryFormatError(`unknown ELF class ${cls}`);
  if (data !== 1 && data !== 2) throw new BinaryFormatError(`unknown ELF data encoding ${data}`);
  const bits = cls === 2 ? 64 : 32;
  const r = new Reader(buf, data === 1);
  const w = bits === 64;
  const word = (off: number, what: string): number => (w ? r.u64(off, what) : r.u32(off, what));
  const eType = r.u16(16, 'e_type');
  const machine = r.u16(18, 'e_machine');
  const phoff = word(w ? 32 : 28, 'e_phoff');
  const shoff = word(w ? 40 : 32, 'e_shoff');
  const phentsize = r.u16(w ? 54 : 42, 'e_phentsize');
  const phnum = r.u16(w ? 56 : 44, 'e_phnum');
  const shentsize = r.u16(w ? 58 : 46, 'e_shentsize');
  const shnum = r.u16(w ? 60 : 48, 'e_shnum');
  const type: ElfType =
    eType === 1
      ? 'relocatable'
      : eType === 2
        ? 'executable'
        : eType === 3
          ? 'shared'
          : eType === 4
            ? 'core'
            : 'unknown';

  const segments: Segment[] = [];
  let dynamic: { offset: number; size: number } | null = null;
  if (phnum > 0 && phentsize < (w ? 56 : 32))
    throw new BinaryFormatError(`program header entries too small (${phentsize} bytes)`);
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const pType = r.u32(o, `program header ${i}`);
    const offset = word(o + (w ? 8 : 4), `program header ${i}`);
    const vaddr = word(o + (w ? 16 : 8), `program header ${i}`);
    const filesz = word(o + (w ? 32 : 16), `program header ${i}`);
    if (pType === PT_LOAD) segments.push({ vaddr, offset, filesz });
    if (pType === PT_DYNAMIC) dynamic = { offset, size: filesz };
  }
  const toOffset = (vaddr: number, what: string): number => {
    const s = segments.find((g) => vaddr >= g.vaddr && vaddr < g.vaddr + g.filesz);
    if (!s) throw new BinaryFormatError(`${what} address 0x${vaddr.toString(16)} is in no loaded segment`);
    return s.offset + (vaddr - s.vaddr);
  };

  const tags: { tag: number; val: number }[] = [];
  if (dynamic) {
    const ent = w ? 16 : 8;
    const count = Math.min(Math.floor(dynamic.size / ent), MAX_TABLE);
    for (let i = 0; i < count; i++) {
      const o = dynamic.offset + i * ent;
      const tag = word(o, 'dynamic entry');
      if (tag === DT.NULL) break;
      tags.push({ tag, val: word(o + (w ? 8 : 4), 'dynamic entry') });
    }
  }
  const one = (t: number): number | undefined => tags.find((x) => x.tag === t)?.val;
  const strtabAddr = one(DT.STRTAB);
  const strsz = one(DT.STRSZ) ?? 0;
  const strtab = strtabAddr !== undefined ? toOffset(strtabAddr, 'DT_STRTAB') : -1;
  const dynStr = (off: number, what: string): string => {
    if (strtab < 0) throw new BinaryFormatError(`${what} without a DT_STRTAB`);
    if (off >= strsz) throw new BinaryFormatError(`${what}: string offset ${off} beyond DT_STRSZ ${strsz}`);
    return r.cstr(strtab + off, strtab + strsz, what);
  };
  const needed = tags.filter((t) => t.tag === DT.NEEDED).map((t) => dynStr(t.val, 'DT_NEEDED'));
  const rpath = tags.filter((t) => t.tag === DT.RPATH).flatMap((t) => dynStr(t.val, 'DT_RPATH').split(':'));
  const runpath = tags.filter((t) => t.tag === DT.RUNPATH).flatMap((t) => dynStr(t.val, 'DT_RUNPATH').split(':'));
  const sonameOff = one(DT.SONAME);
  const soname = sonameOff !== undefined ? dynStr(sonameOff, 'DT_SONAME') : null;
  const pie = ((one(DT.FLAGS_1) ?? 0) & DF_1_PIE) !== 0;

  const syms =
    findDynsym(r, w, shoff, shentsize, shnum, buf.length) ?? symtabFromHash(r, w, one, toOffset, strtab, strsz);
  const exported: string[] = [];
  if (syms && wanted.length > 0) {
    const want = new Set(wanted);
    const ent = w ? 24 : 16;
    for (let i = 1; i < syms.count && exported.length < want.size; i++) {
      const o = syms.offset + i * ent;
      const nameOff = r.u32(o, 'symbol');
      const info = r.u8(o + (w ? 4 : 12), 'symbol');
      const other = r.u8(o + (w ? 5 : 13), 'symbol');
      const shndx = r.u16(o + (w ? 6 : 14), 'symbol');
      const bind = info >> 4;
      const vis = other & 3;
      if (shndx === 0 || (bind !== 1 && bind !== 2 && bind !== 10) || (vis !== 0 && vis !== 3)) continue;
      if (nameOff >= syms.strsz) continue;
      const name = r.cstr(syms.stroff + nameOff, syms.stroff + syms.strsz, 'symbol name');
      if (want.has(name) && !exported.includes(name)) exported.push(name);
    }
  }
  return {
    format: 'elf',
    bits,
    endian: data === 1 ? 'little' : 'big',
    type,
    machine,
    arch: ELF_MACHINES[machine] ?? `machine-${machine}`,
    pie,
    soname,
    needed,
    rpath,
    runpath,
    symbolSource: syms ? syms.source : 'none',
    exported,
  };
}

interface SymTab {
  offset: number;
  count: number;
  stroff: number;
  strsz: number;
  source: 'section' | 'hash';
}

function findDynsym(
  r: Reader,
  w: boolean,
  shoff: number,
  shentsize: number,
  shnum: number,
  size: number,
): SymTab | null {
  if (shoff === 0 || shnum === 0) return null;
  if (shentsize < (w ? 64 : 40)) throw new BinaryFormatError(`section header entries too small (${shentsize} bytes)`);
  if (shoff + shnum * shentsize > size) throw new BinaryFormatError('section headers lie outside the file');
  const sec = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      type: r.u32(o + 4, 'section header'),
      offset: w ? r.u64(o + 24, 'section header') : r.u32(o + 16, 'section header'),
      size: w ? r.u64(o + 32, 'section header') : r.u32(o + 20, 'section header'),
      link: r.u32(o + (w ? 40 : 24), 'section header'),
    };
  };
  for (let i = 0; i < shnum; i++) {
    const s = sec(i);
    if (s.type !== SHT_DYNSYM) continue;
    if (s.link >= shnum) throw new BinaryFormatError(`.dynsym links to section ${s.link} of ${shnum}`);
    const str = sec(s.link);
    const ent = w ? 24 : 16;
    if (s.offset + s.size > size || str.offset + str.size > size)
      throw new BinaryFormatError('.dynsym or .dynstr lies outside the file');
    return {
      offset: s.offset,
      count: Math.min(Math.floor(s.size / ent), MAX_TABLE),
      stroff: str.offset,
      strsz: str.size,
      source: 'section',
    };
  }
  return null;
}

/** Stripped section headers: count symbols from DT_HASH's nchain, or walk DT_GNU_HASH's chains. */
function symtabFromHash(
  r: Reader,
  w: boolean,
  one: (t: number) => number | undefined,
  toOffset: (v: number, what: string) => number,
  strtab: number,
  strsz: number,
): SymTab | null {
  const symAddr = one(DT.SYMTAB);
  if (symAddr === undefined || strtab < 0) return null;
  const offset = toOffset(symAddr, 'DT_SYMTAB');
  const hash = one(DT.HASH);
  let count: number | null = null;
  if (hash !== undefined) count = r.u32(toOffset(hash, 'DT_HASH') + 4, 'DT_HASH nchain');
  const gnu = one(DT.GNU_HASH);
  if (count === null && gnu !== undefined) {
    const g = toOffset(gnu, 'DT_GNU_HASH');
    const nbuckets = r.u32(g, 'DT_GNU_HASH');
    const symoffset = r.u32(g + 4, 'DT_GNU_HASH');
    const bloomSize = r.u32(g + 8, 'DT_GNU_HASH');
    if (nbuckets > MAX_TABLE || bloomSize > MAX_TABLE) throw new BinaryFormatError('DT_GNU_HASH sizes are implausible');
    const buckets = g + 16 + bloomSize * (w ? 8 : 4);
    let last = 0;
    for (let i = 0; i < nbuckets; i++) last = Math.max(last, r.u32(buckets + i * 4, 'DT_GNU_HASH bucket'));
    if (last < symoffset) count = symoffset;
    else {
      const chains = buckets + nbuckets * 4;
      let n = last;
      while (n - symoffset < MAX_TABLE && (r.u32(chains + (n - symoffset) * 4, 'DT_GNU_HASH chain') & 1) === 0) n++;
      count = n + 1;
    }
  }
  if (count === null) return null;
  return { offset, count: Math.min(count, MAX_TABLE), stroff: strtab, strsz, source: 'hash' };
}
