// The integration tests refuse a missing or stale dist/ (test/helpers/build.ts): a build left by an
// earlier run must not be tested in place of the current sources, neither the library nor the
// CLI's bundle.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertFreshBuild, BUILD_OUTPUTS } from '../../helpers/build.js';

describe('assertFreshBuild', () => {
  const root = mkdtempSync(join(tmpdir(), 'pcsc-build-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'src', 'core'), { recursive: true });
  writeFileSync(join(root, 'src', 'core', 'index.ts'), '');
  const write = (f: string): void => {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), '');
  };
  const age = (f: string, ms: number): void => {
    const t = new Date(Date.now() - ms);
    utimesSync(join(root, f), t, t);
  };

  it('covers the library, the CLI bundle and the manifest', () => {
    expect(BUILD_OUTPUTS).toEqual(
      expect.arrayContaining(['dist/core/index.js', 'dist/bundle/pcsc.cjs', 'oclif.manifest.json']),
    );
  });

  it('refuses a tree that was never built', () => {
    expect(() => assertFreshBuild(root)).toThrow('dist/ is missing: run `npm run build` first (npm test does)');
  });

  it('refuses a build without the bundle', () => {
    for (const f of BUILD_OUTPUTS.filter((f) => f !== 'dist/bundle/pcsc.cjs')) write(f);
    expect(() => assertFreshBuild(root)).toThrow('dist/ is missing: run `npm run build` first (npm test does)');
  });

  it('refuses any output older than the sources (the bundle included), and accepts a fresh build', () => {
    for (const f of BUILD_OUTPUTS) write(f);
    expect(() => assertFreshBuild(root)).not.toThrow();
    for (const f of BUILD_OUTPUTS) {
      age(f, 60_000);
      expect(() => assertFreshBuild(root), f).toThrow(
        'dist/ is older than src/: run `npm run build` first (npm test does)',
      );
      age(f, 0);
    }
    expect(() => assertFreshBuild(root)).not.toThrow();
  });
});
