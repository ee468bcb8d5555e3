import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shq } from '../../../../src/core/doctor/checks/util.js';

describe('shq', () => {
  it('leaves plain words alone and quotes the rest so the shell reads one word back', () => {
    expect(shq('/run/pcscd/pcscd.comm')).toBe('/run/pcscd/pcscd.comm');
    for (const w of ['/home/John Doe/.gnupg/scdaemon.conf', "it's", '$(reboot)', 'a;b', '']) {
      const echoed = execFileSync('sh', ['-c', `printf '%s' ${shq(w)}`], { encoding: 'utf8' });
      expect(echoed).toBe(w);
    }
  });
});
