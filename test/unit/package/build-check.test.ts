// The integration tests refuse a missing or stale dist/ (test/helpers/build.ts): a build left by an
// earlier run must not be tested in place of the current sources.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertFreshBuild } from '../../helpers/build.js';

describe('assertFreshBuild', () => {
  const root = mkdtempSync(join(tmpdir(), 'pcsc-build-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'src', 'core'), { recursive: true });
  writeFileSync(join(root, 'src', 'core', 'index.ts'), '');

  it('refuses a tree that was never built', () => {
    expect(() => assertFreshBuild(root)).toThrow('dist/ is missing: run `npm run build` first (npm test does)');
  });

  it('refuses a build older than the sources, and accepts a fresh one', () => {
    mkdirSync(join(root, 'dist', 'core'), { recursive: true });
    writeFileSync(join(root, 'dist', 'core', 'index.js'), '');
    writeFileSync(join(root, 'oclif.manifest.json'), '{}');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'dist', 'core', 'index.js'), old, old);
    expect(() => assertFreshBuild(root)).toThrow('dist/ is older than src/: run `npm run build` first (npm test does)');
    const now = new Date();
    utimesSync(join(root, 'dist', 'core', 'index.js'), now, now);
    expect(() => assertFreshBuild(root)).not.toThrow();
  });
});
