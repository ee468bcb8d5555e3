// The integration tests run the built CLI and library (dist/), as users do: a missing or stale build
// from an earlier run must stop the run with one line, not test old code.
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

let checked = false;

/** Throws unless dist/ exists and was built after the last change under src/ (checked once a process). */
export function assertFreshBuild(root = ROOT): void {
  if (checked && root === ROOT) return;
  const marker = join(root, 'dist', 'core', 'index.js');
  if (!existsSync(marker) || !existsSync(join(root, 'oclif.manifest.json')))
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  if (statSync(marker).mtimeMs < newest(join(root, 'src')) - 1000)
    throw new Error('dist/ is older than src/: run `npm run build` first (npm test does)');
  if (root === ROOT) checked = true;
}
