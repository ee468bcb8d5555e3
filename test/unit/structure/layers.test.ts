// The layering of src/, read from every file's imports (static, type-only and dynamic `import()`):
// no file imports from a higher layer, there is no import cycle, the CLI reaches the core only
// through its entry points, and no entry point loads `usb` or a terminal package when imported.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const SRC = join(ROOT, 'src');

/**
 * Lowest first. A file belongs to the first layer with a matching prefix (paths under src/);
 * it may import files of its own layer and of lower ones.
 */
const LAYERS: { name: string; prefixes: string[] }[] = [
  {
    name: 'bytes, errors, user files, the user cache',
    prefixes: ['core/bytes/', 'core/errors.ts', 'core/user-file.ts', 'core/user-cache.ts'],
  },
  { name: 'scard (the PC/SC interface both backends implement)', prefixes: ['core/scard/'] },
  { name: 'pcscd, ccid, card', prefixes: ['core/pcscd/', 'core/ccid/', 'core/card/'] },
  { name: 'pcsc (the API: backends, the monitor), script', prefixes: ['core/pcsc/', 'core/script/'] },
  { name: 'system, the check engine', prefixes: ['core/system/', 'core/engine/'] },
  {
    name: 'ssh, udev, drivers, proxy, atr-list',
    prefixes: ['core/ssh/', 'core/udev/', 'core/drivers/', 'core/proxy/', 'core/atr-list/'],
  },
  // The doctor's checks use ssh, udev and drivers; they never use the doctor.
  { name: 'doctor', prefixes: ['core/doctor/'] },
  { name: 'the entry point "." and the CLI\'s internal one', prefixes: ['core/index.ts', 'core/internal.ts'] },
  // node-pcsclite's API, built on "." only (docs/node-pcsclite.md).
  { name: 'pcsclite', prefixes: ['core/pcsclite/'] },
  { name: 'cli', prefixes: ['cli/'] },
  { name: 'commands', prefixes: ['commands/'] },
];

/** Entry points (package.json exports, by their file under src/). */
const ENTRIES = [
  'core/index.ts',
  'core/script/index.ts',
  'core/atr-list/index.ts',
  'core/proxy/index.ts',
  'core/ccid/index.ts',
  'core/doctor/index.ts',
  'core/ssh/index.ts',
  'core/pcsclite/index.ts',
];

/** The CLI's own way into the core for the few names that are not public API: no package export. */
const INTERNAL = ['core/internal.ts'];

/** Packages that belong to the terminal (the core has none) and the native one loaded lazily. */
const TERMINAL = /^(@oclif\/|chalk$|ora$)/;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

interface Import {
  spec: string;
  /** The file under src/ for a relative import. */
  target?: string;
  /** `import('…')`: loaded on first use, not when the importing file loads. */
  dynamic: boolean;
  /** `import type`, or every name imported is a type: nothing is loaded at run time. */
  typeOnly: boolean;
}

