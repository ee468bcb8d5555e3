// Where the client looks for pcscd (docs/protocol.md#where-pcscd-listens): the option, then
// PCSCLITE_CSOCK_NAME (cut to 107 bytes as libpcsclite does), then /run/pcscd/pcscd.comm, then
// /var/run/pcscd/pcscd.comm.

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SOCKET,
  LEGACY_SOCKET,
  MAX_SOCKET_PATH,
  resolveSocketPath,
} from '../../../src/core/pcscd/socket-path.js';

const only =
  (...present: string[]) =>
  (p: string): boolean =>
    present.includes(p);

describe('resolveSocketPath', () => {
  it('an explicit path wins over the environment', () => {
    expect(resolveSocketPath({ path: '/tmp/x.sock', env: { PCSCLITE_CSOCK_NAME: '/tmp/y' } }, only())).toEqual({
      path: '/tmp/x.sock',
      source: 'option',
    });
  });

  it('PCSCLITE_CSOCK_NAME, truncated to sizeof(sun_path) - 1 = 107 bytes', () => {
    expect(resolveSocketPath({ env: { PCSCLITE_CSOCK_NAME: '/tmp/y' } }, only())).toEqual({
      path: '/tmp/y',
      source: 'env',
    });
    const long = '/tmp/' + 'a'.repeat(200);
    expect(MAX_SOCKET_PATH).toBe(107);
    expect(resolveSocketPath({ env: { PCSCLITE_CSOCK_NAME: long } }, only()).path).toBe(long.slice(0, 107));
  });

  it('an empty PCSCLITE_CSOCK_NAME counts as unset', () => {
    expect(resolveSocketPath({ env: { PCSCLITE_CSOCK_NAME: '' } }, only(DEFAULT_SOCKET)).source).toBe('default');
  });

  it('/run/pcscd/pcscd.comm, or /var/run/pcscd/pcscd.comm when only that exists', () => {
    expect(DEFAULT_SOCKET).toBe('/run/pcscd/pcscd.comm');
    expect(LEGACY_SOCKET).toBe('/var/run/pcscd/pcscd.comm');
    expect(resolveSocketPath({ env: {} }, only(DEFAULT_SOCKET, LEGACY_SOCKET))).toEqual({
      path: DEFAULT_SOCKET,
      source: 'default',
    });
    expect(resolveSocketPath({ env: {} }, only(LEGACY_SOCKET))).toEqual({ path: LEGACY_SOCKET, source: 'legacy' });
    // Neither exists: the default, so that the error names the usual path.
    expect(resolveSocketPath({ env: {} }, only())).toEqual({ path: DEFAULT_SOCKET, source: 'default' });
  });
});
