// pcscd's binary as the checks see it: the whole picture (pcscdBinary: --version, --help, the
// package) and the part udev-check needs (pcscdProgram, pcscdVersion), which starts only
// `pcscd --version` unless that names no release.

import { afterEach, describe, expect, it } from 'vitest';
import { pcscdBinary, pcscdProgram, pcscdVersion } from '../../../src/core/system/pcscd-info.js';
import type { SystemProbe } from '../../../src/core/system/types.js';
import { dispose, ok, probeFor, scenario, withPcscd, type Scenario } from '../../helpers/doctor-fixture.js';

let s: Scenario | undefined;
afterEach(async () => {
  await dispose(s);
  s = undefined;
});

/** The probe, and the programs it started, as "cmd arg…". */
function counted(sc: Scenario): { probe: SystemProbe; ran: string[] } {
  const probe = probeFor(sc);
  const ran: string[] = [];
  const run = probe.run;
  probe.run = (cmd, args, o) => {
    ran.push([cmd, ...args].join(' '));
    return run(cmd, args, o);
  };
  return { probe, ran };
}

describe('pcscdProgram and pcscdVersion', () => {
  it('give what pcscdBinary gives, from `pcscd --version` alone', async () => {
    s = withPcscd(scenario(), '2.3.3', { pkgVersion: '2.3.3-1' });
    const { probe, ran } = counted(s);
    const program = await pcscdProgram(probe);
    expect(await pcscdVersion(probe)).toBe('2.3.3');
    expect(ran).toEqual(['/usr/sbin/pcscd --version']);
    const full = await pcscdBinary(probeFor(s));
    expect(program).toEqual({ paths: full.paths, path: full.path, version: full.version, features: full.features });
    expect(program.features).toContain('usbdropdir=/usr/lib/pcsc/drivers');
  });

  it("take the package's version when `pcscd --version` names none, as pcscdBinary does", async () => {
    s = withPcscd(scenario(), '2.3.3', { pkgVersion: '1:2.2.3-2' });
    s.run['/usr/sbin/pcscd --version'] = ok('usage: pcscd [options]\n');
    const { probe, ran } = counted(s);
    expect((await pcscdProgram(probe)).version).toBeUndefined();
    expect(await pcscdVersion(probe)).toBe('2.2.3');
    expect((await pcscdBinary(probe)).version).toBe('2.2.3');
    expect(ran.filter((r) => r.startsWith('/usr/sbin/pcscd --version'))).toHaveLength(1);
    expect(ran.some((r) => r.startsWith('dpkg-query'))).toBe(true);
  });

  it('find no binary and start nothing where pcscd is not installed', async () => {
    s = scenario();
    const { probe, ran } = counted(s);
    expect(await pcscdProgram(probe)).toEqual({ paths: [], features: [] });
    expect(ran).toEqual([]);
  });
});
