// The printed systemd units: the socket under %t in a 0700 directory, the service running this
// program by absolute path on the passed socket, and words quoted the way systemd reads them.

import { describe, expect, it } from 'vitest';
import { systemdUnits, unitWord } from '../../../src/core/proxy/systemd-units.js';

describe('systemd units', () => {
  it('listen at %t/pcsc-proxy/pcscd.comm, 0600 in a 0700 directory, wanted by sockets.target', () => {
    const u = systemdUnits(['/usr/bin/node', '/opt/pcsc/bin/run.js'], '/run/pcscd/pcscd.comm');
    expect(u.socket.file).toBe('pcsc-proxy.socket');
    expect(u.socket.text).toContain(
      '\n[Socket]\nListenStream=%t/pcsc-proxy/pcscd.comm\nSocketMode=0600\nDirectoryMode=0700\n',
    );
    expect(u.socket.text).toContain('\n[Install]\nWantedBy=sockets.target\n');
    expect(u.service.text).toContain(
      '\nExecStart=/usr/bin/node /opt/pcsc/bin/run.js proxy --listen %t/pcsc-proxy/pcscd.comm --upstream /run/pcscd/pcscd.comm\n',
    );
    expect(u.service.text).toContain('\nRequires=pcsc-proxy.socket\nAfter=pcsc-proxy.socket\n');
  });
  it('carry more proxy flags into ExecStart (--client-slots 48 for clients built with 48 slots)', () => {
    const u = systemdUnits(['/usr/bin/node', '/opt/pcsc/bin/run.js'], '/run/pcscd/pcscd.comm', [
      '--client-slots',
      '48',
    ]);
    expect(u.service.text).toContain(
      '\nExecStart=/usr/bin/node /opt/pcsc/bin/run.js proxy --listen %t/pcsc-proxy/pcscd.comm --upstream /run/pcscd/pcscd.comm --client-slots 48\n',
    );
  });
  it('quote words with spaces, and double % and $ so systemd takes them literally', () => {
    expect(unitWord('/home/a b/run.js')).toBe('"/home/a b/run.js"');
    expect(unitWord('/srv/100%/p$x')).toBe('"/srv/100%%/p$$x"');
    expect(unitWord('/x/"q"\\')).toBe('"/x/\\"q\\"\\\\"');
    expect(unitWord('/usr/bin/node')).toBe('/usr/bin/node');
  });
});
