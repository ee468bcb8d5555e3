import { afterAll, describe, expect, it } from 'vitest';
import { createProbe } from '../../../src/core/system/probe.js';
import { allRules, loadRulesFiles } from '../../../src/core/udev/rules-files.js';
import { fixtureTree } from '../../helpers/fixture-tree.js';

const t = fixtureTree()
  .file('/usr/lib/udev/rules.d/92-libccid.rules', 'SUBSYSTEM=="usb", GROUP="vendor"\n')
  .file('/etc/udev/rules.d/92-libccid.rules', 'SUBSYSTEM=="usb", GROUP="pcscd"\n')
  .file('/usr/lib/udev/rules.d/50-udev-default.rules', 'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", MODE="0664"\n')
  .file('/usr/lib/udev/rules.d/60-masked.rules', 'SUBSYSTEM=="usb", GROUP="masked"\n')
  .link('/etc/udev/rules.d/60-masked.rules', '/dev/null')
  .file('/run/udev/rules.d/99-run.rules', 'SUBSYSTEM=="usb", TAG+="run"\n')
  .file('/usr/lib/udev/rules.d/README', 'not a rules file')
  .link('/lib', 'usr/lib');
afterAll(() => t.remove());

describe('udev rules files', () => {
  it('sorts by name across directories, lets /etc replace /usr/lib, honours /dev/null masks, reads /lib once', async () => {
    const files = await loadRulesFiles(createProbe({ root: t.root }));
    expect(files.map((f) => [f.name, f.path, f.masked])).toEqual([
      ['50-udev-default.rules', '/usr/lib/udev/rules.d/50-udev-default.rules', false],
      ['60-masked.rules', '/etc/udev/rules.d/60-masked.rules', true],
      ['92-libccid.rules', '/etc/udev/rules.d/92-libccid.rules', false],
      ['99-run.rules', '/run/udev/rules.d/99-run.rules', false],
    ]);
    expect(files[2]?.overrides).toEqual(['/usr/lib/udev/rules.d/92-libccid.rules']);
    expect(allRules(files).map((r) => r.file)).toEqual([
      '/usr/lib/udev/rules.d/50-udev-default.rules',
      '/etc/udev/rules.d/92-libccid.rules',
      '/run/udev/rules.d/99-run.rules',
    ]);
  });
});
