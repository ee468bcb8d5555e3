import { describe, expect, it } from 'vitest';
import { renderVersion } from '../../../src/cli/version/render.js';
import type { VersionResult } from '../../../src/cli/version/result.js';

const base: VersionResult = { version: '1.2.3', node: 'v20.1.0', platform: 'linux-arm64' };

describe('renderVersion', () => {
  it("is one line without --verbose, in oclif's user-agent form", () => {
    expect(renderVersion('pcsc', base)).toEqual(['pcsc/1.2.3 linux-arm64 node-v20.1.0']);
  });

  it("shows the protocol agreed, and the daemon's own version only when it differs", () => {
    expect(
      renderVersion('pcsc', {
        ...base,
        daemon: { protocol: '4:4', daemonVersion: '4:4', socket: '/s', source: 'default' },
      }),
    ).toEqual([
      'pcsc/1.2.3 linux-arm64 node-v20.1.0',
      'node:     v20.1.0 (linux-arm64)',
      'pcscd:    protocol 4:4',
      'socket:   /s (default)',
    ]);
    expect(
      renderVersion('pcsc', {
        ...base,
        daemon: { protocol: '4:4', daemonVersion: '4:5', socket: '/s', source: 'option' },
      }).slice(2),
    ).toEqual(['pcscd:    protocol 4:4 (the daemon says 4:5)', 'socket:   /s (from --socket)']);
  });

  it('says why no daemon answered and where the socket path came from', () => {
    expect(
      renderVersion('pcsc', {
        ...base,
        daemon: { error: 'PC/SC service (pcscd) not running (0x8010001D)', socket: '/x', source: 'env' },
      }).slice(2),
    ).toEqual([
      'pcscd:    not reachable: PC/SC service (pcscd) not running (0x8010001D)',
      'socket:   /x (from PCSCLITE_CSOCK_NAME)',
    ]);
    expect(
      renderVersion('pcsc', {
        ...base,
        daemon: { error: 'e', socket: '/var/run/pcscd/pcscd.comm', source: 'legacy' },
      })[3],
    ).toBe('socket:   /var/run/pcscd/pcscd.comm (legacy default)');
  });
});
