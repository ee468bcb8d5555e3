import { describe, expect, it } from 'vitest';
import { atrListCacheDir } from '../../src/core/atr-list/index.js';
import { userCacheDir } from '../../src/core/user-cache.js';

describe('userCacheDir', () => {
  it('takes an absolute $XDG_CACHE_HOME', () => {
    expect(userCacheDir({ HOME: '/h', XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache');
  });

  it('ignores a relative or empty $XDG_CACHE_HOME, as the XDG spec says', () => {
    expect(userCacheDir({ HOME: '/h', XDG_CACHE_HOME: 'rel/cache' })).toBe('/h/.cache');
    expect(userCacheDir({ HOME: '/h', XDG_CACHE_HOME: '' })).toBe('/h/.cache');
    expect(userCacheDir({ HOME: '/h' })).toBe('/h/.cache');
  });

  it('is where the ATR list is saved (pcsc/atr-list keeps atrListCacheDir)', () => {
    for (const env of [{ HOME: '/h' }, { HOME: '/h', XDG_CACHE_HOME: '/x' }]) {
      expect(atrListCacheDir(env)).toBe(userCacheDir(env));
    }
  });
});
