import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  readerRulesText,
  runCheck,
  scenario,
  withLibccid,
  withPcscd,
  withRootAccounts,
  withSystemdPcscdUser,
  withUsbDevice,
  type FakeUsb,
  type Scenario,
} from '../../../helpers/doctor-fixture.js';
import { FakePcscd } from '../../../fakes/fake-pcscd.js';

let s: Scenario;
afterEach(() => s.tree.remove());

const TWIN: FakeUsb = {
  name: '1-2',
  vid: '08e6',
  pid: '3437',
  product: 'USB SmartCard Reader',
  manufacturer: 'Gemalto',
  interfaces: [{ cls: 0x0b }],
};
const RULES = '/usr/lib/udev/rules.d/92-libccid.rules';

/** pcsc-lite 2.4 under systemd as user pcscd (gid 990), libccid 1.8, and one CCID reader. */
function modern(node: Parameters<typeof withUsbDevice>[2], header: 'new' | 'old' = 'new', systemd = 257): Scenario {
  const sc = withLibccid(withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'), { systemd }), '1.8.2');
  sc.tree.file(RULES, readerRulesText(header));
  withUsbDevice(sc, TWIN, node);
  return sc;
}

describe('udev.readers', () => {
  it('finds a CCID-class reader and names its driver', async () => {
    s = modern({ gid: 990 });
    const r = await runCheck(s, 'udev.readers');
    expect(r.status).toBe('pass');
    expect(r.details).toEqual(['08e6:3437 Gemalto USB SmartCard Reader at 1-2 (CCID class, driver ifd-ccid.bundle)']);
  });
  it('finds a vendor-class reader through a bundle and ignores other devices', async () => {
    s = withLibccid(withPcscd(scenario(), '1.9.9'), '1.5.2', [['0x04E6', '0x5291', 'SCM SCL010']]);
    withUsbDevice(s, { name: '1-3', vid: '04e6', pid: '5291', interfaces: [{ cls: 0xff }] });
    withUsbDevice(s, { name: '1-4', vid: '046d', pid: 'c52b', devnum: 5, interfaces: [{ cls: 0x03 }] });
    const r = await runCheck(s, 'udev.readers');
    expect(r.status).toBe('pass');
    expect(r.data).toEqual({
      readers: [
        {
          name: 'SCM SCL010',
          vid: '04e6',
          pid: '5291',
          busPath: '1-3',
          node: '/dev/bus/usb/001/004',
          ccid: false,
          bundles: ['ifd-ccid.bundle'],
        },
      ],
    });
  });
  it('warns when no reader is plugged in', async () => {
    s = withPcscd(scenario(), '1.9.9');
    withUsbDevice(s, { name: '1-4', vid: '046d', pid: 'c52b', interfaces: [{ cls: 0x03 }] });
    const r = await runCheck(s, 'udev.readers');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('No USB smart card reader is plugged in');
    expect(r.fix?.commands).toEqual(['lsusb']);
  });
  it('says nothing to plug in when no USB bus is visible but pcscd lists usable readers (not applicable)', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.dir('/run/pcscd');
    const daemon = await FakePcscd.start({
      version: '1.9.9',
      path: `${s.tree.root}/run/pcscd/pcscd.comm`,
      readers: [{ name: 'Virtual PCD 00 00' }, { name: 'Virtual PCD 00 01' }],
    });
    try {
      const r = await runCheck(s, 'udev.readers');
      expect(r.status).toBe('skip');
      expect(r.summary).toBe("No USB reader here; pcscd's 2 readers are not on this USB");
      expect(r.fix ?? null).toBeNull();
    } finally {
      await daemon.stop();
    }
  });
});

