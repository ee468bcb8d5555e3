// The doctor and udev-check commands end to end on fixture trees (--root), with Debian's real
// libccid udev rules and Info.plist copied from the installed package.

import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcsc, type CliResult } from '../../helpers/cli.js';
import { fixtureTree, type FixtureTree } from '../../helpers/fixture-tree.js';

const DEBIAN_RULES = '/lib/udev/rules.d/92-libccid.rules';
const DEBIAN_PLIST = '/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist';

const cli = (args: string[]): Promise<CliResult> => pcsc(args, { env: { ...process.env, NO_COLOR: '1' } });

/**
 * pcsc-lite 2.4 under systemd (pcscd runs as user pcscd) next to Debian 12's libccid 1.5.2, whose
 * rules set no group: the LIBUSB_ERROR_ACCESS situation. One CCID reader is plugged in.
 */
function accessProblem(): FixtureTree {
  for (const f of [DEBIAN_RULES, DEBIAN_PLIST])
    if (!existsSync(f)) throw new Error(`${f} is missing: apt-get install libccid`);
  const t = fixtureTree('pcsc-cli-');
  const gid = process.getgid?.() ?? 0;
  t.dir('/run/systemd/system');
  t.file('/usr/sbin/pcscd', '');
  t.file(
    '/usr/lib/systemd/system/pcscd.service',
    '[Service]\nExecStart=/usr/sbin/pcscd --foreground --auto-exit\nUser=pcscd\n',
  );
  t.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\npcscd:x:990:990::/:/usr/sbin/nologin\n');
  t.file('/etc/group', `${gid === 0 ? '' : 'root:x:0:\n'}devgrp:x:${gid}:\npcscd:x:990:\n`);
  mkdirSync(join(t.root, 'usr/lib/udev/rules.d'), { recursive: true });
  copyFileSync(DEBIAN_RULES, join(t.root, 'usr/lib/udev/rules.d/92-libccid.rules'));
  mkdirSync(join(t.root, dirname(DEBIAN_PLIST)), { recursive: true });
  copyFileSync(DEBIAN_PLIST, join(t.root, DEBIAN_PLIST));
  const dev = '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2';
  t.file(`${dev}/idVendor`, '08e6\n')
    .file(`${dev}/idProduct`, '3437\n')
    .file(`${dev}/busnum`, '1\n')
    .file(`${dev}/devnum`, '4\n');
  t.file(`${dev}/product`, 'USB SmartCard Reader\n').file(`${dev}/manufacturer`, 'Gemalto\n');
  t.file(`${dev}/1-2:1.0/bInterfaceClass`, '0b\n').file(`${dev}/1-2:1.0/bInterfaceNumber`, '00\n');
  t.link('/sys/bus/usb/devices/1-2', '../../../devices/pci0000:00/0000:00:14.0/usb1/1-2');
  t.file('/dev/bus/usb/001/004', '');
  chmodSync(join(t.root, 'dev/bus/usb/001/004'), 0o664);
  return t;
}

