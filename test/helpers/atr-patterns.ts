// fast-check generators of ATR list patterns (whole-ATR regular expressions as the list writes them:
// bytes, `..`, half-known bytes, classes, optional bytes, `.*`, alternatives), for the property
// tests of the list and of its index (test/unit/atr-list/).
import fc from 'fast-check';

const byte = fc.integer({ min: 0, max: 255 }).map((b) => b.toString(16).toUpperCase().padStart(2, '0'));

/** One token of a pattern. */
export const patternToken = fc.oneof(
  byte,
  byte.map((b) => b.toLowerCase()),
  fc.constant('..'),
  byte.map((b) => `${b[0]}.`),
  byte.map((b) => `${b[0]}[0-9]`),
  byte.map((b) => `${b}?`),
  fc.constant('.*'),
  fc.tuple(byte, byte).map(([x, y]) => `(${x}|${y})`),
);

/** A pattern of 1 to `maxTokens` tokens, space-separated. */
export const atrPattern = (maxTokens: number): fc.Arbitrary<string> =>
  fc.array(patternToken, { minLength: 1, maxLength: maxTokens }).map((t) => t.join(' '));
