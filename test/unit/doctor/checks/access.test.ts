import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ok,
  runCheck,
  scenario,
  withPcscd,
  withSystemdPcscdUser,
  withUsbDevice,
  type Scenario,
} from '../../../helpers/doctor-fixture.js';

let s: Scenario;
afterEach(() => s.tree.remove());

const POLICY = '/usr/share/polkit-1/actions/org.debian.pcsc-lite.policy';
const action = (id: string, owner: boolean): string => `  <action id="org.debian.pcsc-lite.${id}">
    <description>x</description>
    ${owner ? '<annotate key="org.freedesktop.policykit.owner">unix-user:pcscd</annotate>' : ''}
    <defaults><allow_any>no</allow_any><allow_inactive>no</allow_inactive><allow_active>yes</allow_active></defaults>
  </action>`;
const policy = (owner: boolean): string =>
  `<?xml version="1.0"?>\n<policyconfig>\n${action('access_pcsc', owner)}\n${action('access_card', owner)}\n</policyconfig>\n`;

function polkitSystem(owner = true): Scenario {
  const sc = withSystemdPcscdUser(
    withPcscd(scenario(), '2.4.1', {
      features: 'libsystemd serial usb libudev polkit usbdropdir=/usr/lib/pcsc/drivers',
    }),
  );
  sc.tree.file(POLICY, policy(owner));
  sc.tree.file('/usr/lib/polkit-1/polkitd', '');
  sc.env.XDG_SESSION_ID = '2';
  return sc;
}

describe('polkit', () => {
  it('is skipped for a pcscd built without polkit', async () => {
    s = withPcscd(scenario(), '1.9.9');
    expect((await runCheck(s, 'polkit')).summary).toBe('pcscd 1.9.9 is built without polkit');
  });
  it('passes for a local session with the stock policy', async () => {
    s = polkitSystem();
    const r = await runCheck(s, 'polkit');
    expect(r.status).toBe('pass');
    expect(r.details?.[0]).toBe('access_pcsc: allow_any=no, allow_inactive=no, allow_active=yes');
  });
  it('warns an SSH session, and writes a rule for the user', async () => {
    s = polkitSystem();
    s.env.SSH_CONNECTION = '10.0.0.1 5000 10.0.0.2 22';
    const r = await runCheck(s, 'polkit');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('An SSH session gets "Access denied" from pcscd');
    expect(r.fix?.commands?.[0]).toContain('subject.user == "alice"');
    expect(r.fix?.commands?.[0]).toContain('sudo tee /etc/polkit-1/rules.d/50-pcscd-alice.rules');
    // The printed command writes exactly the rule: run its printf part.
    const [printf] = (r.fix?.commands?.[0] ?? '').split(' | sudo tee ');
    expect(execFileSync('sh', ['-c', printf as string], { encoding: 'utf8' })).toBe(
      [
        'polkit.addRule(function(action, subject) {',
        '    if ((action.id == "org.debian.pcsc-lite.access_pcsc" || action.id == "org.debian.pcsc-lite.access_card") &&',
        '        subject.user == "alice") {',
        '        return polkit.Result.YES;',
        '    }',
        '});',
        '',
      ].join('\n'),
    );
  });
  it('passes an SSH session that a local rule allows', async () => {
    s = polkitSystem();
    s.env.SSH_CONNECTION = '10.0.0.1 5000 10.0.0.2 22';
    s.tree.file(
      '/etc/polkit-1/rules.d/50-pcsc.rules',
      'polkit.addRule(function(a, s) { if (a.id == "org.debian.pcsc-lite.access_pcsc") return polkit.Result.YES; });\n',
    );
    const r = await runCheck(s, 'polkit');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('polkit policy present; 1 local rule for pcscd');
  });
  it('fails when pcscd runs as pcscd but the policy lacks the owner annotation', async () => {
    s = polkitSystem(false);
    const r = await runCheck(s, 'polkit');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('pcscd runs as pcscd, but the policy does not let that user ask polkit about others');
  });
  it('fails without the policy file', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1', { features: 'usb polkit' }));
    const r = await runCheck(s, 'polkit');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe(`pcscd uses polkit but its policy ${POLICY} is missing`);
    expect(r.fix?.commands).toEqual(['sudo apt-get install --reinstall pcscd']);
  });
  it('fails without polkitd (containers)', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1', { features: 'usb polkit' }));
    s.tree.file(POLICY, policy(true));
    const r = await runCheck(s, 'polkit');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('pcscd needs polkit, but polkitd is not installed');
    expect(r.fix?.commands).toEqual(['sudo apt-get install polkitd']);
  });
  it('is skipped when pcscd runs with --disable-polkit', async () => {
    s = polkitSystem();
    s.tree.file('/etc/default/pcscd', 'PCSCD_ARGS="--disable-polkit"\n');
    expect((await runCheck(s, 'polkit')).summary).toBe('pcscd runs with --disable-polkit');
  });
});