describe('pcsc udev-check on a fixture system with Debian’s libccid rules', () => {
  let t: FixtureTree;
  beforeAll(() => {
    t = accessProblem();
  });
  afterAll(() => t?.remove());

  it('finds the reader, says no rule sets its group, and exits 1', async () => {
    const r = await cli(['udev-check', '--root', t.root]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('Gemalto USB SmartCard Reader  08e6:3437  bus 1-2  /dev/bus/usb/001/004');
    expect(r.stdout).toMatch(/ {2}node: {4}\S+:devgrp 0664/);
    expect(r.stdout).toContain('  group:   no udev rule sets it');
    expect(r.stdout).toContain('  verdict: ✘ pcscd (user pcscd) cannot open it');
    // The fixture tree has no sudo, doas or su: the command is shown bare, to be run as root.
    expect(r.stdout).toContain('$ pcsc udev-check --write /etc/udev/rules.d/93-pcsc-readers.rules');
  });

  it('pcsc doctor shows the problems with their fixes, then one summary line (README.md)', async () => {
    const r = await cli(['doctor', '--root', t.root]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^ {2}✘ pcscd \(user pcscd\) cannot open Gemalto USB SmartCard Reader .*\[udev\.node-access\]$/m,
    );
    expect(r.stdout).toMatch(/^ {6}fix: Add a udev rule that gives the readers to group pcscd/m);
    // Passes and checks that cannot apply (macOS ones on Linux) only with --verbose.
    expect(r.stdout).not.toMatch(/^ {2}[✔-] /m);
    expect(r.stdout).not.toContain('Only on darwin');
    expect(r.stdout).toMatch(
      /\n\n\d+ checks passed, .*\d+ failed, .*\d+ not applicable; --verbose shows every check\n$/,
    );
    const v = await cli(['doctor', '--root', t.root, '--verbose']);
    expect(v.stdout).toMatch(/^ {2}- Only on darwin; this is linux \[macos\.ccid-driver\]$/m);
    expect(v.stdout).toMatch(/^ {2}✔ 1 reader \[udev\.readers\]$/m);
  });

  it('returns the readers and the checks as JSON', async () => {
    const r = await cli(['udev-check', '--root', t.root, '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as {
      ok: boolean;
      readers: { vid: string; group: string; rules: object; pcscdCanOpen: boolean }[];
      checks: { id: string; status: string }[];
    };
    expect(j.ok).toBe(false);
    expect(j.readers).toHaveLength(1);
    expect(j.readers[0]).toMatchObject({ vid: '08e6', group: 'devgrp', rules: {}, pcscdCanOpen: false });
    expect(j.checks.find((c) => c.id === 'udev.node-access')?.status).toBe('fail');
  });

  it('prints a rule for the reader with --print-rule', async () => {
    const r = await cli(['udev-check', '--root', t.root, '--print-rule']);
    expect(r.stdout).toContain('ATTR{idVendor}=="08e6", ATTR{idProduct}=="3437", GROUP="pcscd", MODE="0664"');
    expect(r.stdout).toContain('ACTION=="remove", GOTO="pcsc_readers_end"');
  });

  it('writes it only where told, never over a file without --force', async () => {
    mkdirSync(join(t.root, 'etc/udev/rules.d'), { recursive: true });
    const target = join(t.root, 'etc/udev/rules.d/out.rules');
    let r = await cli(['udev-check', '--root', t.root, '--write', target]);
    expect(r.stdout).toContain(
      `Wrote ${target}. Apply it: udevadm control --reload-rules && udevadm trigger --action=add --subsystem-match=usb --attr-match=idVendor=08e6\n`,
    );
    expect(readFileSync(target, 'utf8')).toContain('GROUP="pcscd"');
    // Another file by that name, whose rules do not cover the reader: replaced only with --force.
    writeFileSync(target, '# an older file\n');
    r = await cli(['udev-check', '--root', t.root, '--write', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pcsc: ${target} exists; add --force to replace it\n`);
    r = await cli(['udev-check', '--root', t.root, '--write', target, '--force']);
    expect(r.stdout).toContain(`Wrote ${target}.`);
    expect(readFileSync(target, 'utf8')).toContain('GROUP="pcscd"');
    rmSync(target);
  });
});

describe('pcsc udev-check --write: only a *.rules regular file, in a rules directory unless --force', () => {
  let t: FixtureTree;
  beforeAll(() => {
    t = accessProblem();
    mkdirSync(join(t.root, 'etc/udev/rules.d'), { recursive: true });
    execFileSync('mkfifo', [join(t.root, 'etc/udev/rules.d/fifo.rules')]);
    symlinkSync('/dev/null', join(t.root, 'etc/udev/rules.d/link.rules'));
  });
  afterAll(() => t?.remove());

  it.each([
    ['a device node', '/dev/null', /--write \/dev\/null: udev reads only files whose names end in \.rules/],
    ['a device node named .rules', 'DEV', /a character device is there, not a regular file/],
    ['a FIFO', 'etc/udev/rules.d/fifo.rules', /a FIFO \(named pipe\) is there, not a regular file/],
    ['a symlink', 'etc/udev/rules.d/link.rules', /a symbolic link is there, not a regular file/],
    ['a name without .rules', 'etc/udev/rules.d/93-pcsc', /udev reads only files whose names end in \.rules/],
    ['an empty name', '', /--write needs a file name/],
  ])('refuses %s, even with --force: exit 2, nothing written', async (_what, path, message) => {
    let target = path === '' || path.startsWith('/') ? path : join(t.root, path);
    if (path === 'DEV') {
      target = join(t.root, 'etc/udev/rules.d/null.rules');
      if (!existsSync(target)) execFileSync('mknod', [target, 'c', '1', '3']);
    }
    const r = await cli(['udev-check', '--root', t.root, '--write', target, '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(r.stdout).toBe('');
  });

  it('outside a rules directory only with --force; a file name with a newline is one line', async () => {
    const outside = join(t.root, 'elsewhere.rules');
    let r = await cli(['udev-check', '--root', t.root, '--write', outside]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not in a udev rules directory .* add --force to write it there anyway/);
    expect(existsSync(outside)).toBe(false);
    r = await cli(['udev-check', '--root', t.root, '--write', outside, '--force']);
    expect(r.stdout).toContain(`Wrote ${outside}.`);
    const odd = join(t.root, 'etc/udev/rules.d/a\nb.rules');
    r = await cli(['udev-check', '--root', t.root, '--write', odd]);
    const wrote = r.stdout.split('\n').filter((l) => l.startsWith('Wrote'));
    expect(wrote).toHaveLength(1);
    expect(wrote[0]?.startsWith(`Wrote ${join(t.root, 'etc/udev/rules.d/a\\nb.rules')}. Apply it: `)).toBe(true);
  });
});

describe('pcsc doctor', () => {
  it('lists its checks as JSON', async () => {
    const r = await cli(['doctor', '--list', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { checks: { id: string; category: string; dependsOn: string[] }[] };
    expect(j.checks.map((c) => c.id)).toContain('udev.node-access');
    expect(j.checks.find((c) => c.id === 'pcscd.protocol')?.dependsOn).toEqual(['pcscd.socket']);
  });

  it('refuses an unknown check id with exit 2 and one line', async () => {
    const r = await cli(['doctor', 'no.such.check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('pcsc: unknown check or category "no.such.check" (see the list with --list)\n');
  });

  it('runs a category on a fixture root and exits 0 with only warnings', async () => {
    const t = fixtureTree('pcsc-cli-');
    try {
      t.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\n')
        .file('/etc/group', 'root:x:0:\n')
        .dir('/sys/bus/usb/devices');
      const r = await cli(['doctor', '--root', t.root, '--category', 'udev']);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain('! No USB smart card reader is plugged in [udev.readers]');
      expect(r.stdout).toMatch(/\n\n2 checks passed, 1 warning, 4 not applicable; --verbose shows every check\n$/);
      // The passes and the not-applicable skips appear only with --verbose.
      expect(r.stdout).not.toMatch(/^ {2}[✔-] /m);
      const v = await cli(['doctor', '--root', t.root, 'udev', '--verbose']);
      expect(v.stdout).toMatch(/^ {2}- No USB reader to check \[udev\.node-access\]$/m);
      expect(v.stdout).toMatch(/^ {2}✔ .*\[udev\.rule-header\]$/m);
      expect(v.stdout).toMatch(/\n2 checks passed, 1 warning, 4 not applicable\n$/);
    } finally {
      t.remove();
    }
  });
});
