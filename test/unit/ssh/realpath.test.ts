// The agent-style resolver against the system's own realpath(3) on a real temporary tree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  lexicalNormalize,
  probeResolverFs,
  resolveLikeAgent,
  type ResolverFs,
  type ResolveErrno,
} from '../../../src/core/ssh/realpath.js';
import { createProbe } from '../../../src/core/system/probe.js';

const nodeFs: ResolverFs = {
  async lstat(p) {
    try {
      const st = lstatSync(p);
      return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    } catch (e) {
      return { error: (e as NodeJS.ErrnoException).code as ResolveErrno };
    }
  },
  async readLink(p) {
    try {
      return readlinkSync(p);
    } catch {
      return null;
    }
  },
};

let T = '';
beforeAll(() => {
  T = realpathSync(mkdtempSync(join(tmpdir(), 'pcsc-realpath-')));
  mkdirSync(`${T}/usr/lib/x`, { recursive: true });
  mkdirSync(`${T}/opt/p11`, { recursive: true });
  writeFileSync(`${T}/opt/p11/mod.so`, 'x');
  writeFileSync(`${T}/usr/lib/x/real.so`, 'x');
  symlinkSync(`${T}/opt/p11/mod.so`, `${T}/usr/lib/abs.so`);
  symlinkSync('../../opt/p11/mod.so', `${T}/usr/lib/rel.so`);
  symlinkSync('x', `${T}/usr/lib/dirlink`);
  symlinkSync('../../opt/p11', `${T}/usr/lib/optdir`);
  symlinkSync('loop2', `${T}/usr/lib/loop1`);
  symlinkSync('loop1', `${T}/usr/lib/loop2`);
  symlinkSync('nowhere.so', `${T}/usr/lib/dangling.so`);
  symlinkSync('rel.so', `${T}/usr/lib/chain.so`);
  mkdirSync(`${T}/locked`);
  writeFileSync(`${T}/locked/in.so`, 'x');
  chmodSync(`${T}/locked`, 0o000);
});
afterAll(() => {
  if (T) {
    chmodSync(`${T}/locked`, 0o755);
    rmSync(T, { recursive: true, force: true });
  }
});

describe('resolveLikeAgent agrees with realpath(3)', () => {
  const cases = [
    'usr/lib/x/real.so',
    'usr/lib/abs.so',
    'usr/lib/rel.so',
    'usr/lib/chain.so',
    'usr/lib/dirlink/real.so',
    'usr/lib/optdir/mod.so',
    'usr/lib/optdir/../p11/mod.so',
    'usr/lib/dirlink/../x/real.so',
    'usr//lib///x/./real.so',
    'usr/lib/x/real.so/',
    'usr/lib/x/real.so/.',
    'usr/lib/x/real.so/..',
    'usr/lib/missing.so',
    'usr/lib/dangling.so',
    'usr/lib/loop1',
    'usr/lib/x',
    'usr/lib/x/',
    'usr/lib/../../opt/p11/mod.so',
    'nope/x.so',
    'usr/lib/x/real.so/x',
    'locked/in.so',
    `usr/lib/${'n'.repeat(300)}.so`,
  ];
  it.each(
    cases.flatMap((c) => [
      [c, 'node fs'],
      [c, 'SystemProbe'],
    ]),
  )('%s (%s)', async (rel, via) => {
    const input = `${T}/${rel}`;
    let want: { ok: true; canonical: string } | { ok: false; error: string };
    try {
      want = { ok: true, canonical: realpathSync.native(input) };
    } catch (e) {
      want = { ok: false, error: (e as NodeJS.ErrnoException).code ?? '' };
    }
    const got = await resolveLikeAgent(via === 'node fs' ? nodeFs : probeResolverFs(createProbe()), input);
    // Running as root, a mode-000 directory is still searchable, so realpath decides the expectation.
    expect(got.ok ? { ok: true, canonical: got.canonical } : { ok: false, error: got.error }).toEqual(want);
  });

  it('resolves a relative path against the given directory, and records the symlinks followed', async () => {
    const r = await resolveLikeAgent(nodeFs, 'lib/rel.so', `${T}/usr`);
    expect(r).toMatchObject({ ok: true, canonical: `${T}/opt/p11/mod.so`, relative: true, base: `${T}/usr` });
    expect(r.hops).toEqual([{ link: `${T}/usr/lib/rel.so`, target: '../../opt/p11/mod.so' }]);
    expect((await resolveLikeAgent(nodeFs, 'usr/lib/x/real.so', '/')).ok).toBe(false);
  });

  it('refuses the empty path and an overlong one', async () => {
    expect(await resolveLikeAgent(nodeFs, '')).toMatchObject({ ok: false, error: 'ENOENT' });
    expect(await resolveLikeAgent(nodeFs, `${T}/${'a'.repeat(5000)}`)).toMatchObject({
      ok: false,
      error: 'ENAMETOOLONG',
    });
  });
});

describe('lexicalNormalize', () => {
  it.each([
    ['/usr//lib/./x/../y.so', '/', '/usr/lib/y.so'],
    ['y.so', '/home/u', '/home/u/y.so'],
    ['/../..', '/', '/'],
  ])('%s (cwd %s) → %s', (p, cwd, want) => expect(lexicalNormalize(p, cwd)).toBe(want));
});
