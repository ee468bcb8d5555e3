// Fixes that fit the machine (src/core/system/service.ts): the init system, container, root and the
// tool that gains root are read from fixture trees, and each variant gets its own commands.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  asRoot,
  detectMachine,
  detectMachineNow,
  editAsRoot,
  noDaemonFix,
  noServiceHint,
  overrideSetIn,
  restartPcscd,
  startPcscd,
  writeAsRoot,
  type Machine,
} from '../../../src/core/system/service.js';
import { probeFor, scenario, withInitScript, type Scenario } from '../../helpers/doctor-fixture.js';

let s: Scenario;
afterEach(() => s?.tree.remove());

/** The scenario's machine as doctor sees it. */
const machine = (sc: Scenario): Promise<Machine> => detectMachine(probeFor(sc));

function bare(over: Partial<Machine> = {}, pcscd: Partial<Machine['pcscd']> = {}): Machine {
  return {
    init: 'none',
    container: null,
    elevate: 'sudo',
    ...over,
    pcscd: { initScript: null, serviceCommand: false, runit: null, binary: '/usr/sbin/pcscd', ...pcscd },
  };
}

describe('detectMachine', () => {
  it('systemd booted: /run/systemd/system exists (sd_booted)', async () => {
    s = scenario();
    s.tree.dir('/run/systemd/system');
    expect(await machine(s)).toMatchObject({ init: 'systemd', container: null, elevate: 'sudo' });
  });

  it('OpenRC: /run/openrc, with its init script', async () => {
    s = scenario();
    s.tree.dir('/run/openrc').file('/etc/init.d/pcscd', '#!/sbin/openrc-run\n');
    expect(await machine(s)).toMatchObject({ init: 'openrc', pcscd: { initScript: '/etc/init.d/pcscd' } });
  });

  it('runit: /run/runit, or a runsvdir process; the service linked into runsvdir’s directory or not', async () => {
    s = scenario();
    s.tree.dir('/run/runit').dir('/etc/sv/pcscd').dir('/var/service');
    expect(await machine(s)).toMatchObject({
      init: 'runit',
      pcscd: { runit: { sv: '/etc/sv/pcscd', dir: '/var/service', enabled: false } },
    });
    s.tree.remove();
    s = scenario();
    s.tree.dir('/etc/sv/pcscd').dir('/etc/service/pcscd');
    s.processes = [{ pid: 1, argv: ['runsvdir', '-P', '/etc/service'], uid: 0 }];
    expect(await machine(s)).toMatchObject({
      init: 'runit',
      pcscd: { runit: { dir: '/etc/service', enabled: true } },
    });
  });

  it('no init system; containers from /.dockerenv, /run/.containerenv and container=', async () => {
    s = scenario();
    expect(await machine(s)).toMatchObject({ init: 'none', container: null });
    s.tree.file('/.dockerenv', '');
    expect((await machine(s)).container).toBe('docker');
    s.tree.file('/run/.containerenv', '');
    expect((await machine(s)).container).toBe('podman');
    s.env.container = 'lxc';
    expect((await machine(s)).container).toBe('lxc');
  });

  it('root needs no tool; otherwise sudo, then doas, then su, then none (found on PATH or in the system dirs)', async () => {
    s = scenario();
    s.uid = 0;
    expect((await machine(s)).elevate).toBe('root');
    s.uid = 1000;
    expect((await machine(s)).elevate).toBe('sudo');
    rmSync(join(s.tree.root, 'usr/bin/sudo'));
    expect((await machine(s)).elevate).toBe('none');
    s.tree.file('/bin/su', '');
    expect((await machine(s)).elevate).toBe('su');
    s.tree.file('/opt/tools/doas', '');
    s.env.PATH = '/opt/tools:/usr/bin';
    expect((await machine(s)).elevate).toBe('doas');
  });
});

