// The nearest word to a typo (src/cli/suggest.ts).
import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from '../../../src/cli/suggest.js';

const COMMANDS = ['apdu', 'atr', 'completion', 'doctor', 'scan', 'spy', 'ssh-check', 'udev-check', 'version'];

describe('nearest', () => {
  it('a swapped pair of letters is one edit', () => {
    expect(editDistance('scna', 'scan')).toBe(1);
    expect(editDistance('jsno', 'json')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it.each([
    ['scna', 'scan'],
    ['doctr', 'doctor'],
    ['verison', 'version'],
    ['udev', 'udev-check'],
    ['complet', 'completion'],
  ])('%s → %s', (typo, want) => {
    expect(nearest(typo, COMMANDS)).toBe(want);
  });

  it('nothing near, or two equally near: no suggestion', () => {
    expect(nearest('frobnicate', COMMANDS)).toBeUndefined();
    expect(nearest('spa', ['spy', 'spa2', 'sap'])).toBeUndefined();
    expect(nearest('s', COMMANDS)).toBeUndefined();
  });
});
