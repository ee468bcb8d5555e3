// The --reader rule (README): all digits is an index, anything else a case-insensitive part of the
// name; a part matching several readers is a usage error that lists them.

import { describe, expect, it } from 'vitest';
import { PcscError, UsageError } from '../../../src/core/errors.js';
import { selectReader } from '../../../src/core/pcsc/select-reader.js';

const READERS = ['Yubico YubiKey OTP+FIDO+CCID 00 00', 'Virtual PCD 00 00', 'Virtual PCD 00 01', '2 Factor 00 00'];

describe('selectReader', () => {
  it('an empty or blank spec is a usage error, not "every reader"', () => {
    expect(() => selectReader(READERS, '')).toThrow(UsageError);
    expect(() => selectReader(READERS, '  ')).toThrow(/an empty reader name would match every reader/);
  });

  it('a number past 2^53 is quoted as written', () => {
    expect(() => selectReader(READERS, '99999999999999999999')).toThrow(/: no reader number 99999999999999999999 \(/);
  });

  it('digits: an index, even when a name contains the digits', () => {
    expect(selectReader(READERS, '2')).toBe('Virtual PCD 00 01');
    expect(selectReader(READERS, '0')).toBe(READERS[0]);
    const e = (() => {
      try {
        return selectReader(READERS, '7');
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(PcscError);
    expect((e as PcscError).scardName).toBe('SCARD_E_UNKNOWN_READER');
    expect((e as PcscError).message).toContain('3: 2 Factor 00 00');
  });

  it('a name part, case-insensitive; an exact name wins over being a part of others', () => {
    expect(selectReader(READERS, 'yubikey')).toBe(READERS[0]);
    expect(selectReader(READERS, 'PCD 00 01')).toBe('Virtual PCD 00 01');
    expect(selectReader(['Reader', 'Reader 2'], 'Reader')).toBe('Reader');
  });

  it('a part of several names is a usage error listing them with their numbers', () => {
    const e = (() => {
      try {
        return selectReader(READERS, 'virtual');
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message).toContain('1: Virtual PCD 00 00, 2: Virtual PCD 00 01');
  });

  it('no match, or no reader at all: typed PC/SC errors', () => {
    expect(() => selectReader(READERS, 'gemalto')).toThrow(/SCARD|Unknown reader/);
    const e = (() => {
      try {
        return selectReader([], '0');
      } catch (x) {
        return x;
      }
    })();
    expect((e as PcscError).scardName).toBe('SCARD_E_NO_READERS_AVAILABLE');
  });
});