describe('running a command as root', () => {
  it('adds nothing for root, the tool otherwise, and quotes what the shell would split', () => {
    const argv = ['mv', '/run/my socket', '/run/my socket.bad'];
    expect(asRoot(argv, { elevate: 'root' })).toBe("mv '/run/my socket' '/run/my socket.bad'");
    expect(asRoot(argv, { elevate: 'sudo' })).toBe("sudo mv '/run/my socket' '/run/my socket.bad'");
    expect(asRoot(argv, { elevate: 'doas' })).toBe("doas mv '/run/my socket' '/run/my socket.bad'");
    expect(asRoot(['modprobe', '-r', 'pn533'], { elevate: 'su' })).toBe("su -l -c 'modprobe -r pn533'");
    expect(asRoot(['modprobe', '-r', 'pn533'], { elevate: 'none' })).toBe('modprobe -r pn533');
  });

  it('writes a root-owned file with tee under sudo, a redirection as root or through su', () => {
    const producer = "printf 'blacklist pn533_usb\\n'";
    const file = '/etc/modprobe.d/pcsc-blacklist.conf';
    expect(writeAsRoot(producer, file, { elevate: 'sudo' })).toBe(`${producer} | sudo tee ${file}`);
    expect(writeAsRoot(producer, file, { elevate: 'root' })).toBe(`${producer} > ${file}`);
    expect(writeAsRoot(producer, file, { elevate: 'su' })).toBe(
      `su -l -c 'printf '\\''blacklist pn533_usb\\n'\\'' > /etc/modprobe.d/pcsc-blacklist.conf'`,
    );
  });

  it('edits with sudoedit where sudo is, else the editor as root', () => {
    expect(editAsRoot('/etc/default/pcscd', { elevate: 'sudo' })).toBe('sudoedit /etc/default/pcscd');
    expect(editAsRoot('/etc/default/pcscd', { elevate: 'root' })).toBe('${EDITOR:-vi} /etc/default/pcscd');
    expect(editAsRoot('/etc/default/pcscd', { elevate: 'doas' })).toBe('doas ${EDITOR:-vi} /etc/default/pcscd');
    expect(editAsRoot('/etc/default/pcscd', { elevate: 'su' })).toBe("su -l -c '${EDITOR:-vi} /etc/default/pcscd'");
  });
});