describe('gnupg.scdaemon', () => {
  const gpg = (sc: Scenario): Scenario => {
    sc.tree.file('/usr/lib/gnupg/scdaemon', '');
    sc.env.HOME = '/home/alice';
    return sc;
  };
  it('passes when GnuPG is not installed', async () => {
    s = scenario();
    expect((await runCheck(s, 'gnupg.scdaemon')).summary).toBe("GnuPG's scdaemon is not installed");
  });
  it('warns when scdaemon.conf lacks disable-ccid and pcsc-shared, with the lines to add', async () => {
    s = gpg(scenario());
    const r = await runCheck(s, 'gnupg.scdaemon');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('scdaemon.conf lacks disable-ccid and pcsc-shared');
    expect(r.fix?.commands).toEqual([
      "printf 'disable-ccid\\npcsc-shared\\n' >> /home/alice/.gnupg/scdaemon.conf",
      'gpgconf --kill scdaemon',
    ]);
  });
  it('passes with both options (GNUPGHOME honoured)', async () => {
    s = gpg(scenario());
    s.env.GNUPGHOME = '/srv/gpg';
    s.tree.file('/srv/gpg/scdaemon.conf', '# shared access\ndisable-ccid\npcsc-shared\n');
    const r = await runCheck(s, 'gnupg.scdaemon');
    expect(r.status).toBe('pass');
  });
  it('fails when a running scdaemon holds a USB reader node', async () => {
    s = gpg(scenario());
    const node = withUsbDevice(s, {
      name: '1-2',
      vid: '1050',
      pid: '0407',
      interfaces: [{ cls: 0x03 }, { cls: 0x0b, driver: 'usbfs' }],
    });
    s.processes = [{ pid: 88, argv: ['scdaemon', '--multi-server'], uid: 1000 }];
    s.tree.link('/proc/88/fd/5', node);
    const r = await runCheck(s, 'gnupg.scdaemon');
    expect(r.status).toBe('fail');
    expect(r.details).toContain('scdaemon (pid 88, uid 1000) has /dev/bus/usb/001/004 open');
  });
});

describe('macOS checks', () => {
  const mac = (): Scenario => {
    const sc = scenario();
    sc.platform = 'darwin';
    return sc;
  };
  it('are skipped on Linux', async () => {
    s = scenario();
    expect((await runCheck(s, 'macos.ccid-driver')).status).toBe('skip');
  });
  it("pass with Apple's driver", async () => {
    s = mac();
    s.run['defaults read /Library/Preferences/com.apple.security.smartcard useIFDCCID'] = {
      code: 1,
      stdout: '',
      stderr: 'does not exist',
    };
    s.tree.file('/usr/libexec/SmartCardServices/drivers/ifd-ccid.bundle/Contents/Info.plist', '<plist><dict/></plist>');
    expect((await runCheck(s, 'macos.ccid-driver')).summary).toBe("Apple's CCID driver is in use");
  });
  it('fail when useIFDCCID points at a libccid that is not there', async () => {
    s = mac();
    s.run['defaults read /Library/Preferences/com.apple.security.smartcard useIFDCCID'] = ok('1\n');
    const r = await runCheck(s, 'macos.ccid-driver');
    expect(r.status).toBe('fail');
    expect(r.fix?.commands).toEqual([
      'sudo defaults write /Library/Preferences/com.apple.security.smartcard useIFDCCID -bool no',
    ]);
  });
  it('fail when smart cards are disabled', async () => {
    s = mac();
    s.run['defaults read /Library/Preferences/com.apple.security.smartcard allowSmartCard'] = ok('0\n');
    const r = await runCheck(s, 'macos.smartcard-prefs');
    expect(r.status).toBe('fail');
  });
  it('pass when smart cards are allowed', async () => {
    s = mac();
    expect((await runCheck(s, 'macos.smartcard-prefs')).status).toBe('pass');
  });
});
