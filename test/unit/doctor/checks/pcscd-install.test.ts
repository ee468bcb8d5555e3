import { afterEach, describe, expect, it } from 'vitest';
import {
  ok,
  runCheck,
  scenario,
  withInitScript,
  withPcscd,
  withRootAccounts,
  withSystemdPcscdUser,
  type Scenario,
} from '../../../helpers/doctor-fixture.js';

let s: Scenario;
afterEach(() => s.tree.remove());

describe('pcscd.installed', () => {
  it('passes with the version from `pcscd --version` and the package', async () => {
    s = withPcscd(scenario(), '2.4.1');
    const r = await runCheck(s, 'pcscd.installed');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('pcscd 2.4.1 at /usr/sbin/pcscd');
    expect(r.data).toMatchObject({ version: '2.4.1', package: { name: 'pcscd', version: '2.4.1-1' } });
  });
  it('fails without pcscd and names the install command for the distribution', async () => {
    s = scenario();
    s.tree.file('/etc/os-release', 'ID=fedora\n');
    const r = await runCheck(s, 'pcscd.installed');
    expect(r.status).toBe('fail');
    expect(r.fix?.commands).toEqual(['sudo dnf install pcsc-lite pcsc-lite-ccid']);
    expect(r.details?.[0]).toContain('0x8010001D');
  });
  it('warns when a self-built pcscd sits next to the packaged one', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.file('/usr/local/sbin/pcscd', '');
    const r = await runCheck(s, 'pcscd.installed');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('Several pcscd binaries: /usr/sbin/pcscd, /usr/local/sbin/pcscd');
  });
  it('warns when the running binary is not the packaged version', async () => {
    s = withPcscd(scenario(), '2.5.1', { pkgVersion: '2.4.1-3' });
    const r = await runCheck(s, 'pcscd.installed');
    expect(r.status).toBe('warn');
    expect(r.fix?.commands?.[0]).toBe('sudo apt-get install --reinstall pcscd');
  });
});

describe('pcscd.user', () => {
  it('passes for root when systemd does not run pcscd and it runs as root', async () => {
    s = withRootAccounts(withPcscd(scenario(), '1.9.9'));
    s.processes = [{ pid: 321, argv: ['/usr/sbin/pcscd'], uid: 0 }];
    const r = await runCheck(s, 'pcscd.user');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('pcscd runs as root (uid 0)');
  });
  it('says nothing of a user when pcscd is not running and no unit names one (not applicable)', async () => {
    s = withRootAccounts(withPcscd(scenario(), '1.9.9'));
    const r = await runCheck(s, 'pcscd.user');
    expect(r.status).toBe('skip');
    expect(r.summary).toBe('pcscd is not running (started, it would run as root)');
  });
  it('passes for the pcscd user of pcsc-lite 2.4 under systemd', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    const r = await runCheck(s, 'pcscd.user');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('pcscd.service runs pcscd as pcscd (uid 990)');
    expect(r.data).toMatchObject({ user: 'pcscd', uid: 990, source: 'unit' });
  });
  it('fails when the unit names a user that does not exist, with the useradd command', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'), { user: false });
    const r = await runCheck(s, 'pcscd.user');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('pcscd.service runs as user "pcscd", which does not exist');
    expect(r.fix?.commands?.[0]).toBe(
      'sudo useradd --system --gid pcscd --no-create-home --shell /usr/sbin/nologin pcscd',
    );
  });
  it('believes the running process over the unit', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    s.processes = [{ pid: 321, argv: ['/usr/sbin/pcscd', '--foreground', '--auto-exit'], uid: 0 }];
    const r = await runCheck(s, 'pcscd.user');
    expect(r.data).toMatchObject({ user: 'root', source: 'process' });
    expect(r.details?.join(' ')).toContain('normally runs as "pcscd"');
  });
});

