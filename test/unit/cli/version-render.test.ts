import { describe, expect, it } from 'vitest';
import { renderVersion } from '../../../src/cli/version/render.js';
import type { VersionResult } from '../../../src/cli/version/result.js';

const base: VersionResult = { version: '1.2.3', node: 'v20.1.0', platform: 'linux-arm64' };

describe('renderVersion', () => {
  it("is one line without --verbose, in oclif's user-agent form", () => {
    expect(renderVersion('pcsc', base)).toEqual(['pcsc/1.2.3 linux-arm64 node-v20.1.0']);
  });

  it('shows the pcscd release serving the socket and the protocol agreed, its own only when it differs', () => {
    const found = {
      protocol: '4:4',
      daemonProtocol: '4:4',
      daemonVersion: '2.0.3',
      pid: 812,
      binary: '/usr/sbin/pcscd',
      socket: '/s',
      source: 'default',
    } as const;
    expect(renderVersion('pcsc', { ...base, daemon: found })).toEqual([
      'pcsc/1.2.3 linux-arm64 node-v20.1.0',
      'node:     v20.1.0 (linux-arm64)',
      'pcscd:    2.0.3 (pid 812, /usr/sbin/pcscd)',
      'protocol: 4:4',
      'socket:   /s (default)',
    ]);
    expect(
      renderVersion('pcsc', {
        ...base,
        daemon: {
          ...found,
          daemonProtocol: '4:5',
          daemonVersion: null,
          daemonVersionUnknown: 'no pcscd process is seen holding the socket',
          pid: null,
          binary: null,
          source: 'option',
        },
      }).slice(2),
    ).toEqual([
      'pcscd:    release unknown: no pcscd process is seen holding the socket',
      'protocol: 4:4 (the daemon announces 4:5)',
      'socket:   /s (from --socket)',
    ]);
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
