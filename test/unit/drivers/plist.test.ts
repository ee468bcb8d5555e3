// The plist parser's edges (src/core/drivers/plist.ts): entities, white space between elements,
// and the longest tag it takes (200 characters, attributes included).

import { describe, expect, it } from 'vitest';
import { parsePlist } from '../../../src/core/drivers/plist.js';

describe('parsePlist', () => {
  it('decodes entities in keys and strings, and leaves text without them as it is', () => {
    expect(parsePlist('<plist><dict><key>a&amp;b</key><string>x &lt; y &#x41;&#66;</string></dict></plist>')).toEqual({
      'a&b': 'x < y AB',
    });
    expect(parsePlist('<plist><string> plain text </string></plist>')).toBe(' plain text ');
  });

  it('skips any white space between elements', () => {
    expect(
      parsePlist(
        '<?xml version="1.0"?>\n<plist>\n\t <array> <true/>\r\n<false></false> <integer> 5 </integer></array> </plist>',
      ),
    ).toEqual([true, false, 5]);
  });

  it('takes a tag of up to 200 characters and no longer', () => {
    const tag = (n: number): string => `<string ${'x'.repeat(n - 9)}>`;
    expect(tag(200)).toHaveLength(200);
    expect(parsePlist(`<plist>${tag(200)}a</string></plist>`)).toBe('a');
    expect(() => parsePlist(`<plist>${tag(201)}a</string></plist>`)).toThrow(/^expected a tag at offset 7$/);
  });

  it('names what is wrong', () => {
    expect(() => parsePlist('junk')).toThrow(/^expected a tag at offset 0$/);
    expect(() => parsePlist('<plist><dict><key>k</key></dict></plist>')).toThrow(/unexpected <\/dict>/);
  });
});