describe('udev.node-access', () => {
  it('passes when the node is root:pcscd 0664 and names the rule line that set it', async () => {
    s = modern({ gid: 990, mode: 0o664 });
    const r = await runCheck(s, 'udev.node-access');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('pcscd (user pcscd) can open 1 reader');
    expect(r.details?.[0]).toBe(
      `Gemalto USB SmartCard Reader (08e6:3437): /dev/bus/usb/001/004 is root:pcscd 0664; GROUP="pcscd" comes from ${RULES}:5`,
    );
  });
  it('fails when pcscd runs as pcscd and the node is root:root, with the rule-writing fix', async () => {
    s = modern({ gid: 0, mode: 0o664 });
    const r = await runCheck(s, 'udev.node-access');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe(
      'pcscd (user pcscd) cannot open Gemalto USB SmartCard Reader (/dev/bus/usb/001/004 is root:root 0664)',
    );
    expect(r.details?.join('\n')).toContain('LIBUSB_ERROR_ACCESS');
    expect(r.details?.join('\n')).toContain('the rules give group pcscd on "add", but the node is root now');
    expect(r.fix?.commands).toEqual([
      'sudo pcsc udev-check --write /etc/udev/rules.d/93-pcsc-readers.rules',
      'sudo udevadm control --reload-rules',
      'sudo udevadm trigger --action=add --subsystem-match=usb --attr-match=idVendor=08e6',
    ]);
  });
  it('fails when the group is right but not writable', async () => {
    s = modern({ gid: 990, mode: 0o644 });
    expect((await runCheck(s, 'udev.node-access')).status).toBe('fail');
  });
  it('passes whatever the node when pcscd runs as root', async () => {
    s = withRootAccounts(withLibccid(withPcscd(scenario(), '1.9.9'), '1.5.2'));
    withUsbDevice(s, TWIN, { gid: 0, mode: 0o664 });
    const r = await runCheck(s, 'udev.node-access');
    expect(r.status).toBe('pass');
    // No pcscd runs: what it would do, not a fact about a running daemon.
    expect(r.summary).toBe('pcscd would run as root and can open 1 reader');
    s.processes = [{ pid: 321, argv: ['/usr/sbin/pcscd'], uid: 0 }];
    expect((await runCheck(s, 'udev.node-access')).summary).toBe('pcscd runs as root and can open 1 reader');
  });
  it('without pcscd, judges whether you can open the node (for --backend usb)', async () => {
    s = scenario();
    withRootAccounts(s);
    withUsbDevice(s, TWIN, { uid: 0, gid: 0, mode: 0o664 });
    const r = await runCheck(s, 'udev.node-access');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe(
      'pcscd is not installed, and you cannot open Gemalto USB SmartCard Reader (/dev/bus/usb/001/004 is root:root 0664)',
    );
    s.stats['/dev/bus/usb/001/004'] = { isCharDevice: true, uid: 1000, gid: 1000, mode: 0o600 };
    expect((await runCheck(s, 'udev.node-access')).summary).toBe(
      'pcscd is not installed; you can open 1 reader directly',
    );
  });
  it('fails when the device node is missing', async () => {
    s = modern(null);
    const r = await runCheck(s, 'udev.node-access');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('No device node for Gemalto USB SmartCard Reader');
  });
});

describe('udev.ignore', () => {
  it('passes when no rule sets PCSCLITE_IGNORE', async () => {
    s = modern({ gid: 990 });
    expect((await runCheck(s, 'udev.ignore')).status).toBe('pass');
  });
  it('warns when a rule hides the reader by its bus port, naming the line', async () => {
    s = modern({ gid: 990 });
    s.tree.file(
      '/etc/udev/rules.d/80-ignore.rules',
      '# hide port 1-2\nACTION!="remove|unbind", SUBSYSTEM=="usb", KERNEL=="1-2", ENV{PCSCLITE_IGNORE}="1"\n',
    );
    const r = await runCheck(s, 'udev.ignore');
    expect(r.status).toBe('warn');
    expect(r.details?.[0]).toBe(
      'Gemalto USB SmartCard Reader: PCSCLITE_IGNORE=1 set by /etc/udev/rules.d/80-ignore.rules:2',
    );
    expect(r.fix?.commands).toEqual([
      'sudoedit /etc/udev/rules.d/80-ignore.rules',
      'sudo udevadm control --reload-rules',
    ]);
  });
  it("also reads the property from udev's database", async () => {
    s = modern({ gid: 990 });
    s.tree.file('/run/udev/data/c189:3', 'E:ID_USB_INTERFACES=:0b0000:\nE:PCSCLITE_IGNORE=1\nG:seat\n');
    expect((await runCheck(s, 'udev.ignore')).summary).toContain('PCSCLITE_IGNORE=1');
  });
  it('passes when pcscd predates the property', async () => {
    s = withRootAccounts(withLibccid(withPcscd(scenario(), '1.9.9'), '1.5.2'));
    withUsbDevice(s, TWIN, { gid: 0 });
    s.tree.file('/etc/udev/rules.d/80-ignore.rules', 'KERNEL=="1-2", ENV{PCSCLITE_IGNORE}="1"\n');
    const r = await runCheck(s, 'udev.ignore');
    expect(r.status).toBe('pass');
    expect(r.summary).toContain('predates it');
  });
});

