// Citations point at something in the repository: every `docs/NAME.md#anchor` in src/, test/, bench/,
// scripts/ and the documentation names an existing file and heading; the pcscd protocol is cited as
// docs/protocol.md, never as a document outside the repository; a bare § names its standard.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingIds } from '../../helpers/markdown.js';

const ROOT = join(import.meta.dirname, '../../..');

function walk(dir: string, exts: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p, exts) : exts.test(e.name) ? [p] : [];
  });
}

// This file is left out: its patterns and examples are not citations.
const CODE = ['src', 'test', 'bench', 'scripts']
  .flatMap((d) => walk(join(ROOT, d), /\.(ts|mts|mjs|js|py|sh|c)$/))
  .filter((f) => f !== import.meta.filename);
const DOCS = [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'), /\.md$/)];
const ids = new Map<string, Set<string>>();
const idsOf = (file: string): Set<string> | undefined => {
  if (!existsSync(file)) return undefined;
  if (!ids.has(file)) ids.set(file, headingIds(readFileSync(file, 'utf8')));
  return ids.get(file);
};

interface Citation {
  from: string;
  file: string;
  anchor?: string;
}

function citations(): Citation[] {
  const out: Citation[] = [];
  for (const f of CODE) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\bdocs\/([\w.-]+\.md)(?:#([\w-]+))?/g))
      out.push({
        from: relative(ROOT, f),
        file: join(ROOT, 'docs', m[1] as string),
        ...(m[2] ? { anchor: m[2] } : {}),
      });
  }
  for (const f of DOCS) {
    const text = readFileSync(f, 'utf8');
    // Markdown links to other markdown files of the repository, and to headings of this one.
    for (const m of text.matchAll(/\]\(([^)\s]*?\.md)?(?:#([\w-]+))?\)/g)) {
      if (!m[1] && !m[2]) continue;
      if (m[1] && /^[a-z]+:/.test(m[1])) continue;
      const file = m[1] ? join(dirname(f), m[1]) : f;
      out.push({ from: relative(ROOT, f), file, ...(m[2] ? { anchor: m[2] } : {}) });
    }
  }
  return out;
}

describe('citations', () => {
  const all = citations();

  it('finds the citations (the protocol is cited from the code)', () => {
    expect(all.filter((c) => c.file.endsWith('docs/protocol.md') && c.anchor).length).toBeGreaterThan(50);
  });

  it('every cited file and heading exists', () => {
    const broken = all
      .filter((c) => {
        const known = idsOf(c.file);
        return known === undefined || (c.anchor !== undefined && !known.has(c.anchor));
      })
      .map((c) => `${c.from} → ${relative(ROOT, c.file)}${c.anchor ? '#' + c.anchor : ''}`);
    expect([...new Set(broken)]).toEqual([]);
  });

  it('nothing cites a document that is not in the repository', () => {
    const bad = CODE.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((l, i) =>
          /DESIGN\.md|pcscd-protocol\.md|\bspec\/[\w-]+\.md/.test(l) ? [`${relative(ROOT, f)}:${i + 1}`] : [],
        ),
    );
    expect(bad).toEqual([]);
  });

  it('a § names its standard (ISO 7816, CCID, USB); the pcscd protocol is docs/protocol.md', () => {
    const bare = CODE.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((l, i) =>
          l.includes('§') && !/(ISO(\/IEC)?[ /]*7816|CCID|USB 2\.0)[^§]*§/.test(l)
            ? [`${relative(ROOT, f)}:${i + 1}`]
            : [],
        ),
    );
    expect(bare).toEqual([]);
  });

  it('heading ids follow GitHub', () => {
    expect([...headingIds('# A `b` c\n## Protocol 4:6\n## READER_STATE\n### x\n### x\n```\n# not\n```')]).toEqual([
      'a-b-c',
      'protocol-46',
      'reader_state',
      'x',
      'x-1',
    ]);
  });
});
