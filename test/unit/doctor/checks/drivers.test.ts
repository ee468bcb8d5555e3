import { afterEach, describe, expect, it } from 'vitest';
import {
  readerRulesText,
  runCheck,
  scenario,
  withLibccid,
  withPcscd,
  withRootAccounts,
  withSystemdPcscdUser,
  type Scenario,
} from '../../../helpers/doctor-fixture.js';

let s: Scenario;
afterEach(() => s.tree.remove());

const RULES = '/usr/lib/udev/rules.d/92-libccid.rules';
const VENDOR = `<?xml version="1.0"?>\n<plist version="1.0"><dict>
<key>CFBundleExecutable</key><string>libifdokccid.so</string>
<key>CFBundleShortVersionString</key><string>4.3.3</string>
<key>ifdVendorID</key><array><string>0x076B</string><string>0x076B</string></array>
<key>ifdProductID</key><array><string>0x5422</string><string>0x5427</string></array>
<key>ifdFriendlyName</key><array><string>OMNIKEY 5422</string><string>OMNIKEY 5427</string></array>
</dict></plist>\n`;

describe('drivers.bundles', () => {
  it('lists bundles with their versions', async () => {
    s = withLibccid(withPcscd(scenario(), '1.9.9'), '1.5.2');
    const r = await runCheck(s, 'drivers.bundles');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('ifd-ccid.bundle 1.5.2');
  });
  it('warns when no USB driver is installed, with the install command', async () => {
    s = withPcscd(scenario(), '1.9.9');
    const r = await runCheck(s, 'drivers.bundles');
    expect(r.status).toBe('warn');
    expect(r.fix?.commands).toEqual(['sudo apt-get install libccid']);
  });
  it('warns about an Info.plist that does not parse', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.file('/usr/lib/pcsc/drivers/broken.bundle/Contents/Info.plist', '<plist><dict><key>x</key>');
    const r = await runCheck(s, 'drivers.bundles');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('Unreadable driver metadata: broken.bundle');
  });
  it("reads bundles from pcscd's own usbdropdir", async () => {
    s = withPcscd(scenario(), '1.9.9', { features: 'usb libudev usbdropdir=/opt/pcsc/drivers' });
    s.tree.file('/opt/pcsc/drivers/vendor.bundle/Contents/Info.plist', VENDOR);
    const r = await runCheck(s, 'drivers.bundles');
    expect(r.summary).toBe('vendor.bundle 4.3.3');
  });
});

describe('drivers.libccid-version', () => {
  it('fails for libccid 1.5.2 under a pcscd that runs as pcscd', async () => {
    s = withLibccid(withSystemdPcscdUser(withPcscd(scenario(), '2.4.1')), '1.5.2');
    const r = await runCheck(s, 'drivers.libccid-version');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('libccid 1.5.2 does not give readers to group pcscd, which pcscd 2.4.1 runs as');
    expect(r.fix?.commands).toEqual([
      'sudo apt-get install libccid',
      'sudo pcsc udev-check --write /etc/udev/rules.d/93-pcsc-readers.rules',
    ]);
  });
  it('passes for an old libccid when a local rule gives CCID readers the group', async () => {
    s = withLibccid(withSystemdPcscdUser(withPcscd(scenario(), '2.4.1')), '1.5.2');
    s.tree.file('/etc/udev/rules.d/93-pcsc-readers.rules', readerRulesText('new'));
    const r = await runCheck(s, 'drivers.libccid-version');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe(
      'libccid 1.5.2 is older than 1.7.0, but /etc/udev/rules.d/93-pcsc-readers.rules:5 gives CCID readers to group pcscd',
    );
  });
  it('passes for libccid 1.7.0+', async () => {
    s = withLibccid(withSystemdPcscdUser(withPcscd(scenario(), '2.4.1')), '1.8.2');
    expect((await runCheck(s, 'drivers.libccid-version')).status).toBe('pass');
  });
  it('passes for any libccid while pcscd runs as root', async () => {
    s = withRootAccounts(withLibccid(withPcscd(scenario(), '1.9.9'), '1.5.2'));
    expect((await runCheck(s, 'drivers.libccid-version')).summary).toBe(
      'libccid 1.5.2 with pcscd 1.9.9 (pcscd would run as root)',
    );
    s.processes = [{ pid: 321, argv: ['/usr/sbin/pcscd'], uid: 0 }];
    expect((await runCheck(s, 'drivers.libccid-version')).summary).toBe(
      'libccid 1.5.2 with pcscd 1.9.9 (pcscd runs as root)',
    );
  });
});

describe('drivers.rule-coverage', () => {
  it('warns about a vendor bundle whose readers no rule covers', async () => {
    s = withLibccid(withSystemdPcscdUser(withPcscd(scenario(), '2.4.1')), '1.8.2');
    s.tree.file(RULES, readerRulesText('new'));
    s.tree.file('/usr/lib/pcsc/drivers/ifdokccid.bundle/Contents/Info.plist', VENDOR);
    const r = await runCheck(s, 'drivers.rule-coverage');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('ifdokccid.bundle: 2 of 2 readers get no group pcscd');
    expect(r.details?.[0]).toBe('ifdokccid.bundle: 076b:5422 OMNIKEY 5422; 076b:5427 OMNIKEY 5427');
  });
  it('passes when a vendor rule covers them', async () => {
    s = withLibccid(withSystemdPcscdUser(withPcscd(scenario(), '2.4.1')), '1.8.2');
    s.tree.file(RULES, readerRulesText('new', 'ATTRS{idVendor}=="076b", GROUP="pcscd"'));
    s.tree.file('/usr/lib/pcsc/drivers/ifdokccid.bundle/Contents/Info.plist', VENDOR);
    const r = await runCheck(s, 'drivers.rule-coverage');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('Every declared reader gets group pcscd (ifd-ccid.bundle: 1, ifdokccid.bundle: 2)');
  });
});
