// EstablishOptions.scope: SCARD_SCOPE_* by name, a number still accepted, an unknown name refused
// (a JavaScript caller has no type checker to stop 'sytem' from becoming an undefined dwScope).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { scopeValue } from '../../../src/core/pcscd/context.js';

describe('scopeValue', () => {
  it('sends each name as its SCARD_SCOPE_* value, system by default', () => {
    expect([scopeValue('user'), scopeValue('terminal'), scopeValue('system'), scopeValue('global')]).toEqual([
      0, 1, 2, 3,
    ]);
    expect(scopeValue(undefined)).toBe(2);
  });

  it('passes a number through as it is', () => {
    expect(scopeValue(3)).toBe(3);
    expect(scopeValue(7)).toBe(7);
  });

  it('refuses a name it does not know with a usage error, before anything is sent', () => {
    expect(() => scopeValue('sytem' as 'system')).toThrow(UsageError);
    expect(() => scopeValue('sytem' as 'system')).toThrow(/scope "sytem" is not one of user, terminal, system, global/);
  });
});