describe('starting and restarting pcscd', () => {
  it('systemd: the socket unit, and only there is socket activation mentioned', () => {
    const st = startPcscd(bare({ init: 'systemd' }));
    expect(st.commands).toEqual(['sudo systemctl enable --now pcscd.socket', 'sudo systemctl restart pcscd.socket']);
    expect(st.text).toMatch(/socket unit: systemd then starts pcscd on the first connection/);
    expect(st.root).toBe(true);
    expect(restartPcscd(bare({ init: 'systemd', elevate: 'root' }))).toEqual({
      text: 'Restart pcscd (its socket unit and the service).',
      commands: ['systemctl restart pcscd.socket pcscd.service'],
      root: false,
    });
    for (const init of ['openrc', 'runit', 'none'] as const) {
      const m = bare({ init }, { initScript: '/etc/init.d/pcscd' });
      expect(`${startPcscd(m).text} ${restartPcscd(m).text}`).not.toMatch(
        /socket activation|socket unit|first connection|systemctl/,
      );
    }
  });

  it('OpenRC: rc-update and rc-service; without the OpenRC script, pcscd itself', () => {
    const m = bare({ init: 'openrc' }, { initScript: '/etc/init.d/pcscd' });
    expect(startPcscd(m).commands).toEqual(['sudo rc-update add pcscd default', 'sudo rc-service pcscd start']);
    expect(restartPcscd(m).commands).toEqual(['sudo rc-service pcscd restart']);
    const noScript = startPcscd(bare({ init: 'openrc', elevate: 'root' }));
    expect(noScript.commands).toEqual(['/usr/sbin/pcscd']);
    expect(noScript.text).toMatch(/no OpenRC script here \(Alpine ships it in pcsc-lite-openrc\)/);
  });

  it('runit: link the service in to enable it, sv up/restart once it is', () => {
    const off = bare({ init: 'runit' }, { runit: { sv: '/etc/sv/pcscd', dir: '/var/service', enabled: false } });
    expect(startPcscd(off).commands).toEqual(['sudo ln -s /etc/sv/pcscd /var/service/']);
    const on = bare({ init: 'runit' }, { runit: { sv: '/etc/sv/pcscd', dir: '/var/service', enabled: true } });
    expect(startPcscd(on).commands).toEqual(['sudo sv up /var/service/pcscd']);
    expect(restartPcscd(on).commands).toEqual(['sudo sv restart /var/service/pcscd']);
  });

  it('no service manager: the init script through service, the script itself, or the binary', () => {
    expect(startPcscd(bare({}, { initScript: '/etc/init.d/pcscd', serviceCommand: true })).commands).toEqual([
      'sudo service pcscd start',
    ]);
    expect(startPcscd(bare({ elevate: 'root' }, { initScript: '/etc/init.d/pcscd' })).commands).toEqual([
      '/etc/init.d/pcscd start',
    ]);
    const direct = startPcscd(bare({ elevate: 'root' }));
    expect(direct).toEqual({
      text: 'No service manager runs here (neither systemd, OpenRC nor runit): start pcscd directly (/usr/sbin/pcscd puts itself in the background); it runs until the next boot.',
      commands: ['/usr/sbin/pcscd'],
      root: false,
    });
    expect(restartPcscd(bare({ elevate: 'root' })).commands).toEqual(['pkill -x pcscd', '/usr/sbin/pcscd']);
  });

  it('a container without init: start it there, and from the entry point', () => {
    const st = startPcscd(bare({ container: 'docker', elevate: 'root' }));
    expect(st.text).toMatch(/^No init system runs in this container \(docker\): start pcscd directly/);
    expect(st.text).toMatch(/from the image's entry point/);
    expect(st.commands).toEqual(['/usr/sbin/pcscd']);
  });
});

describe('no daemon at the socket clients use', () => {
  const m = bare({ init: 'systemd' });
  const system = { path: '/run/pcscd/pcscd.comm', listening: true };
  const env = { path: '/tmp/x/pcscd.comm', source: 'env' as const };

  it('the default socket: start the system pcscd', () => {
    expect(noDaemonFix(m, { path: system.path, source: 'default' }, { ...system, listening: false })).toEqual(
      startPcscd(m),
    );
  });

  it('an override, the system pcscd listening: unset it (and say where it is set)', () => {
    expect(noDaemonFix(m, env, system)).toEqual({
      text: "Nothing serves PCSCLITE_CSOCK_NAME=/tmp/x/pcscd.comm, but the system's pcscd listens at /run/pcscd/pcscd.comm: unset the override.",
      commands: ['unset PCSCLITE_CSOCK_NAME'],
      root: false,
    });
    expect(noDaemonFix(m, env, system, ['/home/alice/.profile:12']).text).toBe(
      "Nothing serves PCSCLITE_CSOCK_NAME=/tmp/x/pcscd.comm, but the system's pcscd listens at /run/pcscd/pcscd.comm: unset the override (and remove it where it is set). It is set in /home/alice/.profile:12.",
    );
    expect(noDaemonFix(m, { path: '/tmp/y', source: 'option' }, system)).toEqual({
      text: "Leave out --socket: the system's pcscd listens at /run/pcscd/pcscd.comm.",
      commands: [],
      root: false,
    });
  });

  it('an override, no system pcscd either: who set it, then serve it or unset it and start pcscd', () => {
    const f = noDaemonFix(m, env, { ...system, listening: false });
    expect(f.text).toMatch(/^Nothing serves PCSCLITE_CSOCK_NAME=\/tmp\/x\/pcscd.comm, and no system pcscd listens/);
    expect(f.text).toMatch(/not set in the usual profile files: the program that started this session set it/);
    expect(f.text).toMatch(/pcscd itself only listens at its built-in path/);
    expect(f.commands).toEqual([
      'unset PCSCLITE_CSOCK_NAME',
      'sudo systemctl enable --now pcscd.socket',
      'sudo systemctl restart pcscd.socket',
    ]);
    expect(f.root).toBe(true);
    expect(noDaemonFix(m, env, { ...system, listening: false }, ['/etc/environment:3']).text).toMatch(
      / It is set in \/etc\/environment:3\. Start the daemon/,
    );
  });

  it('finds where PCSCLITE_CSOCK_NAME is set, system-wide and in the home directory', async () => {
    s = scenario();
    s.env.HOME = '/home/alice';
    s.tree
      .file('/etc/environment', 'LANG=C.UTF-8\nPCSCLITE_CSOCK_NAME="/tmp/x/pcscd.comm"\n')
      .file('/etc/profile.d/xrdp.sh', '# PCSCLITE_CSOCK_NAME=commented\nexport PCSCLITE_CSOCK_NAME=/tmp/y\n')
      .file('/home/alice/.config/environment.d/50-pcsc.conf', 'PCSCLITE_CSOCK_NAME=/tmp/z\n')
      .file('/home/alice/.bashrc', 'echo $PCSCLITE_CSOCK_NAME\n');
    expect(await overrideSetIn(probeFor(s))).toEqual([
      '/etc/environment:2',
      '/etc/profile.d/xrdp.sh:2',
      '/home/alice/.config/environment.d/50-pcsc.conf:1',
    ]);
  });
});

describe("the CLI's hint after Service not available", () => {
  const def = { path: '/run/pcscd/pcscd.comm', source: 'default' as const };
  it('names the start command of this init system, without sudo for root', () => {
    expect(noServiceHint(bare({ init: 'systemd' }), def, false, def.path)).toBe(
      'Start pcscd (sudo systemctl restart pcscd.socket) or run `pcsc doctor`.',
    );
    expect(noServiceHint(bare({ init: 'systemd', elevate: 'root' }), def, false, def.path)).toBe(
      'Start pcscd (systemctl restart pcscd.socket) or run `pcsc doctor`.',
    );
    expect(noServiceHint(bare({ init: 'openrc' }, { initScript: '/etc/init.d/pcscd' }), def, false, def.path)).toBe(
      'Start pcscd (sudo rc-service pcscd start) or run `pcsc doctor`.',
    );
    expect(
      noServiceHint(
        bare({ elevate: 'root' }, { initScript: '/etc/init.d/pcscd', serviceCommand: true }),
        def,
        false,
        def.path,
      ),
    ).toBe('Start pcscd (service pcscd start) or run `pcsc doctor`.');
  });

  it('talks about the override: unset it when the system socket exists, else both ways out', () => {
    const env = { path: '/tmp/x/pcscd.comm', source: 'env' as const };
    expect(noServiceHint(bare({ init: 'systemd' }), env, true, def.path)).toBe(
      "Nothing serves PCSCLITE_CSOCK_NAME=/tmp/x/pcscd.comm; the system's pcscd has its socket at /run/pcscd/pcscd.comm: unset PCSCLITE_CSOCK_NAME.",
    );
    expect(noServiceHint(bare({ init: 'systemd' }), env, false, def.path)).toBe(
      'Nothing serves PCSCLITE_CSOCK_NAME=/tmp/x/pcscd.comm, nor is there a system pcscd at /run/pcscd/pcscd.comm: start the daemon that should serve it, or unset PCSCLITE_CSOCK_NAME and start pcscd (sudo systemctl restart pcscd.socket); `pcsc doctor` says more.',
    );
    expect(noServiceHint(bare(), { path: '/tmp/y', source: 'option' }, true, def.path)).toBe(
      "Nothing serves --socket /tmp/y; the system's pcscd has its socket at /run/pcscd/pcscd.comm: leave out --socket.",
    );
  });
});

describe('withInitScript', () => {
  it('is what a Debian container without systemd has', async () => {
    s = withInitScript(scenario());
    s.uid = 0;
    s.tree.file('/.dockerenv', '');
    const m = await machine(s);
    expect(m).toMatchObject({ init: 'none', container: 'docker', elevate: 'root' });
    expect(startPcscd(m).commands).toEqual(['service pcscd start']);
  });
});

describe('detectMachineNow (the CLI: stat calls, the uid, the environment; no process list)', () => {
  const only =
    (...paths: string[]) =>
    (p: string): boolean =>
      paths.includes(p);
  it('reads the same marks as the probe does', () => {
    expect(detectMachineNow({}, 1000, only('/run/systemd/system', '/usr/bin/sudo'))).toMatchObject({
      init: 'systemd',
      elevate: 'sudo',
    });
    expect(detectMachineNow({}, 0, only('/run/openrc', '/etc/init.d/pcscd'))).toMatchObject({
      init: 'openrc',
      elevate: 'root',
      pcscd: { initScript: '/etc/init.d/pcscd' },
    });
    expect(detectMachineNow({ PATH: '/opt/bin' }, 1000, only('/run/runit', '/opt/bin/doas'))).toMatchObject({
      init: 'runit',
      elevate: 'doas',
    });
    expect(detectMachineNow({ container: 'lxc' }, 1000, only('/bin/su'))).toMatchObject({
      init: 'none',
      container: 'lxc',
      elevate: 'su',
    });
  });
});
