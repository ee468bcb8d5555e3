// The wsl.usbip check in fixture systems: WSL 1 and 2 (from /proc/version, WSL_DISTRO_NAME), a
// reader attached by usbipd-win (its sysfs path under vhci_hcd), with and without systemd (udevd),
// pcscd started before or after the attach (/proc/PID/stat's start time against the node's
// time), and a node pcscd's user cannot open.

import { afterEach, describe, expect, it } from 'vitest';
import {
  dispose,
  runCheck,
  scenario,
  withInitScript,
  withLibccid,
  withPcscd,
  withRootAccounts,
  withSystemdPcscdUser,
  withUsbDevice,
  type Scenario,
} from '../../../helpers/doctor-fixture.js';
import { detectWsl } from '../../../../src/core/system/wsl.js';
import { createProbe } from '../../../../src/core/system/probe.js';

let s: Scenario | undefined;
afterEach(async () => {
  await dispose(s);
  s = undefined;
});

const WSL2_VERSION =
  'Linux version 6.6.87.2-microsoft-standard-WSL2 (root@439a258ad544) (gcc (GCC) 11.2.0, GNU ld (GNU Binutils) 2.37) #1 SMP PREEMPT_DYNAMIC Thu Jun  5 18:30:46 UTC 2025\n';
const WSL1_VERSION =
  'Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) #4355-Microsoft Thu Apr 12 17:37:00 PST 2024\n';
const BOOT = 1_765_000_000; // btime, seconds
const PCSCD_PID = 312;

/** /proc/PID/stat with the start time (field 22) `ticks` after boot (USER_HZ 100). */
const procStat = (pid: number, ticks: number): string =>
  `${pid} (pcscd) S 1 ${pid} ${pid} 0 -1 4194624 100 0 0 0 0 0 0 0 20 0 3 0 ${ticks} 10000000 300 18446744073709551615\n`;

/** WSL 2 (Ubuntu) with pcscd 2.0.3 and libccid; systemd (and udevd) or nothing. */
function wsl2(opts: { systemd: boolean }): Scenario {
  const sc = withLibccid(withPcscd(scenario(), '2.0.3'), '1.5.5', [
    ['0x1050', '0x0407', 'Yubico YubiKey OTP+FIDO+CCID'],
  ]);
  sc.tree.file('/proc/version', WSL2_VERSION).file('/proc/sys/kernel/osrelease', '6.6.87.2-microsoft-standard-WSL2\n');
  sc.tree.file('/proc/stat', `cpu  1 2 3 4\nbtime ${BOOT}\nprocesses 900\n`);
  sc.env.WSL_DISTRO_NAME = 'Ubuntu';
  if (opts.systemd) {
    withSystemdPcscdUser(sc);
    sc.processes.push(
      { pid: 1, argv: ['/sbin/init'], uid: 0 },
      { pid: 90, argv: ['/usr/lib/systemd/systemd-udevd'], uid: 0 },
    );
  } else {
    withInitScript(withRootAccounts(sc));
    sc.processes.push({ pid: 1, argv: ['/init'], uid: 0 });
  }
  return sc;
}

/** A YubiKey attached with `usbipd attach --wsl`: under vhci_hcd, its node made `secondsAfterBoot` in. */
function attachYubiKey(sc: Scenario, secondsAfterBoot: number, node: { mode?: number; gid?: number } = {}): string {
  return withUsbDevice(
    sc,
    {
      name: '1-1',
      vid: '1050',
      pid: '0407',
      devnum: 2,
      manufacturer: 'Yubico',
      product: 'YubiKey OTP+FIDO+CCID',
      controller: 'platform/vhci_hcd.0',
      interfaces: [{ cls: 3 }, { cls: 0x0b }],
    },
    { mode: node.mode ?? 0o664, gid: node.gid ?? 0, mtimeMs: (BOOT + secondsAfterBoot) * 1000 },
  );
}

