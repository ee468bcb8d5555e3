// doctor's fixes fit the machine they run on: init system (systemd, OpenRC, runit, none/container),
// root or not (and which tool gains root), the default socket or an override (and whether the
// system's pcscd answers at its own path). Each variant is a fixture tree run through the checks.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runChecks } from '../../../../src/core/engine/engine.js';
import { DOCTOR_CHECKS } from '../../../../src/core/doctor/checks/index.js';
import {
  daemonAt,
  dispose,
  probeFor,
  readerRulesText,
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

let s: Scenario;
afterEach(() => dispose(s));

const SYSTEM_SOCKET = '/run/pcscd/pcscd.comm';

/** A socket file nobody listens on (what a stopped daemon leaves behind). */
function staleSocket(sc: Scenario, path: string): void {
  sc.tree.dir(path.slice(0, path.lastIndexOf('/')));
  execFileSync('python3', [
    '-c',
    'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
    sc.tree.root + path,
  ]);
}

/** The system's pcscd answering at its own path. */
async function systemDaemon(sc: Scenario): Promise<void> {
  await daemonAt(sc, SYSTEM_SOCKET);
}

describe('pcscd.socket: starting the system pcscd, per init system', () => {
  it('systemd, a user with sudo: the socket unit through sudo, marked as needing root', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.fix).toEqual({
      text: "Start pcscd's socket unit: systemd then starts pcscd on the first connection.",
      commands: ['sudo systemctl enable --now pcscd.socket', 'sudo systemctl restart pcscd.socket'],
      root: true,
    });
  });

  it('systemd, root: no sudo and no needs-root mark', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    s.uid = 0;
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.fix).toEqual({
      text: "Start pcscd's socket unit: systemd then starts pcscd on the first connection.",
      commands: ['systemctl enable --now pcscd.socket', 'systemctl restart pcscd.socket'],
    });
  });

  it('OpenRC: rc-update and rc-service, and no word of socket activation', async () => {
    s = withPcscd(scenario(), '2.4.1');
    s.tree.dir('/run/openrc').file('/etc/init.d/pcscd', '#!/sbin/openrc-run\n');
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.fix?.commands).toEqual(['sudo rc-update add pcscd default', 'sudo rc-service pcscd start']);
    expect(r.fix?.text).not.toMatch(/socket activation|first connection|systemctl/);
  });

  it('runit with the service enabled, a stale socket: sv up', async () => {
    s = withPcscd(scenario(), '2.4.1');
    s.tree.dir('/run/runit').dir('/etc/sv/pcscd').link('/var/service/pcscd', '../../etc/sv/pcscd');
    staleSocket(s, SYSTEM_SOCKET);
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.summary).toBe('Stale socket: nothing listens on /run/pcscd/pcscd.comm');
    expect(r.fix?.commands).toEqual(['sudo sv up /var/service/pcscd']);
  });

  it('a Debian container as root, no systemd: the init script, no sudo, and the entry point', async () => {
    s = withInitScript(withRootAccounts(withPcscd(scenario(), '1.9.9')));
    s.uid = 0;
    s.tree.file('/.dockerenv', '');
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.fix?.commands).toEqual(['service pcscd start']);
    expect(r.fix?.text).toMatch(/^No init system runs in this container \(docker\)/);
    expect(r.fix?.root).toBeUndefined();
  });

  it('a container with no init script: pcscd itself', async () => {
    s = withRootAccounts(withPcscd(scenario(), '1.9.9'));
    s.uid = 0;
    s.env.container = 'podman';
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.fix?.commands).toEqual(['/usr/sbin/pcscd']);
    expect(r.fix?.text).toMatch(/^No init system runs in this container \(podman\): start pcscd directly/);
  });

  it('a user without sudo: su -l -c; without su either: the bare command, marked as needing root', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    rmSync(join(s.tree.root, 'usr/bin/sudo'));
    s.tree.file('/bin/su', '');
    let r = await runCheck(s, 'pcscd.socket');
    expect(r.fix?.commands).toEqual([
      "su -l -c 'systemctl enable --now pcscd.socket'",
      "su -l -c 'systemctl restart pcscd.socket'",
    ]);
    rmSync(join(s.tree.root, 'bin/su'));
    r = await runCheck(s, 'pcscd.socket');
    expect(r.fix?.commands).toEqual(['systemctl enable --now pcscd.socket', 'systemctl restart pcscd.socket']);
    expect(r.fix?.root).toBe(true);
  });
});

