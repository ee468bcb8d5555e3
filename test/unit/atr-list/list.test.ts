// smartcard_list.txt: search order, empty files skipped, parsing, and every matching pattern.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  atrListCacheDir,
  atrListFromText,
  atrListSearchPath,
  atrSubmitUrl,
  compileAtrList,
  findAtrList,
  literalPrefix,
  looksLikeAtrList,
  openAtrList,
  parseAtrList,
} from '../../../src/core/atr-list/list.js';
import { atrPattern } from '../../helpers/atr-patterns.js';
import { hex as atr } from '../../helpers/hex.js';

// A list of our own, in the file's format.
const LIST = [
  '# comment',
  '',
  '3B 02 14 50',
  '\tFirst card',
  '\tsecond line',
  '',
  '3B 02 14 ..',
  '\tAny 3B 02 14 card',
  '',
  '3b 02 1[0-4] 5[0F]',
  '\tlower-case class pattern',
  '',
  '3B 02 14 51',
  '\tNot this one',
  '',
  '3B 8F .*',
  '\tDot star',
  '',
].join('\n');

describe('parseAtrList', () => {
  it('reads patterns, their TAB-indented names and line numbers', () => {
    const e = parseAtrList(LIST);
    expect(e.map((x) => x.pattern)).toEqual([
      '3B 02 14 50',
      '3B 02 14 ..',
      '3b 02 1[0-4] 5[0F]',
      '3B 02 14 51',
      '3B 8F .*',
    ]);
    expect(e[0]).toEqual({ pattern: '3B 02 14 50', names: ['First card', 'second line'], line: 3 });
  });
  it('CRLF line ends are tolerated', () => {
    expect(parseAtrList(LIST.replace(/\n/g, '\r\n'))[0]?.names).toEqual(['First card', 'second line']);
  });
  it('recognises the list shape', () => {
    expect(looksLikeAtrList(LIST)).toBe(true);
    expect(looksLikeAtrList('<html><body>Not found</body></html>')).toBe(false);
    expect(looksLikeAtrList('')).toBe(false);
  });
});

describe('compileAtrList.match', () => {
  const list = compileAtrList('mem', parseAtrList(LIST));
  it('returns every matching pattern, in file order', () => {
    expect(list.match(atr('3B 02 14 50'))).toEqual([
      { pattern: '3B 02 14 50', names: ['First card', 'second line'], urls: [] },
      { pattern: '3B 02 14 ..', names: ['Any 3B 02 14 card'], urls: [] },
      { pattern: '3b 02 1[0-4] 5[0F]', names: ['lower-case class pattern'], urls: [] },
    ]);
  });
  it('anchors patterns at both ends', () => {
    expect(list.match(atr('3B 02 14 50 00'))).toEqual([]);
    expect(list.match(atr('3B 02 14'))).toEqual([]);
  });
  it('.* spans the rest', () => {
    expect(list.match(atr('3B 8F 80 01 80 4F'))).toEqual([{ pattern: '3B 8F .*', names: ['Dot star'], urls: [] }]);
  });
  it('unknown ATR: no match', () => {
    expect(list.match(atr('3B 00'))).toEqual([]);
  });
  it('lines that are only a web address go to urls, the rest stay names, each in list order', () => {
    const l = compileAtrList(
      'mem',
      parseAtrList(
        '3B 00\n\tCard (see http://a.example/x)\n\thttps://b.example/card\n\tSecond name\n\thttp://c.example\n',
      ),
    );
    expect(l.match(atr('3B 00'))).toEqual([
      {
        pattern: '3B 00',
        names: ['Card (see http://a.example/x)', 'Second name'],
        urls: ['https://b.example/card', 'http://c.example'],
      },
    ]);
  });
  it('a pattern JavaScript cannot read is left out, not fatal', () => {
    const l = compileAtrList('mem', parseAtrList('3B (\n\tbroken\n\n3B 00\n\tok\n'));
    expect(l.match(atr('3B 00'))).toEqual([{ pattern: '3B 00', names: ['ok'], urls: [] }]);
  });
  it("a list's first lookup (a walk over the text) finds what the compiled list finds", () => {
    // A character a quantifier follows may differ; an alternation may begin anywhere; case is ignored;
    // a pattern JavaScript cannot read is left out; CRLF lines.
    const text = '3B (\n\tbroken\n3B 8A?F\n\toptional\n3B 00|3B 8F\n\teither\n3b 8f\r\n\tlower\r\n3B 8F 00\n\tlonger\n';
    const first = atrListFromText('mem', text);
    const want = [
      { pattern: '3B 8A?F', names: ['optional'], urls: [] },
      { pattern: '3B 00|3B 8F', names: ['either'], urls: [] },
      { pattern: '3b 8f', names: ['lower'], urls: [] },
    ];
    expect(first.match(atr('3B 8F'))).toEqual(want);
    expect(compileAtrList('mem', parseAtrList(text)).match(atr('3B 8F'))).toEqual(want);
    expect(first.match(atr('3B 8F'))).toEqual(want); // the second lookup: the compiled list
  });
});