/** pcscd running as `uid`, started `secondsAfterBoot` in. */
function pcscdStarted(sc: Scenario, secondsAfterBoot: number, uid = 0): void {
  sc.processes.push({ pid: PCSCD_PID, argv: ['/usr/sbin/pcscd'], uid });
  sc.tree.file(`/proc/${PCSCD_PID}/stat`, procStat(PCSCD_PID, secondsAfterBoot * 100));
}

describe('detectWsl', () => {
  const at = (files: Record<string, string>, env: Record<string, string> = {}): ReturnType<typeof detectWsl> => {
    s = scenario();
    for (const [p, t] of Object.entries(files)) s.tree.file(p, t);
    return detectWsl(createProbe({ root: s.tree.root, env }));
  };
  it('WSL 2 from the kernel, with the distribution from WSL_DISTRO_NAME', async () => {
    expect(await at({ '/proc/version': WSL2_VERSION }, { WSL_DISTRO_NAME: 'Debian' })).toEqual({
      version: 2,
      distro: 'Debian',
      kernel: '6.6.87.2-microsoft-standard-WSL2',
      evidence: '/proc/version',
    });
  });
  it("WSL 1's stand-in kernel", async () => {
    expect((await at({ '/proc/version': WSL1_VERSION }))?.version).toBe(1);
  });
  it("a WSL 2 user's own kernel (no Microsoft in it): WSL_DISTRO_NAME tells", async () => {
    const w = await at(
      { '/proc/version': 'Linux version 6.6.0-usbip (me@box) #1 SMP\n' },
      { WSL_DISTRO_NAME: 'Ubuntu' },
    );
    expect(w).toMatchObject({ version: 2, evidence: '$WSL_DISTRO_NAME' });
  });
  it('not WSL', async () => {
    expect(await at({ '/proc/version': 'Linux version 6.12.0-1-amd64 (debian-kernel@lists.debian.org)\n' })).toBeNull();
  });
});

