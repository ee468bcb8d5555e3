// Terminal escaping of text from outside (src/cli/escape.ts): every control character made
// visible in a value; whole styled lines keep newlines and colours and nothing else.

import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { termSafe } from '../../../src/cli/escape.js';

describe('termSafe', () => {
  it.each([
    ['a window title', 'Reader\u001b]0;pwned\u0007 00', 'Reader\\e]0;pwned\\x07 00'],
    ['clear screen', '\u001b[2J\u001b[H', '\\e[2J\\e[H'],
    ['a newline in a path', '/tmp/a\nb', '/tmp/a\\nb'],
    ['CR, tab, DEL', 'a\rb\tc\u007f', 'a\\rb\\tc\\x7F'],
    ['a one-character CSI (C1)', 'x\u009b2Jy', 'x\\x9B2Jy'],
    ['bidi overrides', 'abc\u202edcba\u2066', 'abc\\u202Edcba\\u2066'],
    ['plain text and non-ASCII letters are kept', 'Lecteur « é » 00 00', 'Lecteur « é » 00 00'],
  ])('escapes %s', (_what, text, out) => {
    expect(termSafe(text)).toBe(out);
  });

  it('styled: keeps newlines and SGR colours, escapes every other sequence', () => {
    const red = new Chalk({ level: 1 }).red('FAIL');
    expect(termSafe(`${red} a\nb`, { styled: true })).toBe(`${red} a\nb`);
    expect(termSafe('x\u001b]52;c;ZXZpbA==\u0007y\u001b[2J', { styled: true })).toBe('x\\e]52;c;ZXZpbA==\\x07y\\e[2J');
  });
});