describe('a lookup compiles only the patterns the ATR could match', () => {
  it('literalPrefix: up to the first regular-expression character, less what a quantifier makes optional', () => {
    expect(literalPrefix('3B 8F 80 01 ..')).toBe('3B 8F 80 01 ');
    expect(literalPrefix('3B 02 1[0-4] 5[0F]')).toBe('3B 02 1');
    expect(literalPrefix('3B 8F?')).toBe('3B 8');
    expect(literalPrefix('3B 8F{2}')).toBe('3B 8');
    expect(literalPrefix('3B 0(2|3)')).toBe('');
    expect(literalPrefix('3B 02|3B 03')).toBe('');
    expect(literalPrefix('3B 02')).toBe('3B 02');
  });

  // What ATR_analysis does: every pattern, as /^pattern$/i, in file order.
  const reference = (text: string, a: Uint8Array): string[] => {
    const spaced = [...a].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
    return parseAtrList(text)
      .filter((e) => {
        try {
          return new RegExp(`^(?:${e.pattern})$`, 'i').test(spaced);
        } catch {
          return false;
        }
      })
      .map((e) => e.pattern);
  };
  const pattern = atrPattern(5);

  it('matches what every pattern as a regular expression matches, in file order', () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 5 }),
        (patterns, bytes) => {
          const text = patterns.map((p, i) => `${p}\n\tcard ${i}\n`).join('\n');
          const a = Uint8Array.from(bytes);
          // An ATR some pattern was built from, often: the generator's bytes rarely meet by chance.
          const list = compileAtrList('mem', parseAtrList(text));
          expect(list.match(a).map((m) => m.pattern)).toEqual(reference(text, a));
          // What loadAtrList builds: the same matches, names and entries.
          const lazy = atrListFromText('mem', text);
          expect(lazy.match(a)).toEqual(list.match(a));
          expect(lazy.entries).toEqual(parseAtrList(text));
          for (const p of patterns.filter((x) => /^[0-9A-Fa-f]{2}( [0-9A-Fa-f]{2})*$/.test(x))) {
            const own = Uint8Array.from(p.split(' ').map((h) => parseInt(h, 16)));
            expect(list.match(own).map((m) => m.pattern)).toEqual(reference(text, own));
            // A list's first lookup walks the text (no compiled list): the same matches and names.
            expect(atrListFromText('mem', text).match(own)).toEqual(list.match(own));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parses as splitting into lines would, CRLF, blank, comment and TAB lines alike', () => {
    const split = (text: string): { pattern: string; names: string[]; line: number }[] => {
      const out: { pattern: string; names: string[]; line: number }[] = [];
      let cur: (typeof out)[number] | null = null;
      text.split('\n').forEach((raw, n) => {
        const line = raw.replace(/\r$/, '');
        if (line.startsWith('\t')) return void cur?.names.push(line.slice(1));
        cur = null;
        if (line === '' || line.startsWith('#')) return;
        cur = { pattern: line, names: [], line: n + 1 };
        out.push(cur);
      });
      return out;
    };
    const line = fc.oneof(
      pattern,
      pattern.map((p) => `\t${p}`),
      fc.constant('# c'),
      fc.constant(''),
      fc.constant('\t'),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.boolean(), fc.boolean(), (lines, crlf, last) => {
        const text = lines.join(crlf ? '\r\n' : '\n') + (last ? '\n' : '');
        const entries = split(text);
        expect(parseAtrList(text)).toEqual(entries);
        // Every entry's names, read lazily, as a lookup that matches it returns them.
        const lazy = atrListFromText('mem', text);
        for (const e of entries.filter((x) => /^[0-9A-F]{2}( [0-9A-F]{2})*$/.test(x.pattern))) {
          const own = Uint8Array.from(e.pattern.split(' ').map((h) => parseInt(h, 16)));
          const same = lazy.match(own).filter((m) => m.pattern === e.pattern);
          expect(same.map((m) => m.names)).toContainEqual(e.names);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('search path', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pcsc-atrlist-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('follows ATR_analysis: XDG cache, ~/.smartcard_list.txt, then system copies', () => {
    expect(atrListSearchPath({ HOME: '/h', XDG_CACHE_HOME: '/x' })).toEqual([
      '/x/smartcard_list.txt',
      '/h/.smartcard_list.txt',
      '/usr/local/pcsc/smartcard_list.txt',
      '/usr/share/pcsc/smartcard_list.txt',
      '/usr/local/share/pcsc/smartcard_list.txt',
    ]);
    expect(atrListCacheDir({ HOME: '/h' })).toBe('/h/.cache');
    expect(atrListCacheDir({ HOME: '/h', XDG_CACHE_HOME: 'relative' })).toBe('/h/.cache');
  });

  it('skips a missing and an empty file, takes the first non-empty one', async () => {
    const empty = join(dir, 'empty.txt');
    const good = join(dir, 'good.txt');
    const later = join(dir, 'later.txt');
    await writeFile(empty, '');
    await writeFile(good, LIST);
    await writeFile(later, LIST);
    const r = await findAtrList([join(dir, 'missing.txt'), empty, good, later]);
    expect(r.file).toBe(good);
    expect(r.searched).toEqual([
      { path: join(dir, 'missing.txt'), skipped: 'missing' },
      { path: empty, skipped: 'empty' },
      { path: good },
    ]);
  });

  it('a directory in the way is passed over', async () => {
    await mkdir(join(dir, 'adir'));
    const r = await findAtrList([join(dir, 'adir')]);
    expect(r).toEqual({ file: null, searched: [{ path: join(dir, 'adir'), skipped: 'not a file' }] });
  });

  it('openAtrList loads and matches', async () => {
    const r = await openAtrList([join(dir, 'good.txt')]);
    expect(r.list?.match(atr('3B 02 14 51')).map((m) => m.names[0])).toEqual(['Any 3B 02 14 card', 'Not this one']);
    expect((await openAtrList([join(dir, 'none.txt')])).list).toBeNull();
  });
});

it('submit URL', () => {
  expect(atrSubmitUrl(atr('3B 02 14 50'))).toBe('https://smartcard-atr.apdu.fr/parse?ATR=3B021450');
});
