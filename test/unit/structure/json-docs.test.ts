// The --json contracts: every command's run() returns a declared result type (never unknown), and
// every field of that type, however deep, is named in the command's documentation.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportsOf, programOf, ROOT } from './program.js';

/** Where each command's JSON shapes are declared and documented (a markdown section by heading). */
const CONTRACTS: { command: string; types: [file: string, name: string][]; doc: string; section: string }[] = [
  {
    command: 'scan',
    types: [
      ['src/cli/scan/result.ts', 'ScanResult'],
      ['src/cli/scan/result.ts', 'ScanEvent'],
    ],
    doc: 'docs/scan.md',
    section: '### JSON (NDJSON in watch mode)',
  },
  {
    command: 'clients',
    types: [['src/cli/clients/result.ts', 'ClientsResult']],
    doc: 'docs/clients.md',
    section: '### JSON',
  },
  { command: 'atr', types: [['src/cli/atr/result.ts', 'AtrResult']], doc: 'docs/scan.md', section: '## `pcsc atr`' },
  { command: 'apdu', types: [['src/cli/apdu/result.ts', 'ApduResult']], doc: 'docs/apdu.md', section: '### JSON' },
  {
    command: 'proxy',
    types: [['src/cli/proxy/result.ts', 'ProxyResult']],
    doc: 'docs/proxy.md',
    section: '### JSON',
  },
  {
    command: 'spy',
    types: [
      ['src/cli/proxy/result.ts', 'SpyResult'],
      ['src/cli/proxy/result.ts', 'SpyRecord'],
    ],
    doc: 'docs/proxy.md',
    section: '### JSON',
  },
  {
    command: 'doctor',
    types: [
      ['src/core/doctor/index.ts', 'DoctorReport'],
      ['src/core/doctor/index.ts', 'DoctorCheckList'],
    ],
    doc: 'docs/doctor.md',
    section: '### JSON',
  },
  {
    command: 'udev-check',
    types: [['src/core/doctor/index.ts', 'UdevCheckResult']],
    doc: 'docs/doctor.md',
    section: '### JSON',
  },
  {
    command: 'ssh-check',
    types: [['src/core/ssh/index.ts', 'SshCheckResult']],
    doc: 'docs/ssh-check.md',
    section: '## JSON',
  },
  {
    command: 'version',
    types: [['src/cli/version/result.ts', 'VersionResult']],
    doc: 'README.md',
    section: '### `pcsc --version` and `pcsc completion`',
  },
  {
    command: 'completion',
    types: [['src/cli/completion.ts', 'CompletionResult']],
    doc: 'README.md',
    section: '### `pcsc --version` and `pcsc completion`',
  },
];

let program: ts.Program;
let checker: ts.TypeChecker;

beforeAll(() => {
  const files = [
    ...CONTRACTS.flatMap((c) => c.types.map(([f]) => join(ROOT, f))),
    ...readdirSync(join(ROOT, 'src/commands')).map((f) => join(ROOT, 'src/commands', f)),
  ];
  ({ program, checker } = programOf(files));
}, 60_000);

function exportedType(file: string, name: string): ts.Type {
  const sym = exportsOf(program, checker, join(ROOT, file)).find((s) => s.name === name);
  if (!sym) throw new Error(`${file} does not export ${name}`);
  return checker.getDeclaredTypeOfSymbol(sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym);
}

/** Every property name of a JSON shape: through unions, intersections, arrays and nested objects. */
function fieldNames(type: ts.Type, seen = new Set<ts.Type>(), out = new Set<string>()): Set<string> {
  if (seen.has(type)) return out;
  seen.add(type);
  if (type.isUnionOrIntersection()) {
    for (const t of type.types) fieldNames(t, seen, out);
    return out;
  }
  if (checker.isArrayType(type)) {
    for (const t of checker.getTypeArguments(type as ts.TypeReference)) fieldNames(t, seen, out);
    return out;
  }
  if (!(type.flags & ts.TypeFlags.Object)) return out;
  for (const p of checker.getPropertiesOfType(type)) {
    out.add(p.name);
    const decl = p.valueDeclaration ?? p.declarations?.[0];
    if (decl) fieldNames(checker.getTypeOfSymbolAtLocation(p, decl), seen, out);
  }
  return out;
}

function section(doc: string, heading: string): string {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`${doc} has no "${heading}" section`);
  const level = heading.split(' ')[0] as string;
  const rest = text.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level.length}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

describe('every JSON field is documented', () => {
  it.each(CONTRACTS.map((c) => [c.command, c] as const))('pcsc %s', (_, c) => {
    const text = section(c.doc, c.section);
    const names = new Set(c.types.flatMap(([f, n]) => [...fieldNames(exportedType(f, n))]));
    expect(names.size).toBeGreaterThan(1);
    // A field is named when it is a word of the section's code: `field`, `{a, b?}`, a JSON example.
    const code = [...text.matchAll(/```[\s\S]*?```|`[^`]+`/g)].map((m) => m[0]).join(' ');
    const words = new Set(code.match(/[A-Za-z_][\w]*/g) ?? []);
    const missing = [...names].filter((n) => !words.has(n));
    expect(missing, `${c.doc} "${c.section}" does not name these fields of ${c.types.map((t) => t[1])}`).toEqual([]);
  });
});

describe('every command returns a declared result type', () => {
  it.each(readdirSync(join(ROOT, 'src/commands')).map((f) => f.replace(/\.ts$/, '')))('pcsc %s', (id) => {
    const sf = program.getSourceFile(join(ROOT, 'src/commands', `${id}.ts`)) as ts.SourceFile;
    let returned = '';
    const visit = (n: ts.Node): void => {
      if (ts.isMethodDeclaration(n) && n.name.getText(sf) === 'run') {
        const sig = checker.getSignatureFromDeclaration(n) as ts.Signature;
        const t = checker.getReturnTypeOfSignature(sig);
        const inner = checker.getTypeArguments(t as ts.TypeReference)[0] ?? t;
        returned = checker.typeToString(inner);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    expect(returned, 'no run() found').not.toBe('');
    expect(returned).not.toMatch(/^(unknown|any)$/);
    expect(
      CONTRACTS.some((c) => c.command === id),
      `${id}: add its result type to CONTRACTS`,
    ).toBe(true);
  });
});