describe('wsl.usbip', () => {
  it('is skipped outside WSL', async () => {
    s = scenario();
    const r = await runCheck(s, 'wsl.usbip');
    expect(r.status).toBe('skip');
    expect(r.summary).toBe('Not WSL');
  });

  it('WSL 1: no USB, and the conversion command (on Windows)', async () => {
    s = scenario();
    s.tree.file('/proc/version', WSL1_VERSION);
    s.env.WSL_DISTRO_NAME = 'Ubuntu';
    const r = await runCheck(s, 'wsl.usbip');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('WSL 1 (Ubuntu) has no USB: readers cannot be attached');
    expect(r.fix?.text).toContain('On Windows, in PowerShell: `wsl --set-version Ubuntu 2`');
  });

  it('WSL 2 with nothing attached: the usbipd commands, labelled for Windows', async () => {
    s = wsl2({ systemd: false });
    const r = await runCheck(s, 'wsl.usbip');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('WSL 2 (Ubuntu): no reader attached from Windows');
    expect(r.fix?.text).toContain('in an administrator PowerShell: `usbipd bind --busid BUSID`');
    expect(r.fix?.text).toContain('from any PowerShell: `usbipd attach --wsl --busid BUSID`');
    // Windows commands are not commands to run here.
    expect(r.fix?.commands).toBeUndefined();
    expect(r.data).toMatchObject({ windows: ['usbipd bind --busid BUSID', 'usbipd attach --wsl --busid BUSID'] });
  });

  describe('without systemd', () => {
    it('pcscd not running: its start command here, and how to get systemd', async () => {
      s = wsl2({ systemd: false });
      attachYubiKey(s, 60);
      const r = await runCheck(s, 'wsl.usbip');
      expect(r.status).toBe('fail');
      expect(r.summary).toBe('WSL 2 (Ubuntu): pcscd is not running');
      expect(r.fix?.commands).toEqual(['sudo service pcscd start']);
      expect(r.fix?.text).toContain(
        '"[boot]" and "systemd=true" in /etc/wsl.conf, then run `wsl --shutdown` on Windows',
      );
      expect(r.data).toMatchObject({
        init: 'none',
        udevd: false,
        pcscd: null,
        attached: [{ vid: '1050', pid: '0407', busPath: '1-1', node: '/dev/bus/usb/001/002' }],
      });
    });
    it('pcscd started before the attach: restart it (it never hears of the reader)', async () => {
      s = wsl2({ systemd: false });
      attachYubiKey(s, 600);
      pcscdStarted(s, 30);
      const r = await runCheck(s, 'wsl.usbip');
      expect(r.status).toBe('fail');
      expect(r.summary).toBe('WSL 2 (Ubuntu): pcscd started before the reader was attached');
      expect(r.fix?.commands).toEqual(['sudo service pcscd restart']);
      expect(r.fix?.text).toContain('after each `usbipd attach`');
      expect(r.data).toMatchObject({
        pcscd: { pid: PCSCD_PID, started: new Date((BOOT + 30) * 1000).toISOString() },
        attached: [{ since: new Date((BOOT + 600) * 1000).toISOString() }],
      });
    });
    it('pcscd started after the attach: passes', async () => {
      s = wsl2({ systemd: false });
      attachYubiKey(s, 30);
      pcscdStarted(s, 600);
      const r = await runCheck(s, 'wsl.usbip');
      expect(r.status).toBe('pass');
      expect(r.summary).toBe('WSL 2 (Ubuntu): 1 reader attached through usbip, visible to pcscd');
    });
    it('a pcscd that is not root and a root-only node: chgrp and chmod, to repeat after every attach', async () => {
      s = wsl2({ systemd: false });
      s.tree.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\npcscd:x:990:990::/:/usr/sbin/nologin\n');
      s.tree.file('/etc/group', 'root:x:0:\npcscd:x:990:\n');
      attachYubiKey(s, 30, { mode: 0o600 });
      pcscdStarted(s, 600, 990);
      const r = await runCheck(s, 'wsl.usbip');
      expect(r.status).toBe('fail');
      expect(r.summary).toBe("WSL 2 (Ubuntu): pcscd's user cannot open /dev/bus/usb/001/002");
      expect(r.fix?.commands).toEqual([
        'sudo chgrp pcscd /dev/bus/usb/001/002',
        'sudo chmod 0660 /dev/bus/usb/001/002',
      ]);
      expect(r.fix?.text).toContain('repeat this after each `usbipd attach`');
    });
  });

  describe('with systemd', () => {
    it('socket activation and udevd: a pcscd not running yet, or started before the attach, is fine', async () => {
      s = wsl2({ systemd: true });
      attachYubiKey(s, 600, { mode: 0o664, gid: 990 });
      const idle = await runCheck(s, 'wsl.usbip');
      expect(idle.status).toBe('pass');
      // The reader counts as attached through usbip (a pass for "not usbip" would be another summary).
      expect(idle.summary).toBe('WSL 2 (Ubuntu): 1 reader attached through usbip, visible to pcscd');
      expect(idle.data).toMatchObject({ init: 'systemd', udevd: true, pcscd: null, attached: [{ busPath: '1-1' }] });
      pcscdStarted(s, 30, 990);
      const r = await runCheck(s, 'wsl.usbip');
      expect(r.status).toBe('pass');
      expect(r.summary).toBe('WSL 2 (Ubuntu): 1 reader attached through usbip, visible to pcscd');
      expect(r.details).toContain('Init: systemd; udev daemon: running.');
    });
    it('a node udev did not give to pcscd: points at the rule', async () => {
      s = wsl2({ systemd: true });
      attachYubiKey(s, 30, { mode: 0o600 });
      pcscdStarted(s, 600, 990);
      const r = await runCheck(s, 'wsl.usbip');
      expect(r.status).toBe('fail');
      expect(r.fix?.text).toContain('the udev.node-access check prints it');
    });
  });
});
