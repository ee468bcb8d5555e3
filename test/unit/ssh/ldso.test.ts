// The loader-search walk: real modules against ldd's own answer, and libraries built here with
// RPATH / RUNPATH / $ORIGIN, missing and wrong-architecture dependencies, and ld.so.conf includes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  copyFileSync,
  realpathSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf } from '../../../src/core/ssh/elf.js';
import { readLdSoConf, resolveDependencies, type LoaderFs } from '../../../src/core/ssh/ldso.js';

const OPENSC = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';

function fsUnder(root: string): LoaderFs {
  const at = (p: string) => (root === '/' ? p : join(root, p));
  return {
    async readBinary(p) {
      try {
        return readFileSync(at(p));
      } catch {
        return null;
      }
    },
    async readText(p) {
      try {
        return readFileSync(at(p), 'utf8');
      } catch {
        return null;
      }
    },
    async readDir(p) {
      try {
        return readdirSync(at(p));
      } catch {
        return null;
      }
    },
  };
}

/** ldd's answer (test oracle only: the product never runs the loader). */
function ldd(path: string): Map<string, string> {
  const out = execFileSync('ldd', [path], { encoding: 'utf8' });
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const hit = /^\s*(\S+) => (\S+) \(/.exec(line);
    if (hit) m.set(hit[1] as string, realpathSync(hit[2] as string));
  }
  return m;
}

describe('real modules', () => {
  it.each([OPENSC, SOFTHSM])('%s: every library ldd finds, we find at the same file', async (mod) => {
    const canonical = realpathSync(mod);
    const info = parseElf(readFileSync(canonical));
    const rep = await resolveDependencies(fsUnder('/'), canonical, info);
    expect(rep.missing).toEqual([]);
    const ours = new Map(rep.entries.map((e) => [e.name, realpathSync(e.path as string)]));
    const theirs = ldd(canonical);
    expect(theirs.size).toBeGreaterThan(1);
    for (const [name, path] of theirs) expect(ours.get(name), name).toBe(path);
  });
});

let T = '';
beforeAll(() => {
  for (const [tool, pkg] of [
    ['/usr/bin/gcc', 'gcc'],
    [OPENSC, 'opensc-pkcs11'],
    [SOFTHSM, 'softhsm2'],
  ]) {
    if (!existsSync(tool as string)) throw new Error(`${tool} is missing: apt-get install ${pkg}`);
  }
  T = mkdtempSync(join(tmpdir(), 'pcsc-ldso-'));
  mkdirSync(`${T}/mod/sub`, { recursive: true });
  mkdirSync(`${T}/elsewhere`);
  mkdirSync(`${T}/etc/ld.so.conf.d`, { recursive: true });
  writeFileSync(`${T}/dep.c`, 'int dep(void) { return 7; }\n');
  writeFileSync(`${T}/mod.c`, 'int dep(void);\nint C_GetFunctionList(void **p) { return dep(); }\n');
  execFileSync('gcc', ['-shared', '-fPIC', '-Wl,-soname,libdep.so.1', '-o', `${T}/mod/sub/libdep.so.1`, `${T}/dep.c`]);
  copyFileSync(`${T}/mod/sub/libdep.so.1`, `${T}/elsewhere/libdep.so.1`);
  const build = (out: string, flags: string[]) =>
    execFileSync('gcc', ['-shared', '-fPIC', '-o', out, `${T}/mod.c`, `-L${T}/mod/sub`, '-l:libdep.so.1', ...flags]);
  build(`${T}/mod/runpath.so`, ['-Wl,--enable-new-dtags,-rpath,$ORIGIN/sub']);
  build(`${T}/mod/rpath.so`, ['-Wl,--disable-new-dtags,-rpath,$ORIGIN/sub']);
  build(`${T}/mod/none.so`, []);
  writeFileSync(`${T}/etc/ld.so.conf`, '# comment\ninclude ld.so.conf.d/*.conf\n/opt/zz\n');
  writeFileSync(`${T}/etc/ld.so.conf.d/b.conf`, `${T}/elsewhere # trailing comment\n`);
  writeFileSync(`${T}/etc/ld.so.conf.d/a.conf`, '/opt/aa, /opt/bb\n');
  writeFileSync(`${T}/etc/ld.so.conf.d/skip.txt`, '/opt/never\n');
});
afterAll(() => {
  if (T) rmSync(T, { recursive: true, force: true });
});

const realFs = fsUnder('/');
const noConf: LoaderFs = { ...realFs, readText: async (p) => (p === '/etc/ld.so.conf' ? '' : realFs.readText(p)) };
const depOf = async (mod: string, fs: LoaderFs, ldLibraryPath?: string) => {
  const rep = await resolveDependencies(fs, `${T}/mod/${mod}`, parseElf(readFileSync(`${T}/mod/${mod}`)), {
    ldLibraryPath,
  });
  return rep.entries.find((e) => e.name === 'libdep.so.1');
};

describe('search order', () => {
  it('DT_RUNPATH with $ORIGIN', async () => {
    expect(await depOf('runpath.so', noConf)).toMatchObject({ path: `${T}/mod/sub/libdep.so.1`, via: 'runpath' });
  });
  it('DT_RPATH comes before LD_LIBRARY_PATH; DT_RUNPATH after it', async () => {
    expect(await depOf('rpath.so', noConf, `${T}/elsewhere`)).toMatchObject({
      path: `${T}/mod/sub/libdep.so.1`,
      via: 'rpath',
    });
    expect(await depOf('runpath.so', noConf, `${T}/elsewhere`)).toMatchObject({
      path: `${T}/elsewhere/libdep.so.1`,
      via: 'LD_LIBRARY_PATH',
    });
  });
  it('a missing dependency is reported with who needs it', async () => {
    const e = await depOf('none.so', noConf);
    expect(e).toMatchObject({ path: null, via: null, neededBy: `${T}/mod/none.so` });
  });
  it('a file of another architecture is passed over, and the search goes on', async () => {
    mkdirSync(`${T}/arm`, { recursive: true });
    const b = readFileSync(`${T}/elsewhere/libdep.so.1`);
    b.writeUInt16LE(183, 18);
    writeFileSync(`${T}/arm/libdep.so.1`, b);
    const e = await depOf('runpath.so', noConf, `${T}/arm`);
    expect(e).toMatchObject({ path: `${T}/mod/sub/libdep.so.1`, via: 'runpath' });
    expect(e?.skipped[0]).toMatchObject({ path: `${T}/arm/libdep.so.1`, reason: expect.stringMatching(/arm64/) });
  });
  it('ld.so.conf directories, with include globs in sorted order, are searched', async () => {
    const mapped = (p: string) => (p.startsWith('/etc/') ? `${T}${p}` : p);
    const fs: LoaderFs = {
      readBinary: realFs.readBinary,
      readText: (p) => realFs.readText(mapped(p)),
      readDir: (p) => realFs.readDir(mapped(p)),
    };
    expect(await readLdSoConf(fs)).toEqual(['/opt/aa', '/opt/bb', `${T}/elsewhere`, '/opt/zz']);
    expect(await depOf('none.so', fs)).toMatchObject({ path: `${T}/elsewhere/libdep.so.1`, via: 'ld.so.conf' });
  });
});