function importsOf(f: string): Import[] {
  const sf = ts.createSourceFile(f, readFileSync(join(SRC, f), 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const add = (spec: string, dynamic: boolean, typeOnly: boolean): void => {
    const target = spec.startsWith('.')
      ? relative(SRC, join(SRC, dirname(f), spec)).replace(/\.js$/, '.ts')
      : undefined;
    out.push({ spec, ...(target ? { target } : {}), dynamic, typeOnly });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly =
        !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(n.moduleSpecifier.text, false, typeOnly);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const named = n.exportClause && ts.isNamedExports(n.exportClause) ? n.exportClause.elements : undefined;
      add(
        n.moduleSpecifier.text,
        false,
        n.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)),
      );
    } else if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteral(n.arguments[0])
    ) {
      add(n.arguments[0].text, true, false);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      add(n.argument.literal.text, false, true);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const files = walk(SRC).map((f) => relative(SRC, f));
const imports = new Map<string, Import[]>(files.map((f) => [f, importsOf(f)]));

function layerOf(f: string): number {
  const i = LAYERS.findIndex((l) => l.prefixes.some((p) => f === p || f.startsWith(p)));
  if (i < 0) throw new Error(`${f} is in no layer: add its directory to LAYERS`);
  return i;
}

describe('layers', () => {
  it('every file is in a layer and every relative import resolves to a file', () => {
    for (const f of files) layerOf(f);
    const broken = [...imports].flatMap(([f, is]) =>
      is.filter((i) => i.target !== undefined && !files.includes(i.target)).map((i) => `${f} → ${i.spec}`),
    );
    expect(broken).toEqual([]);
  });

  it('pcsc/pcsclite is built on the public API: it imports "." and its own files, nothing else of the core', () => {
    const inner = [...imports].flatMap(([f, is]) =>
      f.startsWith('core/pcsclite/')
        ? is
            .filter(
              (i) => i.target !== undefined && i.target !== 'core/index.ts' && !i.target.startsWith('core/pcsclite/'),
            )
            .map((i) => `${f} → ${i.spec}`)
        : [],
    );
    expect(inner).toEqual([]);
  });

  it('no file imports from a higher layer', () => {
    const upward = [...imports].flatMap(([f, is]) =>
      is
        .filter((i) => i.target !== undefined && layerOf(i.target) > layerOf(f))
        .map((i) => `${f} (${LAYERS[layerOf(f)]?.name}) → ${i.target} (${LAYERS[layerOf(i.target as string)]?.name})`),
    );
    expect(upward).toEqual([]);
  });

  it('the core never imports the CLI, the commands or a terminal package; pcsc, card, pcscd never import doctor', () => {
    const bad = [...imports].flatMap(([f, is]) =>
      f.startsWith('core/')
        ? is
            .filter(
              (i) =>
                TERMINAL.test(i.spec) ||
                i.target?.startsWith('cli/') ||
                i.target?.startsWith('commands/') ||
                (/^core\/(pcsc|card|pcscd|scard)\//.test(f) && i.target?.startsWith('core/doctor/')),
            )
            .map((i) => `${f} → ${i.spec}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  // Type-only imports load nothing, so they cannot make a cycle at run time: a Card class naming
  // the type of the Context that created it is not one. Everything else counts, import() included.
  it('has no import cycle anywhere in src/', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const i of imports.get(f) ?? []) {
        const t = i.target;
        if (t === undefined || i.typeOnly || !imports.has(t)) continue;
        if (state.get(t) === 'open') {
          const cycle = [...stack.slice(stack.indexOf(t)), t];
          cycles.push(cycle.join(' → '));
        } else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('has no cycle between modules either (a directory of core/ or cli/ uses another that uses it)', () => {
    // A module: core/<dir> or cli/<dir> with its subdirectories; a file directly in src/core or
    // src/cli (errors.ts, index.ts, base.ts) is a module of its own.
    const moduleOf = (f: string): string => (f.split('/').length > 2 ? f.split('/').slice(0, 2).join('/') : f);
    const edges = new Map<string, Set<string>>();
    for (const [f, is] of imports)
      for (const i of is)
        if (i.target !== undefined && moduleOf(i.target) !== moduleOf(f))
          edges.set(moduleOf(f), (edges.get(moduleOf(f)) ?? new Set()).add(moduleOf(i.target)));
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      [...(edges.get(from) ?? [])].some((m) => m === to || (!seen.has(m) && (seen.add(m), reaches(m, to, seen))));
    const cycles = [...edges].flatMap(([from, tos]) =>
      [...tos].filter((to) => from < to && reaches(to, from)).map((to) => `${from} ⇄ ${to}`),
    );
    expect(cycles).toEqual([]);
  });

  it('the CLI reaches the core only through its entry points', () => {
    const direct = [...imports].flatMap(([f, is]) =>
      f.startsWith('cli/') || f.startsWith('commands/')
        ? is
            .filter((i) => i.target?.startsWith('core/') && ![...ENTRIES, ...INTERNAL].includes(i.target))
            .map((i) => `${f} → ${i.spec}`)
        : [],
    );
    expect(direct).toEqual([]);
  });

  it('package.json exports each entry point, types and import', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; import: string }>;
    };
    const exported = Object.values(pkg.exports).map((e) => {
      expect(e.types.replace(/\.d\.ts$/, '.js')).toBe(e.import);
      return e.import.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
    });
    expect(exported.sort()).toEqual([...ENTRIES].sort());
  });

  it.each([...ENTRIES, ...INTERNAL])(
    '%s is cheap to import: its static imports reach no `usb`, no terminal package, no CLI',
    (entry) => {
      const reached = new Set<string>();
      const packages = new Set<string>();
      const visit = (f: string): void => {
        if (reached.has(f)) return;
        reached.add(f);
        for (const i of imports.get(f) ?? []) {
          if (i.dynamic || i.typeOnly) continue; // loaded on first use, or not at all
          if (i.target !== undefined) visit(i.target);
          else packages.add(i.spec);
        }
      };
      visit(entry);
      expect(reached.size).toBeGreaterThan(1);
      expect([...packages].filter((p) => p === 'usb' || TERMINAL.test(p))).toEqual([]);
      expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
      expect([...reached].filter((f) => !f.startsWith('core/'))).toEqual([]);
    },
  );
});

describe('the layering test itself', () => {
  it('sees upward imports and cycles (it ran on the files above: a sample of what it would report)', () => {
    // Every layer holds files, so no rule above passes for want of files to check.
    for (const l of LAYERS)
      if (l.name !== 'system')
        expect(
          files.some((f) => l.prefixes.some((p) => f.startsWith(p))),
          l.name,
        ).toBe(true);
    // Dynamic imports are seen: the USB backend is loaded on demand by pcsc/establish.ts.
    expect(imports.get('core/pcsc/establish.ts')?.some((i) => i.dynamic && i.target === 'core/ccid/context.ts')).toBe(
      true,
    );
  });
});