describe('pcscd.socket: an override socket', () => {
  it('stale PCSCLITE_CSOCK_NAME, the system pcscd answering: unset it, and where it is set', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    await systemDaemon(s);
    s.env.HOME = '/home/alice';
    s.env.PCSCLITE_CSOCK_NAME = '/tmp/x/pcscd.comm';
    s.tree.file('/home/alice/.profile', 'export PCSCLITE_CSOCK_NAME=/tmp/x/pcscd.comm\n');
    staleSocket(s, '/tmp/x/pcscd.comm');
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.summary).toBe('Stale socket: nothing listens on /tmp/x/pcscd.comm');
    expect(r.fix).toEqual({
      text: "Nothing serves PCSCLITE_CSOCK_NAME=/tmp/x/pcscd.comm, but the system's pcscd listens at /run/pcscd/pcscd.comm: unset the override (and remove it where it is set). It is set in /home/alice/.profile:1.",
      commands: ['unset PCSCLITE_CSOCK_NAME'],
    });
    expect(JSON.stringify(r.fix)).not.toMatch(/service pcscd|systemctl/);
  });

  it('stale PCSCLITE_CSOCK_NAME and no system pcscd: who set it, then serve it or unset it and start pcscd', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.dir('/run/openrc').file('/etc/init.d/pcscd', '#!/sbin/openrc-run\n');
    s.env.PCSCLITE_CSOCK_NAME = '/tmp/x/pcscd.comm';
    staleSocket(s, '/tmp/x/pcscd.comm');
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.fix?.text).toMatch(
      /^Nothing serves PCSCLITE_CSOCK_NAME=\/tmp\/x\/pcscd.comm, and no system pcscd listens at \/run\/pcscd\/pcscd.comm either\. It is not set in the usual profile files/,
    );
    expect(r.fix?.commands).toEqual([
      'unset PCSCLITE_CSOCK_NAME',
      'sudo rc-update add pcscd default',
      'sudo rc-service pcscd start',
    ]);
  });

  it('a stale system socket file does not count as the system pcscd being there', async () => {
    s = withPcscd(scenario(), '1.9.9');
    staleSocket(s, SYSTEM_SOCKET);
    s.env.PCSCLITE_CSOCK_NAME = '/tmp/none.comm';
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.summary).toBe('No pcscd socket at /tmp/none.comm (from PCSCLITE_CSOCK_NAME)');
    expect(r.fix?.commands?.[0]).toBe('unset PCSCLITE_CSOCK_NAME');
    expect(r.fix?.commands?.slice(1)).toEqual(['sudo /usr/sbin/pcscd']);
  });

  it('--socket to a dead path, the system pcscd answering: leave out --socket', async () => {
    s = withPcscd(scenario(), '1.9.9');
    await systemDaemon(s);
    staleSocket(s, '/tmp/y.comm');
    const r = await runCheck(s, 'pcscd.socket', { socket: '/tmp/y.comm' });
    expect(r.fix).toEqual({ text: "Leave out --socket: the system's pcscd listens at /run/pcscd/pcscd.comm." });
  });

  it('a hung daemon behind an override: restart what serves it, no service commands', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    const daemon = await daemonAt(s, '/tmp/rig.comm', { version: '2.4.1' });
    daemon.inject({ cmd: 0x11, times: Infinity, action: { kind: 'close-after-bytes', bytes: 0 } });
    s.env.PCSCLITE_CSOCK_NAME = '/tmp/rig.comm';
    const r = await runCheck(s, 'pcscd.protocol');
    expect(r.status).toBe('fail');
    expect(r.fix).toEqual({
      text: "Restart the daemon that serves /tmp/rig.comm (PCSCLITE_CSOCK_NAME): it is not the system's pcscd, so pcsc cannot tell how it was started.",
    });
  });
});

describe('every fix as root', () => {
  it('says neither sudo nor "needs root" to root, across failing checks of several families', async () => {
    // pcsc-lite 2.4 under systemd as user pcscd, an old libccid, a reader node pcscd cannot open,
    // a rule that hides a reader, PIN-logging options, no socket.
    s = withLibccid(withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'), { gid: 1500 }), '1.5.2');
    s.tree.file('/usr/lib/udev/rules.d/92-libccid.rules', readerRulesText('old'));
    s.tree.file('/etc/udev/rules.d/80-ignore.rules', 'ATTR{idVendor}=="08e6", ENV{PCSCLITE_IGNORE}="1"\n');
    s.tree.file('/etc/default/pcscd', 'PCSCD_ARGS="--apdu"\n');
    withUsbDevice(
      s,
      { name: '1-2', vid: '08e6', pid: '3437', product: 'Reader', interfaces: [{ cls: 0x0b }] },
      { gid: 0, mode: 0o664 },
    );
    const run = async (uid: number) => {
      s.uid = uid;
      return runChecks({ probe: probeFor(s), checks: DOCTOR_CHECKS, options: {} });
    };
    const user = await run(1000);
    const fixes = (r: typeof user) => r.checks.flatMap((c) => (c.fix && c.status !== 'pass' ? [c] : []));
    // The scenario does exercise root fixes: as a user they carry sudo.
    const userRoot = fixes(user).filter((c) => c.fix?.root);
    expect(userRoot.map((c) => c.id).sort()).toEqual(
      expect.arrayContaining(['pcscd.group', 'pcscd.options', 'pcscd.socket', 'udev.node-access']),
    );
    for (const c of userRoot) expect(c.fix?.commands?.join('\n'), c.id).toMatch(/\bsudo(edit)? /);
    const root = await run(0);
    for (const c of fixes(root)) {
      expect(JSON.stringify(c.fix), c.id).not.toMatch(/\bsudo|doas|su -l/);
      expect(c.fix?.root, c.id).toBeUndefined();
    }
    expect(fixes(root).length).toBe(fixes(user).length);
  });
});
