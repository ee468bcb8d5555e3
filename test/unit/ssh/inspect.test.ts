// Provider inspection without loading: real PKCS#11 modules, libraries built here, and malformed files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectProvider, type ProviderFs } from '../../../src/core/ssh/inspect.js';
import { BinaryFormatError, parseElf } from '../../../src/core/ssh/elf.js';
import { parseMachO } from '../../../src/core/ssh/macho.js';

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
const OPENSC = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';

const nodeFs: ProviderFs = {
  async stat(p) {
    try {
      const s = statSync(p);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size };
    } catch {
      return null;
    }
  },
  async readBinary(p) {
    try {
      return readFileSync(p);
    } catch (e) {
      return { error: (e as NodeJS.ErrnoException).code ?? 'EIO' };
    }
  },
};

let T = '';
const lib = (name: string) => join(T, name);

function requireTool(path: string, pkg: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: install ${pkg} (apt-get install ${pkg})`);
}

beforeAll(() => {
  requireTool(SOFTHSM, 'softhsm2');
  requireTool(OPENSC, 'opensc-pkcs11');
  requireTool('/usr/bin/gcc', 'gcc');
  T = mkdtempSync(join(tmpdir(), 'pcsc-inspect-'));
  writeFileSync(lib('good.c'), 'int C_GetFunctionList(void **p) { *p = 0; return 0; }\n');
  writeFileSync(lib('none.c'), 'int other(void) { return 1; }\nconst char *s = "C_GetFunctionList";\n');
  writeFileSync(
    lib('hidden.c'),
    '__attribute__((visibility("hidden"))) int C_GetFunctionList(void **p) { return 0; }\nint x(void){return C_GetFunctionList(0);}\n',
  );
  writeFileSync(lib('main.c'), 'int C_GetFunctionList(void **p) { return 0; }\nint main(void) { return 0; }\n');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', lib('good.so'), lib('good.c')]);
  execFileSync('gcc', ['-shared', '-fPIC', '-o', lib('none.so'), lib('none.c')]);
  execFileSync('gcc', ['-shared', '-fPIC', '-o', lib('hidden.so'), lib('hidden.c')]);
  execFileSync('gcc', ['-fPIE', '-pie', '-rdynamic', '-o', lib('pie'), lib('main.c')]);
  execFileSync('gcc', ['-c', '-fPIC', '-o', lib('good.o'), lib('good.c')]);
  writeFileSync(lib('text.so'), '#!/bin/sh\necho C_GetFunctionList\n');
  writeFileSync(lib('empty.so'), '');
  mkdirSync(lib('dir.so'));
});
afterAll(() => {
  if (T) rmSync(T, { recursive: true, force: true });
});

describe('real and built libraries', () => {
  it.each([
    [SOFTHSM, 'ok'],
    [OPENSC, 'ok'],
    ['good.so', 'ok'],
    ['none.so', 'no-entry-point'],
    ['hidden.so', 'no-entry-point'],
    ['pie', 'executable'],
    ['good.o', 'not-a-library'],
    ['text.so', 'not-a-library'],
    ['empty.so', 'no-symbol-string'],
    ['dir.so', 'not-regular'],
    ['missing.so', 'missing'],
    ['/bin/sh', 'no-symbol-string'],
  ])('%s → %s', async (name, verdict) => {
    const r = await inspectProvider(nodeFs, name.startsWith('/') ? name : lib(name));
    expect(r.verdict).toBe(verdict);
    expect(r.problems.length === 0).toBe(verdict === 'ok');
  });

  it('reads what the loader needs from a real module', async () => {
    const r = await inspectProvider(nodeFs, OPENSC);
    expect(r).toMatchObject({
      format: 'elf',
      arch: ['x64'],
      archMatches: true,
      objectType: 'shared',
      exportsEntryPoint: true,
      containsEntryPointString: true,
    });
    expect(r.needed).toContain('libc.so.6');
  });

  it('finds the export through DT_GNU_HASH when section headers are stripped', () => {
    const b = Buffer.from(readFileSync(SOFTHSM));
    b.writeBigUInt64LE(0n, 40); // e_shoff
    b.writeUInt16LE(0, 60); // e_shnum
    const e = parseElf(b, ['C_GetFunctionList']);
    expect(e.symbolSource).toBe('hash');
    expect(e.exported).toEqual(['C_GetFunctionList']);
  });

  it("says when the architecture is not this machine's", async () => {
    const b = Buffer.from(readFileSync(lib('good.so')));
    b.writeUInt16LE(183, 18); // e_machine = AArch64
    writeFileSync(lib('arm64.so'), b);
    const r = await inspectProvider(nodeFs, lib('arm64.so'), 'x64');
    expect(r).toMatchObject({ verdict: 'wrong-arch', arch: ['arm64'], archMatches: false });
  });
});

describe('malformed files give a verdict, never a crash', () => {
  it('every truncation of a real library', async () => {
    const full = readFileSync(lib('good.so'));
    const fs: ProviderFs = {
      stat: async () => ({ isFile: true, isDirectory: false, size: 1 }),
      readBinary: async () => cut,
    };
    let cut = full.subarray(0, 0);
    const verdicts = new Set<string>();
    for (let n = 0; n <= full.length; n += n < 256 ? 1 : 97) {
      cut = full.subarray(0, n);
      const r = await inspectProvider(fs, 'x.so');
      verdicts.add(r.verdict);
      expect((r.verdict === 'ok') === (r.problems.length === 0)).toBe(true);
    }
    expect(verdicts.has('malformed')).toBe(true);
  });

  it('random corruption of header, program and section tables', async () => {
    const full = readFileSync(lib('good.so'));
    const e = parseElf(full);
    expect(e.type).toBe('shared');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: full.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (edits, headerOnly) => {
          const b = Buffer.from(full);
          for (const [pos, val] of edits) b[headerOnly ? pos % 64 : pos] = val;
          const fs: ProviderFs = {
            stat: async () => ({ isFile: true, isDirectory: false, size: b.length }),
            readBinary: async () => b,
          };
          const r = await inspectProvider(fs, 'x.so');
          return typeof r.verdict === 'string' && (r.verdict === 'ok') === (r.problems.length === 0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it.each([
    ['ELF magic only', Buffer.from('\x7fELF', 'latin1')],
    ['bad class', Buffer.concat([Buffer.from('\x7fELF\x05\x01', 'latin1'), Buffer.alloc(60)])],
    [
      'header pointing past the end',
      (() => {
        const b = Buffer.alloc(64);
        b.write('\x7fELF\x02\x01\x01', 'latin1');
        b.writeUInt16LE(3, 16);
        b.writeUInt16LE(62, 18);
        b.writeBigUInt64LE(1n << 40n, 32);
        b.writeUInt16LE(56, 54);
        b.writeUInt16LE(3, 56);
        return b;
      })(),
    ],
    ['Java class file', Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x41, 0, 0])],
    ['Mach-O magic only', Buffer.from([0xcf, 0xfa, 0xed, 0xfe])],
  ])('%s', async (_name, b) => {
    const fs: ProviderFs = {
      stat: async () => ({ isFile: true, isDirectory: false, size: b.length }),
      readBinary: async () => b,
    };
    const r = await inspectProvider(fs, 'x.so');
    expect(['malformed', 'no-symbol-string', 'not-a-library']).toContain(r.verdict);
    expect(r.problems.join(' ')).toMatch(/damaged|does not contain|not a shared library/);
  });

  it('an unreadable file is reported with its errno', async () => {
    const fs: ProviderFs = {
      stat: async () => ({ isFile: true, isDirectory: false, size: 10 }),
      readBinary: async () => ({ error: 'EACCES' }),
    };
    expect(await inspectProvider(fs, 'x.so')).toMatchObject({ verdict: 'unreadable', readable: false });
  });

  it('never throws anything but BinaryFormatError from the parsers on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.constantFrom('elf', 'macho'), (tail, kind) => {
        const head =
          kind === 'elf' ? Buffer.from('\x7fELF\x02\x01\x01', 'latin1') : Buffer.from([0xcf, 0xfa, 0xed, 0xfe]);
        const b = Buffer.concat([head, Buffer.from(tail)]);
        try {
          if (kind === 'elf') parseElf(b, ['C_GetFunctionList']);
          else parseMachO(b, ['C_GetFunctionList']);
        } catch (e) {
          if (!(e instanceof BinaryFormatError)) throw e;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

// A minimal 64-bit little-endian Mach-O dylib, built from <mach-o/loader.h> field layouts.
function machO(opts: { cputype: number; filetype: number; symbol: string; dylib: string }): Buffer {
  const name = Buffer.from(opts.dylib + '\0');
  const dylibCmd = Buffer.alloc(24 + Math.ceil(name.length / 8) * 8);
  dylibCmd.writeUInt32LE(0xc, 0);
  dylibCmd.writeUInt32LE(dylibCmd.length, 4);
  dylibCmd.writeUInt32LE(24, 8);
  name.copy(dylibCmd, 24);
  const symtab = Buffer.alloc(24);
  const header = Buffer.alloc(32);
  const strings = Buffer.from(`\0${opts.symbol}\0`);
  const symoff = header.length + dylibCmd.length + symtab.length;
  const nlist = Buffer.alloc(16);
  nlist.writeUInt32LE(1, 0);
  nlist[4] = 0x0f;
  nlist[5] = 1;
  symtab.writeUInt32LE(0x2, 0);
  symtab.writeUInt32LE(24, 4);
  symtab.writeUInt32LE(symoff, 8);
  symtab.writeUInt32LE(1, 12);
  symtab.writeUInt32LE(symoff + 16, 16);
  symtab.writeUInt32LE(strings.length, 20);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeUInt32LE(opts.cputype, 4);
  header.writeUInt32LE(opts.filetype, 12);
  header.writeUInt32LE(2, 16);
  header.writeUInt32LE(dylibCmd.length + symtab.length, 20);
  return Buffer.concat([header, dylibCmd, symtab, nlist, strings]);
}

describe('Mach-O', () => {
  it('reads a thin arm64 dylib and a fat one', async () => {
    const arm = machO({
      cputype: 0x0100000c,
      filetype: 6,
      symbol: '_C_GetFunctionList',
      dylib: '@rpath/libpcsclite.1.dylib',
    });
    const fs = (b: Buffer): ProviderFs => ({
      stat: async () => ({ isFile: true, isDirectory: false, size: b.length }),
      readBinary: async () => b,
    });
    const r = await inspectProvider(fs(arm), 'p.dylib', 'arm64');
    expect(r).toMatchObject({
      verdict: 'ok',
      format: 'mach-o',
      arch: ['arm64'],
      exportsEntryPoint: true,
      needed: ['@rpath/libpcsclite.1.dylib'],
    });
    expect((await inspectProvider(fs(arm), 'p.dylib', 'x64')).verdict).toBe('wrong-arch');
    const x64 = machO({ cputype: 0x01000007, filetype: 6, symbol: '_other', dylib: '/usr/lib/libSystem.B.dylib' });
    const fat = Buffer.alloc(8 + 40 + 16 + arm.length + x64.length);
    fat.writeUInt32BE(0xcafebabe, 0);
    fat.writeUInt32BE(2, 4);
    const offA = 64;
    const offX = 64 + arm.length;
    fat.writeUInt32BE(0x0100000c, 8);
    fat.writeUInt32BE(offA, 16);
    fat.writeUInt32BE(arm.length, 20);
    fat.writeUInt32BE(0x01000007, 28);
    fat.writeUInt32BE(offX, 36);
    fat.writeUInt32BE(x64.length, 40);
    arm.copy(fat, offA);
    x64.copy(fat, offX);
    expect((await inspectProvider(fs(fat), 'f.dylib', 'arm64')).verdict).toBe('ok');
    expect((await inspectProvider(fs(fat), 'f.dylib', 'x64')).verdict).toBe('no-entry-point');
  });
});
