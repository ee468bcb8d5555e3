// Table and property tests of the OpenSSH pattern-list matcher used for ssh-agent's -P.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  matchPattern,
  matchPatternList,
  splitPatternList,
  DEFAULT_ALLOWED_PROVIDERS,
} from '../../../src/core/ssh/match.js';

// An independent oracle: the glob as a JS regular expression over bytes (latin1 keeps 1 char = 1 byte).
function oracle(subject: string, pattern: string): boolean {
  const s = Buffer.from(subject, 'utf8').toString('latin1');
  const p = Buffer.from(pattern, 'utf8').toString('latin1');
  const re = p
    .split('')
    .map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`).test(s);
}

describe('matchPattern', () => {
  const table: [string, string, boolean][] = [
    ['/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so', '/usr/lib*/*', true],
    ['/usr/lib64/pkcs11/libykcs11.so', '/usr/lib*/*', true],
    ['/usr/libexec/p11.so', '/usr/lib*/*', true],
    ['/usr/lib', '/usr/lib*/*', false],
    ['/usr/lib/', '/usr/lib*/*', true],
    ['/opt/homebrew/lib/libykcs11.dylib', '/usr/lib*/*', false],
    ['/usr/local/Cellar/opensc/0.25/lib/opensc-pkcs11.so', '/usr/local/lib*/*', false],
    ['/a/b/c', '/a/*', true], // "*" crosses "/"
    ['/a/b', '/a/?', true],
    ['/a/bc', '/a/?', false],
    ['/a/', '/a/?', false],
    ['/A/b', '/a/*', false], // case-sensitive
    ['', '', true],
    ['/x', '', false],
    ['', '*', true],
    ['abc', '***', true],
    ['abc', 'a**c', true],
    ['abc', 'a*?*c', true],
    ['ac', 'a*?*c', false],
    ['a*c', 'a[*]c', false], // no character classes
    ['a[b]c', 'a[b]c', true],
    ['a\\b', 'a\\b', true], // no escaping
    ['/é/x', '/?/x', false], // "?" is one byte, é is two
    ['/é/x', '/??/x', true],
  ];
  it.each(table)('%j against %j → %s', (s, p, want) => {
    expect(matchPattern(s, p)).toBe(want);
  });

  it('agrees with a regular-expression oracle on random paths and patterns', () => {
    const alpha = fc.constantFrom('a', 'b', '/', '.', '*', '?', 'é', ' ');
    const str = fc.array(alpha, { maxLength: 14 }).map((a) => a.join(''));
    fc.assert(
      fc.property(str, str, (s, p) => matchPattern(s.replace(/[*?]/g, 'x'), p) === oracle(s.replace(/[*?]/g, 'x'), p)),
      { numRuns: 3000 },
    );
  });

  it('a literal pattern matches itself and nothing longer or shorter', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }).map((s) => s.replace(/[*?]/g, '_')),
        fc.string({ minLength: 1, maxLength: 3 }),
        (s, extra) => {
          return (
            matchPattern(s, s) && !matchPattern(s + extra, s) && (s.length === 0 || !matchPattern(s.slice(0, -1), s))
          );
        },
      ),
    );
  });

  it('"*" + suffix matches exactly the strings ending in that suffix', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 6 }).map((s) => s.replace(/[*?]/g, '_')),
        (s, suffix) => {
          return matchPattern(s, '*' + suffix) === s.endsWith(suffix);
        },
      ),
    );
  });

  it('stays fast on patterns that blow up naive backtracking', () => {
    const s = 'a'.repeat(5000);
    expect(matchPattern(s, '*a'.repeat(200) + 'b')).toBe(false);
  });
});

describe('splitPatternList', () => {
  it('keeps spaces, one "!" per sub-pattern, and drops a trailing comma', () => {
    expect(splitPatternList('/a/*, /b/*,!!c,,')).toEqual([
      { raw: '/a/*', pattern: '/a/*', negated: false, bytes: 4 },
      { raw: ' /b/*', pattern: ' /b/*', negated: false, bytes: 5 },
      { raw: '!!c', pattern: '!c', negated: true, bytes: 2 },
      { raw: '', pattern: '', negated: false, bytes: 0 },
    ]);
    expect(splitPatternList('')).toEqual([]);
  });
});

describe('matchPatternList', () => {
  const lib = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
  const table: [string, string, 1 | 0 | -1, string | null][] = [
    [lib, DEFAULT_ALLOWED_PROVIDERS, 1, '/usr/lib*/*'],
    ['/usr/local/lib/libykcs11.so', DEFAULT_ALLOWED_PROVIDERS, 1, '/usr/local/lib*/*'],
    ['/opt/lib/p.so', DEFAULT_ALLOWED_PROVIDERS, 0, null],
    ['/opt/lib/p.so', '/usr/lib/*, /opt/lib/*', 0, null], // the space is part of the pattern
    ['/opt/lib/p.so', '/usr/lib/*,/opt/lib/*', 1, '/opt/lib/*'],
    [lib, '!/usr/lib/x86_64-linux-gnu/*,/usr/lib*/*', -1, '!/usr/lib/x86_64-linux-gnu/*'],
    [lib, '/usr/lib*/*,!/usr/lib/x86_64-linux-gnu/*', -1, '!/usr/lib/x86_64-linux-gnu/*'], // order does not save it
    [lib, '!/opt/*', 0, null], // only negations can never allow
    [lib, '!/opt/*,/usr/*', 1, '/usr/*'],
    [lib, '', 0, null],
    [lib, ',', 0, null],
    [lib, '/USR/LIB*/*', 0, null],
    [lib, '!!/usr/*,/usr/*', 1, '/usr/*'], // "!!x" negates the literal "!x"
  ];
  it.each(table)('%j in %j → %d', (s, list, result, by) => {
    const r = matchPatternList(s, list);
    expect(r.result).toBe(result);
    expect(r.allowed).toBe(result === 1);
    expect(r.decidedBy?.raw ?? null).toBe(by);
  });

  it('a sub-pattern of 1,023 bytes fails the whole list; 1,022 does not', () => {
    const ok = '/' + 'x'.repeat(1020) + '*';
    const bad = '/' + 'x'.repeat(1021) + '*';
    expect(Buffer.byteLength(ok)).toBe(1022);
    expect(matchPatternList('/xx', `/*,${ok}`).result).toBe(1);
    const r = matchPatternList('/xx', `/*,${bad}`);
    expect(r).toMatchObject({ result: 0, reason: 'too-long', allowed: false });
    expect(r.decidedBy?.index).toBe(1);
    // counted in bytes, after the "!": 511 two-byte characters + "*" = 1,023 bytes
    expect(matchPatternList('/x', `!${'é'.repeat(511)}*,/*`).reason).toBe('too-long');
    // a negation that refuses before the long one still refuses
    expect(matchPatternList('/xx', `!/x*,${bad}`).result).toBe(-1);
  });

  it('explains near misses: spaces, case, no wildcard, relative patterns', () => {
    const notesOf = (s: string, list: string) =>
      matchPatternList(s, list)
        .subPatterns.flatMap((p) => p.notes)
        .join('\n');
    expect(notesOf('/opt/p.so', '/usr/*, /opt/*')).toMatch(/whitespace[\s\S]*would match/);
    expect(notesOf('/Opt/p.so', '/opt/*')).toMatch(/letter case/);
    expect(notesOf('/opt/lib/p.so', '/opt/lib')).toMatch(/"\/opt\/lib\/\*" would cover/);
    expect(notesOf('/opt/lib/p.so', 'opt/*')).toMatch(/not absolute/);
    expect(notesOf('/opt/lib/p.so', '/a,,/b')).toMatch(/empty/);
  });

  it('negation property: "!X,*" refuses exactly the paths X matches, and "*" alone allows all', () => {
    const seg = fc.array(fc.constantFrom('a', 'b', '/', '*', '?'), { maxLength: 8 }).map((a) => a.join(''));
    const path = fc.array(fc.constantFrom('a', 'b', '/'), { maxLength: 10 }).map((a) => '/' + a.join(''));
    fc.assert(
      fc.property(seg, path, (x, p) => {
        const r = matchPatternList(p, `!${x},*`);
        return r.allowed === !matchPattern(p, x) && matchPatternList(p, '*').allowed;
      }),
    );
  });

  it('positive sub-patterns commute; the result equals "any positive and no negative matches"', () => {
    const seg = fc.array(fc.constantFrom('a', '/', '*', '?'), { minLength: 1, maxLength: 6 }).map((a) => a.join(''));
    const item = fc.tuple(fc.boolean(), seg);
    const path = fc.array(fc.constantFrom('a', 'b', '/'), { maxLength: 8 }).map((a) => '/' + a.join(''));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 5 }), path, (items, p) => {
        const list = items.map(([neg, s]) => (neg ? '!' : '') + s).join(',');
        const anyNeg = items.some(([neg, s]) => neg && matchPattern(p, s));
        const anyPos = items.some(([neg, s]) => !neg && matchPattern(p, s));
        const want = anyNeg ? -1 : anyPos ? 1 : 0;
        const reversed = [...items]
          .reverse()
          .map(([neg, s]) => (neg ? '!' : '') + s)
          .join(',');
        return matchPatternList(p, list).result === want && matchPatternList(p, reversed).result === want;
      }),
    );
  });
});