const show = (props: Record<string, string>): ReturnType<typeof ok> =>
  ok(
    Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
const PROPS = '--property=LoadState,ActiveState,SubState,UnitFileState,Result,Listen';

describe('pcscd.service', () => {
  it('is skipped where systemd does not run', async () => {
    s = withPcscd(scenario(), '1.9.9');
    expect((await runCheck(s, 'pcscd.service')).status).toBe('skip');
  });
  it('passes when the socket listens and is enabled', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    s.run[`systemctl show pcscd.socket ${PROPS}`] = show({
      LoadState: 'loaded',
      ActiveState: 'active',
      SubState: 'listening',
      UnitFileState: 'enabled',
    });
    s.run[`systemctl show pcscd.service ${PROPS}`] = show({
      LoadState: 'loaded',
      ActiveState: 'inactive',
      SubState: 'dead',
      UnitFileState: 'indirect',
    });
    const r = await runCheck(s, 'pcscd.service');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('pcscd.socket active (enabled), pcscd.service inactive/dead');
  });
  it('fails on a masked socket, with the unmask commands', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    s.run[`systemctl show pcscd.socket ${PROPS}`] = show({
      LoadState: 'masked',
      ActiveState: 'inactive',
      UnitFileState: 'masked',
    });
    s.run[`systemctl show pcscd.service ${PROPS}`] = show({ LoadState: 'loaded', ActiveState: 'inactive' });
    const r = await runCheck(s, 'pcscd.service');
    expect(r.status).toBe('fail');
    expect(r.fix?.commands).toEqual([
      'sudo systemctl unmask pcscd.socket pcscd.service',
      'sudo systemctl enable --now pcscd.socket',
    ]);
  });
  it('fails on a failed service and points at the journal', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    s.run[`systemctl show pcscd.socket ${PROPS}`] = show({
      LoadState: 'loaded',
      ActiveState: 'active',
      UnitFileState: 'enabled',
    });
    s.run[`systemctl show pcscd.service ${PROPS}`] = show({
      LoadState: 'loaded',
      ActiveState: 'failed',
      SubState: 'failed',
      Result: 'exit-code',
    });
    const r = await runCheck(s, 'pcscd.service');
    expect(r.status).toBe('fail');
    expect(r.fix?.commands?.[0]).toContain('journalctl -b -u pcscd.service');
  });
  it('fails when the socket unit is disabled and nothing runs', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    s.run[`systemctl show pcscd.socket ${PROPS}`] = show({
      LoadState: 'loaded',
      ActiveState: 'inactive',
      UnitFileState: 'disabled',
    });
    s.run[`systemctl show pcscd.service ${PROPS}`] = show({ LoadState: 'loaded', ActiveState: 'inactive' });
    const r = await runCheck(s, 'pcscd.service');
    expect(r.status).toBe('fail');
    expect(r.fix?.commands).toEqual(['sudo systemctl enable --now pcscd.socket']);
  });
});

describe('pcscd.options', () => {
  it('passes with no extra options', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.file('/etc/default/pcscd', 'PCSCD_ARGS=""\n');
    s.processes = [{ pid: 321, argv: ['/usr/sbin/pcscd'], uid: 0 }];
    const r = await runCheck(s, 'pcscd.options');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('No extra options');
  });
  it('says nothing of options when pcscd is not running and none are configured (not applicable)', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.file('/etc/default/pcscd', 'PCSCD_ARGS=""\n');
    const r = await runCheck(s, 'pcscd.options');
    expect(r.status).toBe('skip');
    expect(r.summary).toBe('pcscd is not running, and no options are configured for it');
  });
  it('fails on --disable-polkit given to a pcscd that does not know it', async () => {
    s = withInitScript(withPcscd(scenario(), '1.9.9'));
    s.tree.file('/etc/default/pcscd', 'PCSCD_ARGS="--disable-polkit"\n');
    const r = await runCheck(s, 'pcscd.options');
    expect(r.status).toBe('fail');
    expect(r.summary).toContain(
      '--disable-polkit (PCSCD_ARGS in /etc/default/pcscd): this pcscd 1.9.9 has no polkit support',
    );
    expect(r.fix?.commands).toEqual(['sudoedit /etc/default/pcscd', 'sudo service pcscd restart']);
  });
  it('warns about --apdu/--debug logging PINs, from the unit under systemd', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    s.tree.file(
      '/etc/systemd/system/pcscd.service.d/debug.conf',
      '[Service]\nExecStart=\nExecStart=/usr/sbin/pcscd --foreground -a -d\n',
    );
    const r = await runCheck(s, 'pcscd.options');
    expect(r.status).toBe('warn');
    expect(r.summary).toContain(
      '-a (ExecStart in /usr/lib/systemd/system/pcscd.service + /etc/systemd/system/pcscd.service.d/debug.conf)',
    );
    expect(r.fix?.commands).toContain('sudo systemctl edit pcscd.service');
  });
  it('fails on a driver drop directory that does not exist', async () => {
    s = withPcscd(scenario(), '2.4.1');
    s.tree.file('/etc/default/pcscd', 'PCSCLITE_HP_DROPDIR="/opt/drivers/"\n');
    const r = await runCheck(s, 'pcscd.options');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('PCSCLITE_HP_DROPDIR=/opt/drivers/: no such directory, so pcscd loads no USB driver');
  });
});
