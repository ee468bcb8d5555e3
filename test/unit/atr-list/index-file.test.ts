// The ATR list's index in the user's cache (src/core/atr-list/index-file.ts): lookups through it
// find what the compiled list finds, whether the index is built by this lookup or read from the
// cache; a changed list is indexed again; a cache that cannot be written or holds garbage changes
// nothing but speed; concurrent writers leave one whole index.
import {
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { atrListIndexPath, openAtrListIndexed } from '../../../src/core/atr-list/index-file.js';
import { compileAtrList, parseAtrList } from '../../../src/core/atr-list/list.js';
import { atrPattern } from '../../helpers/atr-patterns.js';
import { hex as atr } from '../../helpers/hex.js';

// Exact patterns (one in lower case, one twice), patterns of '.', a class, an alternation, a
// quantifier, one JavaScript cannot read, CRLF lines, names in UTF-8 and web addresses.
const LIST = [
  '# comment',
  '',
  '3B 02 14 50',
  '\tFirst card « é »',
  '\thttps://example.org/first',
  '',
  '3B 02 14 ..',
  '\tAny 3B 02 14 card',
  '3b 02 1[0-4] 5[0F]',
  '\tlower-case class pattern',
  '3b 8f 80 01',
  '\tlower-case exact',
  '3B 02 14 50',
  '\tThe same ATR again',
  '3B (',
  '\tbroken',
  '3B 00|3B 8F 80 01',
  '\teither',
  '3B 8F 8.? 01',
  '\toptional',
  '3F ..\r',
  '\tCRLF entry\r',
  '',
].join('\n');
const ATRS = ['3B 02 14 50', '3B 02 14 51', '3B 02 12 5F', '3B 8F 80 01', '3B 00', '3F 11', '3B 8F 01', '3B 99'];

let dir = '';
let list = '';
let index = '';
const dirs: string[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pcsc-atr-index-'));
  dirs.push(dir);
  list = join(dir, 'smartcard_list.txt');
  index = join(dir, 'cache', 'pcsc', 'atr-list.index');
  writeFileSync(list, LIST);
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What the compiled list (the reference) finds in the list's text now. */
const reference = (text: string, a: string): unknown => compileAtrList(list, parseAtrList(text)).match(atr(a));

async function lookups(opts: { index?: string } = { index }): Promise<unknown[]> {
  const l = await openAtrListIndexed(list, opts);
  expect(l.file).toBe(list);
  return ATRS.map((a) => l.match(atr(a)));
}

describe('openAtrListIndexed', () => {
  it('finds what the compiled list finds, when it builds the index and when it reads it', async () => {
    const want = ATRS.map((a) => reference(LIST, a));
    expect(want.filter((m) => (m as unknown[]).length > 0).length).toBeGreaterThan(4);
    expect(existsSync(index)).toBe(false);
    expect(await lookups()).toEqual(want); // builds it
    expect(existsSync(index)).toBe(true);
    expect(await lookups()).toEqual(want); // reads it
    expect(readdirSync(join(dir, 'cache', 'pcsc'))).toEqual(['atr-list.index']); // no temporary file left
  });

  it('is in $XDG_CACHE_HOME/pcsc (else ~/.cache/pcsc)', () => {
    expect(atrListIndexPath({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/pcsc/atr-list.index');
    expect(atrListIndexPath({ HOME: '/home/u' })).toBe('/home/u/.cache/pcsc/atr-list.index');
  });

  it('a changed list is indexed again: its new entries are found, its old ones not', async () => {
    await lookups();
    const before = readFileSync(index, 'utf8');
    const changed = LIST.replace('\tFirst card « é »', '\tRenamed').concat('3B 99\n\tnew card\n');
    writeFileSync(list, changed);
    expect(await lookups()).toEqual(ATRS.map((a) => reference(changed, a)));
    expect(readFileSync(index, 'utf8')).not.toBe(before);
    expect(await lookups()).toEqual(ATRS.map((a) => reference(changed, a)));
  });

  it('the same size and a different time is a different list', async () => {
    await lookups();
    const same = LIST.replace('First card', 'Other card');
    writeFileSync(list, same);
    utimesSync(list, new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await lookups()).toEqual(ATRS.map((a) => reference(same, a)));
  });

  it('a list changed between reading the index and the lookup: the list as it is now', async () => {
    await lookups();
    const l = await openAtrListIndexed(list, { index });
    const changed = LIST.replace('\tFirst card « é »', '\tChanged since');
    writeFileSync(list, changed);
    for (const a of ATRS) expect(l.match(atr(a))).toEqual(reference(changed, a));
  });

  it('a cache that cannot be written: the same matches, no error, no file', async () => {
    writeFileSync(join(dir, 'cache'), 'a file where the directory would be');
    const want = ATRS.map((a) => reference(LIST, a));
    expect(await lookups()).toEqual(want);
    expect(await lookups()).toEqual(want);
    expect(readdirSync(dir).sort()).toEqual(['cache', 'smartcard_list.txt']);
  });

  it('an index that is garbage, truncated, of another list or a directory: the same matches, and it is rebuilt', async () => {
    const want = ATRS.map((a) => reference(LIST, a));
    await lookups();
    const good = readFileSync(index, 'utf8');
    for (const bad of ['garbage', good.slice(0, good.length / 2), good.replace(list, join(dir, 'other.txt')), '']) {
      writeFileSync(index, bad);
      expect(await lookups()).toEqual(want);
      expect(readFileSync(index, 'utf8')).toBe(good);
    }
    // A span that does not point at its pattern: the list is read whole.
    writeFileSync(index, good.replace(/^(3B 02 14 50\t)\d+/m, '$1' + '0'));
    expect(await lookups()).toEqual(want);
    rmSync(index);
    mkdirSync(index);
    expect(await lookups()).toEqual(want);
  });

  it('a list that is not UTF-8 is not indexed, and matches as before', async () => {
    const bytes = Buffer.concat([Buffer.from('3B 01\n\tbad \xff byte\n', 'latin1'), Buffer.from(LIST)]);
    writeFileSync(list, bytes);
    const text = bytes.toString('utf8');
    expect(await lookups()).toEqual(ATRS.map((a) => reference(text, a)));
    expect(existsSync(index)).toBe(false);
  });

  it('concurrent writers leave one whole index', async () => {
    const want = ATRS.map((a) => reference(LIST, a));
    const all = await Promise.all(Array.from({ length: 8 }, () => lookups()));
    for (const got of all) expect(got).toEqual(want);
    expect(readdirSync(join(dir, 'cache', 'pcsc'))).toEqual(['atr-list.index']);
    expect(await lookups()).toEqual(want);
  });

  it('matches what the compiled list matches, for any list and ATR (read from the index)', async () => {
    const pattern = atrPattern(4);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(pattern, { minLength: 1, maxLength: 10 }), fc.boolean(), async (patterns, crlf) => {
        const text = patterns
          .map((p, i) => `${p}\n\tcard ${i} é\n`)
          .join('\n')
          .replace(/\n/g, crlf ? '\r\n' : '\n');
        const file = join(dir, `list-${run}.txt`);
        const idx = join(dir, `index-${run++}`);
        writeFileSync(file, text);
        await openAtrListIndexed(file, { index: idx }); // builds
        const l = await openAtrListIndexed(file, { index: idx });
        const ref = compileAtrList(file, parseAtrList(text));
        // An ATR of each pattern's bytes ('.' as 0), and one that none was built from.
        const atrs = patterns.map((p) =>
          p
            .toUpperCase()
            .replace(/\.\*|[?()|]|\[0-9\]/g, '')
            .replace(/\./g, '0'),
        );
        for (const a of [...atrs.filter((x) => /^[0-9A-F]{2}( [0-9A-F]{2})*$/.test(x)), '3B 00 11'])
          expect(l.match(atr(a))).toEqual(ref.match(atr(a)));
      }),
      { numRuns: 60 },
    );
  });
});
