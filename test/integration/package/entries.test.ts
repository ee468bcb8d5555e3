// Each entry point in package.json "exports", built, imported by its package name as a user's
// program does (`import('pcsc')`, `import('pcsc/proxy')`, …): it loads, has its names and its
// types file, runs nothing at import (no output, nothing keeps the process alive) and leaves the
// native `usb` package unloaded.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { commands, ROOT, run } from './helpers.js';

interface Pkg {
  name: string;
  exports: Record<string, { types: string; import: string }>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Pkg;
commands(); // fails with "run npm run build" when dist/ is missing

/** A few names each entry must have (its reason to exist). */
const MUST: Record<string, string[]> = {
  '.': ['Context', 'monitor', 'PcscError', 'parseApdu', 'describeSw', 'analyzeAtr', 'parseHex'],
  './script': ['parseScript', 'runScript'],
  './atr-list': ['findAtrList', 'downloadAtrList'],
  './proxy': ['ProxyServer', 'serveUntil'],
  './ccid': ['UsbContext', 'usbStatus'],
  './doctor': ['runDoctor', 'runChecks', 'createProbe'],
  './ssh': ['runSshCheck', 'matchPattern'],
  './pcsclite': ['default', 'PCSCLite', 'CardReader'],
};

const probe = (name: string): string => `
import { createRequire } from 'node:module';
const m = await import(${JSON.stringify(name)});
const cache = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({
  names: Object.keys(m),
  usb: cache.filter((f) => /node_modules\\/usb\\//.test(f)),
  handles: process.getActiveResourcesInfo().filter((r) => !['TTYWrap', 'PipeWrap', 'CloseReq'].includes(r)), // not stdio
}));`;

describe('package.json "exports"', () => {
  it('lists ".", script, atr-list, proxy, ccid, doctor, ssh and pcsclite', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(Object.keys(MUST).sort());
  });

  describe.each(Object.entries(pkg.exports))('%s', (sub, target) => {
    const name = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;

    it('imports by its package name, with its names, quietly, and without loading usb', () => {
      // Run from the package root: Node resolves a package's own name through its "exports".
      const r = run(process.execPath, ['--input-type=module', '-e', probe(name)], { cwd: ROOT, timeout: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { names: string[]; usb: string[]; handles: string[] };
      expect(out.names).toEqual(expect.arrayContaining(MUST[sub] ?? ['(an entry not listed in MUST)']));
      expect(out.usb).toEqual([]);
      expect(out.handles).toEqual([]);
    });

    it('has its types and its code in dist/', () => {
      expect(existsSync(join(ROOT, target.import)), target.import).toBe(true);
      const types = join(ROOT, target.types);
      expect(existsSync(types), target.types).toBe(true);
      for (const n of MUST[sub] ?? []) expect(readFileSync(types, 'utf8')).toMatch(new RegExp(`\\b${n}\\b`));
    });
  });
});

describe('the published types of "pcsc" (dist/core/index.d.ts)', () => {
  it('document every name, and every member of Context, Card and Context.establish', () => {
    const file = join(ROOT, pkg.exports['.']?.types ?? '');
    const program = ts.createProgram([file], { strict: true, skipLibCheck: true, noEmit: true, types: ['node'] });
    const checker = program.getTypeChecker();
    const sf = program.getSourceFile(file);
    expect(sf, file).toBeDefined();
    const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(sf as ts.SourceFile) as ts.Symbol);
    const doc = (s: ts.Symbol): string => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
    };
    expect(exported.length).toBeGreaterThan(60);
    expect(exported.filter((s) => doc(s) === '').map((s) => s.name)).toEqual([]);
    const members = (name: string, meaning: 'type' | 'value'): string[] => {
      const s = exported.find((x) => x.name === name) as ts.Symbol;
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      const decl = target.declarations?.find((d) =>
        meaning === 'type' ? !ts.isVariableDeclaration(d) : ts.isVariableDeclaration(d),
      );
      const type =
        meaning === 'type'
          ? checker.getDeclaredTypeOfSymbol(target)
          : checker.getTypeOfSymbolAtLocation(target, decl as ts.Node);
      return checker
        .getPropertiesOfType(type)
        .filter((p) => !p.name.startsWith('__@'))
        .filter((p) => ts.displayPartsToString(p.getDocumentationComment(checker)).trim() === '')
        .map((p) => `${name}.${p.name}`);
    };
    expect([...members('Context', 'type'), ...members('Card', 'type'), ...members('Context', 'value')]).toEqual([]);
  });
});
