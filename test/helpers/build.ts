// The integration tests run the built CLI and library (dist/), as users do: a missing or stale build
// from an earlier run must stop the run with one line, not test old code. The CLI users run is the
// bundle (bin/run.js → dist/bundle/pcsc.cjs, scripts/bundle.js); the library is dist/core/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** What the build writes and the tests run: the library's entry, the CLI's bundle, the manifest. */
export const BUILD_OUTPUTS = [
  'dist/core/index.js',
  'dist/bundle/pcsc.cjs',
  'dist/bundle/oclif.cjs',
  'oclif.manifest.json',
];

let checked = false;

/** Throws unless every build output exists and was written after the last change under src/ (checked once a process). */
export function assertFreshBuild(root = ROOT): void {
  if (checked && root === ROOT) return;
  const outputs = BUILD_OUTPUTS.map((f) => join(root, f));
  if (!outputs.every((f) => existsSync(f)))
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const sources = newest(join(root, 'src'));
  if (outputs.some((f) => statSync(f).mtimeMs < sources - 1000))
    throw new Error('dist/ is older than src/: run `npm run build` first (npm test does)');
  if (root === ROOT) checked = true;
}
