// Quoting of fix commands (src/core/system/service.ts): the shell must read back the same word.
import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shq } from '../../../src/core/system/service.js';

describe('shq', () => {
  it('leaves plain words alone and quotes the rest so the shell reads one word back', () => {
    expect(shq('/run/pcscd/pcscd.comm')).toBe('/run/pcscd/pcscd.comm');
    for (const w of ['/home/John Doe/.gnupg/scdaemon.conf', "it's", '$(reboot)', 'a;b', '']) {
      const echoed = execFileSync('sh', ['-c', `printf '%s' ${shq(w)}`], { encoding: 'utf8' });
      expect(echoed).toBe(w);
    }
  });

  it('survives /bin/sh for any string', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }).filter((s) => !s.includes('\0')),
        (s) => spawnSync('/bin/sh', ['-c', `printf %s ${shq(s)}`], { encoding: 'utf8' }).stdout === s,
      ),
      { numRuns: 150 },
    );
  });
});