describe('udev.kernel-driver', () => {
  it('fails when pn533_usb owns an NFC reader, and unloads and blacklists it', async () => {
    s = withRootAccounts(withLibccid(withPcscd(scenario(), '1.9.9'), '1.5.2'));
    withUsbDevice(s, {
      name: '1-5',
      vid: '072f',
      pid: '2200',
      product: 'ACR122U PICC Interface',
      interfaces: [{ cls: 0x0b, driver: 'pn533_usb' }],
    });
    const r = await runCheck(s, 'udev.kernel-driver');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('ACR122U PICC Interface: the kernel driver pn533_usb is bound to interface 1-5:1.0');
    expect(r.fix?.commands).toEqual([
      'sudo modprobe -r pn533_usb pn533 nfc',
      "printf 'blacklist pn533_usb\\n' | sudo tee /etc/modprobe.d/pcsc-blacklist.conf",
    ]);
  });
  it('passes when pcscd itself holds the interface through usbfs', async () => {
    s = withRootAccounts(withLibccid(withPcscd(scenario(), '1.9.9'), '1.5.2'));
    const node = withUsbDevice(s, { ...TWIN, interfaces: [{ cls: 0x0b, driver: 'usbfs' }] });
    s.processes = [{ pid: 50, argv: ['/usr/sbin/pcscd', '--foreground'], uid: 0 }];
    s.tree.link('/proc/50/fd/7', node);
    const r = await runCheck(s, 'udev.kernel-driver');
    expect(r.status).toBe('pass');
  });
  it('fails when scdaemon holds the reader through its own driver', async () => {
    s = withRootAccounts(withLibccid(withPcscd(scenario(), '1.9.9'), '1.5.2'));
    const node = withUsbDevice(s, { ...TWIN, interfaces: [{ cls: 0x0b, driver: 'usbfs' }] });
    s.processes = [
      { pid: 77, argv: ['/usr/lib/gnupg/scdaemon', '--multi-server'], uid: 1000, exe: '/usr/lib/gnupg/scdaemon' },
    ];
    s.tree.link('/proc/77/fd/9', node);
    const r = await runCheck(s, 'udev.kernel-driver');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('Gemalto USB SmartCard Reader: interface 1-2:1.0 is claimed by scdaemon (pid 77)');
    expect(r.fix?.commands).toEqual(['gpgconf --kill scdaemon']);
  });
});

describe('udev.rule-header', () => {
  it('passes with the header of libccid 1.8', async () => {
    s = modern({ gid: 990 });
    const r = await runCheck(s, 'udev.rule-header');
    expect(r.status).toBe('pass');
  });
  it('warns about the pre-1.8 header that loses the group on change events', async () => {
    s = modern({ gid: 990 }, 'old');
    const r = await runCheck(s, 'udev.rule-header');
    expect(r.status).toBe('warn');
    expect(r.details?.[0]).toBe(
      'On "change" and "bind" events the rules skip GROUP="pcscd" (the header of libccid before 1.8.0), so the node goes back to root:root.',
    );
    expect(r.fix?.commands?.[0]).toContain(`sed -e 's/^ACTION!="add"/ACTION=="remove"/'`);
    expect(r.fix?.commands?.[0]).toContain('| sudo tee /etc/udev/rules.d/92-libccid.rules');
  });
  it('warns about upper-case IDs (libccid 1.7.0), which never match sysfs', async () => {
    s = modern({ gid: 990 });
    s.tree.file(RULES, readerRulesText('new', 'ATTRS{idVendor}=="04E6", ATTRS{idProduct}=="5291", GROUP="pcscd"'));
    const r = await runCheck(s, 'udev.rule-header');
    expect(r.status).toBe('warn');
    expect(r.details?.[0]).toContain(`1 line compare idVendor/idProduct in upper case (${RULES}:6)`);
  });
});

