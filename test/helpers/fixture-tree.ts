// Throw-away fixture trees standing for `/` in doctor tests.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface FixtureTree {
  root: string;
  /** Writes a file (parents created). */
  file(path: string, text: string): FixtureTree;
  /** Creates a symlink at path pointing at target (kept as written). */
  link(path: string, target: string): FixtureTree;
  dir(path: string): FixtureTree;
  remove(): void;
}

export function fixtureTree(prefix = 'pcsc-fx-'): FixtureTree {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const at = (p: string): string => join(root, p);
  const t: FixtureTree = {
    root,
    file(p, text) {
      mkdirSync(dirname(at(p)), { recursive: true });
      writeFileSync(at(p), text);
      return t;
    },
    link(p, target) {
      mkdirSync(dirname(at(p)), { recursive: true });
      symlinkSync(target, at(p));
      return t;
    },
    dir(p) {
      mkdirSync(at(p), { recursive: true });
      return t;
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  return t;
}
