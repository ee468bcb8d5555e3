// The layering of the diagnostic modules: system/ (the probe) at the bottom, then drivers/, udev/,
// engine/ (the check engine) and ssh/, with doctor/ on top; nothing below imports doctor/, the
// module graph has no cycle, and the CLI reaches doctor, ssh and udev only through their entry points.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const CORE = join(ROOT, 'src/core');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of a file (static, `export … from`, dynamic), as repository paths without extension. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(dirname(file), s)).replace(/\.js$/, ''));
}

const LAYERED = ['system', 'drivers', 'udev', 'engine', 'ssh', 'doctor'] as const;
type Module = (typeof LAYERED)[number];
const moduleOf = (repoPath: string): string | undefined => /^src\/core\/([^/]+)\//.exec(repoPath)?.[1];

/** Which of the layered modules each may import (besides itself and the leaf modules below them). */
const ALLOWED: Record<Module, readonly Module[]> = {
  system: [],
  drivers: ['system'],
  udev: ['system', 'drivers'],
  engine: ['system'],
  ssh: ['system', 'engine'],
  doctor: ['system', 'drivers', 'udev', 'engine'],
};

const files = LAYERED.flatMap((m) => walk(join(CORE, m)));

describe('the diagnostic modules are layered', () => {
  it('import only the modules below them (nothing below doctor/ imports it)', () => {
    const wrong: string[] = [];
    for (const f of files) {
      const from = moduleOf(relative(ROOT, f)) as Module;
      for (const imp of importsOf(f)) {
        const to = moduleOf(imp);
        if (!to || to === from || !(LAYERED as readonly string[]).includes(to)) continue;
        if (!ALLOWED[from].includes(to as Module)) wrong.push(`${relative(ROOT, f)} → ${imp}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('have no import cycle between files', () => {
    const graph = new Map<string, string[]>();
    for (const f of files) graph.set(relative(ROOT, f).replace(/\.ts$/, ''), importsOf(f));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (n: string, path: string[]): void => {
      if (state.get(n) === 'done' || !graph.has(n)) return;
      if (state.get(n) === 'open') {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' → '));
        return;
      }
      state.set(n, 'open');
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 'done');
    };
    for (const n of graph.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });

  it('the entry points pcsc/doctor and pcsc/ssh only re-export (importing them does no work)', () => {
    for (const entry of ['doctor/index.ts', 'ssh/index.ts']) {
      const src = ts.createSourceFile(entry, readFileSync(join(CORE, entry), 'utf8'), ts.ScriptTarget.ES2022);
      const other = src.statements.filter((s) => !ts.isExportDeclaration(s)).map((s) => s.getText(src));
      expect(other, entry).toEqual([]);
    }
  });

  it('the CLI reaches doctor, ssh, udev, engine and system only through pcsc/doctor and pcsc/ssh', () => {
    const entryPoints = new Set([
      'src/core/doctor/index',
      'src/core/ssh/index',
      // The hint after "Service not available" (src/cli/service-hint.ts, loaded when that error
      // happens) uses the service texts directly: the doctor entry point would load every check.
      'src/core/system/service',
    ]);
    const deep: string[] = [];
    for (const f of [...walk(join(ROOT, 'src/cli')), ...walk(join(ROOT, 'src/commands'))]) {
      for (const imp of importsOf(f)) {
        const m = moduleOf(imp);
        if (m && (LAYERED as readonly string[]).includes(m) && !entryPoints.has(imp))
          deep.push(`${relative(ROOT, f)} → ${imp}`);
      }
    }
    expect(deep).toEqual([]);
  });
});