describe('pcscd.group', () => {
  it('passes for a system group', async () => {
    s = modern({ gid: 990 });
    const r = await runCheck(s, 'pcscd.group');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('The pcscd group exists (gid 990, a system group)');
  });
  it('fails when rules name a group that does not exist', async () => {
    s = modern({ gid: 0 });
    s.tree.file('/etc/group', 'root:x:0:\n');
    const r = await runCheck(s, 'pcscd.group');
    expect(r.status).toBe('fail');
    expect(r.details?.[0]).toContain(`(${RULES}:5)`);
    expect(r.fix?.commands?.[0]).toBe('sudo groupadd --system pcscd');
  });
  it('warns about a non-system group before systemd 258', async () => {
    s = modern({ gid: 1001 });
    s.tree.file('/etc/group', 'root:x:0:\npcscd:x:1001:\n');
    const r = await runCheck(s, 'pcscd.group');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('The pcscd group (gid 1001) is not a system group (system gids end at 999)');
  });
  it('fails for a non-system group under systemd 258, whose udev refuses it', async () => {
    s = modern({ gid: 1001 }, 'new', 258);
    s.tree.file('/etc/group', 'root:x:0:\npcscd:x:1001:\n');
    s.tree.file('/etc/login.defs', 'GID_MIN 1000\nSYS_GID_MAX 999\n');
    const r = await runCheck(s, 'pcscd.group');
    expect(r.status).toBe('fail');
    expect(r.details?.[0]).toContain('systemd 258 refuses it');
    // …and the node check then explains that udev dropped the line.
    const n = await runCheck(s, 'udev.node-access');
    expect(n.status).toBe('fail');
    expect(n.details?.join('\n')).toContain(
      'udev ignores this line: group "pcscd" (gid 1001) is not a system group, which systemd 258 refuses',
    );
  });
});

describe('the fix udev.rule-header prints', () => {
  it('turns an old-header, upper-case file into one that keeps the group and matches sysfs', async () => {
    s = modern({ gid: 990 }, 'old');
    s.tree.file(RULES, readerRulesText('old', 'ATTRS{idVendor}=="04E6", ATTRS{idProduct}=="5291", GROUP="pcscd"'));
    const r = await runCheck(s, 'udev.rule-header');
    const cmd = r.fix?.commands?.[0] ?? '';
    const [pipeline] = cmd.split(' | sudo tee ');
    // Run the printed sed on the fixture's copy of the file (our own command text, no user input).
    const fixed = execFileSync('sh', ['-c', (pipeline as string).replace(RULES, s.tree.root + RULES)], {
      encoding: 'utf8',
    });
    const { parseRules } = await import('../../../../src/core/udev/rules-parse.js');
    const { evaluateRules } = await import('../../../../src/core/udev/evaluate.js');
    const rules = parseRules(fixed, '/etc/udev/rules.d/92-libccid.rules');
    const dev = (vid: string, pid: string, itf: string) => ({
      kernel: '1-2',
      subsystem: 'usb',
      driver: 'usb',
      devpath: '/d',
      attrs: { idVendor: vid, idProduct: pid },
      env: { DEVTYPE: 'usb_device', ID_USB_INTERFACES: itf },
      parents: [],
    });
    expect(evaluateRules(rules, dev('08e6', '3437', ':0b0000:'), { action: 'change' }).group?.value).toBe('pcscd');
    expect(evaluateRules(rules, dev('04e6', '5291', ':ff0000:'), { action: 'add' }).group?.value).toBe('pcscd');
    expect(fixed).toContain('ATTRS{idVendor}=="04e6", ATTRS{idProduct}=="5291"');
  });
});
