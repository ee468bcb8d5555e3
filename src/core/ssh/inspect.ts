// Inspects a PKCS#11 provider file without loading it: what ssh-pkcs11-helper's pre-check
// (a regular file containing the string "C_GetFunctionList") and dlopen(RTLD_NOW) would decide.

import { BinaryFormatError, isElf, parseElf, type ElfInfo } from './elf.js';
import { isMachO, parseMachO, type MachOInfo } from './macho.js';

export const ENTRY_POINT = 'C_GetFunctionList';
/** ssh-pkcs11-helper refuses files of INT_MAX/2 bytes or more before it looks inside. */
export const HELPER_MAX_SIZE = 0x3fffffff;

export interface ProviderFs {
  stat(p: string): Promise<{ isFile: boolean; isDirectory: boolean; size: number } | null>;
  /** The whole file, or the errno that stopped the read. */
  readBinary(p: string): Promise<Uint8Array | { error: string }>;
}

export type ProviderVerdict =
  | 'ok'
  | 'missing'
  | 'not-regular'
  | 'unreadable'
  | 'too-large'
  | 'no-symbol-string'
  | 'not-a-library'
  | 'malformed'
  | 'wrong-arch'
  | 'executable'
  | 'no-entry-point';

export interface ProviderInspection {
  path: string;
  exists: boolean;
  regular: boolean | null;
  readable: boolean | null;
  size: number | null;
  format: 'elf' | 'mach-o' | 'text' | 'unknown' | null;
  /** The file's architecture(s) and this machine's. */
  arch: string[];
  hostArch: string;
  archMatches: boolean | null;
  /** 'shared' for a loadable library; 'pie' for a position-independent executable. */
  objectType: string | null;
  exportsEntryPoint: boolean | null;
  /** ssh-pkcs11-helper's own pre-check (OpenSSH 9.4+, Debian 9.2p1 backport): the bytes contain the name. */
  containsEntryPointString: boolean | null;
  needed: string[];
  rpath: string[];
  runpath: string[];
  verdict: ProviderVerdict;
  /** One sentence per problem found, most decisive first. */
  problems: string[];
  /** The parsed ELF, for the dependency walk (not serialised). */
  elf?: ElfInfo;
}

function describeOther(buf: Uint8Array): 'text' | 'unknown' {
  const head = buf.subarray(0, 512);
  return head.length > 0 && head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128)
    ? 'text'
    : 'unknown';
}

export async function inspectProvider(
  fs: ProviderFs,
  path: string,
  hostArch: string = process.arch,
): Promise<ProviderInspection> {
  const r: ProviderInspection = {
    path,
    exists: false,
    regular: null,
    readable: null,
    size: null,
    format: null,
    arch: [],
    hostArch,
    archMatches: null,
    objectType: null,
    exportsEntryPoint: null,
    containsEntryPointString: null,
    needed: [],
    rpath: [],
    runpath: [],
    verdict: 'ok',
    problems: [],
  };
  const bad = (verdict: ProviderVerdict, problem: string): ProviderInspection => {
    if (r.verdict === 'ok') r.verdict = verdict;
    r.problems.push(problem);
    return r;
  };
  const st = await fs.stat(path);
  if (!st) return bad('missing', `${path} does not exist`);
  r.exists = true;
  r.regular = st.isFile;
  r.size = st.size;
  if (!st.isFile)
    return bad(
      'not-regular',
      `${path} is ${st.isDirectory ? 'a directory' : 'not a regular file'}; ssh-pkcs11-helper only loads regular files`,
    );
  if (st.size >= HELPER_MAX_SIZE)
    return bad('too-large', `${path} is ${st.size} bytes; ssh-pkcs11-helper refuses files of 1 GiB or more`);
  const buf = await fs.readBinary(path);
  if (!(buf instanceof Uint8Array)) {
    r.readable = false;
    return bad('unreadable', `${path} cannot be read (${buf.error})`);
  }
  r.readable = true;
  r.containsEntryPointString = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).includes(ENTRY_POINT);
  try {
    if (isElf(buf)) inspectElf(r, parseElf(buf, [ENTRY_POINT]), bad);
    else if (isMachO(buf)) inspectMachO(r, parseMachO(buf, [ENTRY_POINT]), bad);
    else {
      r.format = describeOther(buf);
      bad(
        'not-a-library',
        `${path} is not a shared library (${r.format === 'text' ? 'a text file' : 'neither ELF nor Mach-O'})`,
      );
    }
  } catch (e) {
    if (!(e instanceof BinaryFormatError)) throw e;
    bad('malformed', `${path} is a damaged ${r.format === 'mach-o' ? 'Mach-O' : 'ELF'} file: ${e.message}`);
  }
  if (!r.containsEntryPointString) {
    // Checked last but decisive first: the helper refuses before dlopen() is ever tried.
    r.problems.unshift(
      `${path} does not contain the string "${ENTRY_POINT}", so ssh-pkcs11-helper refuses it as "not a PKCS11 library"`,
    );
    r.verdict = 'no-symbol-string';
  }
  return r;
}

type Bad = (v: ProviderVerdict, p: string) => ProviderInspection;

function inspectElf(r: ProviderInspection, elf: ElfInfo, bad: Bad): void {
  r.format = 'elf';
  r.elf = elf;
  r.arch = [elf.arch];
  r.archMatches = elf.arch === r.hostArch;
  r.objectType = elf.type === 'shared' && elf.pie ? 'pie' : elf.type;
  r.needed = elf.needed;
  r.rpath = elf.rpath;
  r.runpath = elf.runpath;
  r.exportsEntryPoint = elf.exported.includes(ENTRY_POINT);
  if (!r.archMatches)
    bad('wrong-arch', `${r.path} is built for ${elf.bits}-bit ${elf.arch}, this machine is ${r.hostArch}`);
  if (elf.type !== 'shared') bad('not-a-library', `${r.path} is an ELF ${elf.type} file, not a shared library`);
  else if (elf.pie) bad('executable', `${r.path} is a position-independent executable; glibc refuses to dlopen() it`);
  if (!r.exportsEntryPoint) {
    const how = elf.symbolSource === 'none' ? 'has no dynamic symbol table' : `does not export ${ENTRY_POINT}`;
    bad('no-entry-point', `${r.path} ${how}, the function every PKCS#11 module provides`);
  }
}

function inspectMachO(r: ProviderInspection, m: MachOInfo, bad: Bad): void {
  r.format = 'mach-o';
  r.arch = m.slices.map((s) => s.arch);
  const slice = m.slices.find((s) => s.arch === r.hostArch);
  r.archMatches = slice !== undefined;
  if (!slice) {
    bad('wrong-arch', `${r.path} contains ${r.arch.join(', ')}, this machine is ${r.hostArch}`);
    return;
  }
  r.objectType = slice.type;
  r.needed = slice.dylibs;
  r.rpath = slice.rpaths;
  r.exportsEntryPoint = slice.exported.includes(ENTRY_POINT);
  if (slice.type !== 'dylib' && slice.type !== 'bundle')
    bad('not-a-library', `${r.path} is a Mach-O ${slice.type}, not a dylib or bundle`);
  if (!r.exportsEntryPoint)
    bad('no-entry-point', `${r.path} does not export ${ENTRY_POINT}, the function every PKCS#11 module provides`);
}
