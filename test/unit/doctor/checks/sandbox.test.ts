// The sandbox check in fixture systems: Flatpak, Snap, AppImage, docker, podman, distrobox, LXC
// and bubblewrap, with the host's socket mounted, missing, stale, or of another version (a fake
// pcscd of that release), and the application's library found by its .pc file or its markers.

import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  daemonAt,
  dispose,
  INSTALL_BRIDGE_UNITS,
  probeFor,
  runCheck,
  scenario,
  type Scenario,
} from '../../../helpers/doctor-fixture.js';
import { runChecks } from '../../../../src/core/engine/engine.js';
import { DOCTOR_CHECKS } from '../../../../src/core/doctor/checks/index.js';

let s: Scenario | undefined;
afterEach(async () => {
  await dispose(s);
  s = undefined;
});

const SOCK = '/run/pcscd/pcscd.comm';
const FLATPAK_INFO =
  '[Application]\nname=org.example.Signer\nruntime=runtime/org.freedesktop.Platform/x86_64/23.08\n[Context]\nsockets=x11;pcsc;\n';
/** What docker -v /run/pcscd:/run/pcscd leaves in the container's mountinfo (the host's /run is a tmpfs). */
const DIR_BIND = '540 520 0:25 /pcscd /run/pcscd rw,nosuid,nodev - tmpfs tmpfs rw,size=1617392k,mode=755\n';
const FILE_BIND =
  '541 520 0:25 /pcscd/pcscd.comm /run/pcscd/pcscd.comm rw,nosuid,nodev - tmpfs tmpfs rw,size=1617392k,mode=755\n';
const ROOT = '500 480 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X\n';

/** A library with its .pc file (what a `make install` or -dev package leaves). */
function libWithPc(sc: Scenario, dir: string, version: string): void {
  sc.tree.file(`${dir}/libpcsclite.so.1`, '\x7fELF');
  sc.tree.file(`${dir}/pkgconfig/libpcsclite.pc`, `Name: PCSC\nVersion: ${version}\n`);
}

/** A library without a .pc file (Flatpak cleanups delete it), with the markers of its release. */
function libWithMarkers(sc: Scenario, dir: string, markers: string[]): void {
  sc.tree.file(`${dir}/libpcsclite.so.1`, '\x7fELF redirector');
  sc.tree.file(`${dir}/libpcsclite_real.so.1`, `\x7fELF\0${markers.join('\0')}\0`);
}

/** A container: its marker, its own Debian 12 library, and the host's socket shared (or not). */
async function container(
  kind: 'docker' | 'podman',
  host: { daemon?: string; bind?: 'dir' | 'file'; stale?: boolean; polkit?: boolean },
  lib = '1.9.9',
): Promise<Scenario> {
  const sc = scenario();
  sc.uid = 0;
  if (kind === 'docker') sc.tree.file('/.dockerenv', '');
  else sc.tree.file('/run/.containerenv', 'engine="podman-4.3.1"\nname="signer"\nrootless=1\n');
  libWithPc(sc, '/usr/lib/x86_64-linux-gnu', lib);
  sc.tree.file('/proc/self/mountinfo', ROOT + (host.bind === 'dir' ? DIR_BIND : host.bind === 'file' ? FILE_BIND : ''));
  if (host.daemon) {
    const d = await daemonAt(sc, SOCK, {
      version: host.daemon,
      // polkit refusing the client: pcscd hangs up at accept (docs/protocol.md#access-control).
      ...(host.polkit ? { polkit: { denyAccess: () => true } } : {}),
    });
    if (host.stale) {
      // The daemon is gone and its socket file stays (what a file binding keeps after a restart).
      await d.stop();
      execFileSync('python3', [
        '-c',
        'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
        sc.tree.root + SOCK,
      ]);
    }
  }
  return sc;
}

describe('sandbox: outside', () => {
  it('passes outside sandboxes', async () => {
    s = scenario();
    expect((await runCheck(s, 'sandbox')).summary).toBe('Not in a sandbox or container');
  });
});

for (const kind of ['docker', 'podman'] as const) {
  describe(`sandbox: ${kind}`, () => {
    it("passes with the host's socket mounted and a library of the same protocol", async () => {
      s = await container(kind, { daemon: '1.9.9', bind: 'dir' });
      const r = await runCheck(s, 'sandbox');
      expect(r.status).toBe('pass');
      expect(r.summary).toBe(
        `a ${kind} container${kind === 'podman' ? ' (signer)' : ''}: pcscd 4:4 (pcsc-lite 1.8.26–2.2.3) at /run/pcscd/pcscd.comm works with libpcsclite 1.9.9 (4:4)`,
      );
      expect(r.data).toMatchObject({
        kind,
        socket: { state: 'answers', mounted: { mountPoint: '/run/pcscd', from: '/pcscd' } },
        daemon: { protocol: '4:4' },
        library: { version: '1.9.9', protocol: '4:4', source: 'pkgconfig' },
        outcome: 'ok',
      });
      expect(r.details).toContain("/run/pcscd is mounted from outside (/pcscd): the daemon is the host's.");
    });
    it('fails without a socket and gives the -v flag for the directory', async () => {
      s = await container(kind, {});
      const r = await runCheck(s, 'sandbox');
      expect(r.status).toBe('fail');
      expect(r.fix?.commands).toEqual([`${kind} run -v /run/pcscd:/run/pcscd … IMAGE`]);
    });
    it('fails when the host daemon speaks another version, with the bridge on the host and its -v flag', async () => {
      s = await container(kind, { daemon: '2.4.0', bind: 'dir' });
      const r = await runCheck(s, 'sandbox');
      expect(r.status).toBe('fail');
      expect(r.summary).toBe(
        `a ${kind} container${kind === 'podman' ? ' (signer)' : ''}: libpcsclite 1.9.9 (4:4) gets "Service was stopped" from the host's pcscd 4:5 (pcsc-lite 2.3.0–2.4.0)`,
      );
      expect(r.fix?.text).toMatch(/^Put `pcsc proxy` between them/);
      expect(r.fix?.text).toContain('On the host, start the bridge with systemd user units');
      expect(r.fix?.commands).toEqual([
        ...INSTALL_BRIDGE_UNITS,
        `${kind} run -v "$XDG_RUNTIME_DIR/pcsc-proxy:/run/pcscd" … IMAGE`,
      ]);
      // The container's library is its own package: the upgrade names it and the daemon's release.
      expect(r.fix?.text).toContain('pcsc-lite 2.4.1 or later accepts every client from 4:4 on');
      expect(r.data).toMatchObject({ outcome: 'stopped', bridge: '$XDG_RUNTIME_DIR/pcsc-proxy/pcscd.comm' });
    });
    it("the host's polkit refuses the container's user: a rule on the host, by name", async () => {
      s = await container(kind, { daemon: '2.2.3', bind: 'dir', polkit: true });
      const r = await runCheck(s, 'sandbox');
      expect(r.status).toBe('fail');
      expect(r.summary).toBe(
        `The host's pcscd refuses a ${kind} container${kind === 'podman' ? ' (signer)' : ''}: polkit on the host`,
      );
      expect(r.fix?.text).toContain('docker without user namespaces and rootful podman keep the uid of in here (0');
      expect(r.fix?.commands?.[0]).toMatch(
        /^printf '%s\\n' .*subject\.user == "HOSTUSER"\) \{.* \| sudo tee \/etc\/polkit-1\/rules\.d\/50-pcscd-container\.rules$/,
      );
      expect(r.data).toMatchObject({ socket: { state: 'refused', mounted: { mountPoint: '/run/pcscd' } } });
    });
    it("the container's own polkit-enabled pcscd without polkitd (PCSC#59): --disable-polkit", async () => {
      s = await container(kind, { daemon: '2.2.3', polkit: true });
      s.tree.file('/usr/sbin/pcscd', '');
      s.processes = [{ pid: 12, argv: ['/usr/sbin/pcscd', '--foreground'], uid: 0 }];
      const r = await runCheck(s, 'sandbox');
      expect(r.status).toBe('fail');
      expect(r.summary).toBe(
        `The pcscd in a ${kind} container${kind === 'podman' ? ' (signer)' : ''} refuses every client`,
      );
      expect(r.details[0]).toContain('and no polkitd runs in here');
      expect(r.fix?.commands).toEqual(['pkill -x pcscd', '/usr/sbin/pcscd --disable-polkit']);
    });
    it('names a stale file binding and gives the directory instead', async () => {
      s = await container(kind, { daemon: '1.9.9', bind: 'file', stale: true });
      const r = await runCheck(s, 'sandbox');
      expect(r.status).toBe('fail');
      expect(r.summary).toMatch(/is stale: nobody answers$/);
      expect(r.details[0]).toBe(
        'The socket file itself was bound in: when the daemon re-created its socket (a restart), the binding kept the old, dead one.',
      );
      expect(r.fix?.commands).toEqual([`${kind} run -v /run/pcscd:/run/pcscd … IMAGE`]);
    });
  });
}

describe('sandbox: other containers', () => {
  it("tells the container's own pcscd from the host's", async () => {
    s = await container('docker', { daemon: '1.9.9' });
    s.processes = [{ pid: 17, argv: ['/usr/sbin/pcscd', '--foreground'], uid: 0 }];
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('pass');
    expect(r.details).toContain("A pcscd runs in here (pid 17): the socket is this sandbox's own daemon.");
  });
  it('in a distrobox, points programs at the bridge through the shared runtime directory', async () => {
    s = scenario();
    s.env.DISTROBOX_ENTER_PATH = '/usr/bin/distrobox-enter';
    s.env.CONTAINER_ID = 'fedora-box';
    s.env.XDG_RUNTIME_DIR = '/run/user/1000';
    libWithPc(s, '/usr/lib64', '2.4.0');
    await daemonAt(s, SOCK, { version: '1.9.9' });
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe(
      `a distrobox (fedora-box): libpcsclite 2.4.0 (4:5) gets "Service was stopped" from the host's pcscd 4:4 (pcsc-lite 1.8.26–2.2.3)`,
    );
    expect(r.fix?.commands?.at(-1)).toBe('export PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm');
  });
  it("detects LXC from PID 1's environment and gives LXD's device command", async () => {
    s = scenario();
    s.tree.file('/proc/1/environ', 'container=lxc\0PATH=/usr/bin\0');
    const r = await runCheck(s, 'sandbox');
    expect(r.data).toMatchObject({ kind: 'lxc', evidence: "PID 1's container=" });
    expect(r.fix?.commands).toEqual(['lxc config device add CONTAINER pcscd disk source=/run/pcscd path=/run/pcscd']);
  });
  it('detects bubblewrap (PID 1 is bwrap) and binds the bridge directory', async () => {
    s = scenario();
    s.env.XDG_RUNTIME_DIR = '/run/user/1000';
    s.tree.file('/proc/1/comm', 'bwrap\n');
    libWithPc(s, '/usr/lib/x86_64-linux-gnu', '1.8.23');
    await daemonAt(s, SOCK, { version: '2.5.1' });
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('fail');
    expect(r.data).toMatchObject({ kind: 'bubblewrap', outcome: 'stopped' });
    expect(r.fix?.commands?.at(-1)).toBe('bwrap --ro-bind /run/user/1000/pcsc-proxy /run/pcscd … PROGRAM');
    // No pcscd accepts 4:3: only the application's library could change.
    expect(r.fix?.text).toContain('No upgrade of pcscd helps: no pcscd from 1.8.24 on accepts protocol 4:3');
  });
});

describe('sandbox: Flatpak', () => {
  const flatpak = (info = FLATPAK_INFO): Scenario => {
    const sc = scenario();
    sc.env.XDG_RUNTIME_DIR = '/run/user/1000';
    sc.env.PCSCLITE_CSOCK_NAME = SOCK; // what Flatpak sets inside
    sc.tree.file('/.flatpak-info', info);
    return sc;
  };
  it('fails without the pcsc socket, with the override command', async () => {
    s = flatpak(FLATPAK_INFO.replace('sockets=x11;pcsc;', 'sockets=x11;wayland;'));
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('fail');
    expect(r.fix?.commands).toEqual(['flatpak override --user --socket=pcsc org.example.Signer']);
  });
  it('fails when the permission is there but no socket was bound (pcscd not running when the app started)', async () => {
    s = flatpak();
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe(
      'No pcscd socket in Flatpak org.example.Signer (runtime/org.freedesktop.Platform/x86_64/23.08), although it has --socket=pcsc',
    );
  });
  it("reads the app's /app/lib library by its markers (no .pc; a redirector: 2.1.0 or later) and says what it cannot tell", async () => {
    s = flatpak();
    libWithMarkers(s, '/app/lib', ['Server is protocol version %d:%d']);
    await daemonAt(s, SOCK, { version: '2.4.0' });
    const r = await runCheck(s, 'sandbox');
    // No command names compiled in: 2.1.0 or later, which may be 4:4, 4:5 or 4:6.
    expect(r.data).toMatchObject({
      library: { path: '/app/lib/libpcsclite.so.1', atLeast: '2.1.0', protocol: null, source: 'markers' },
      outcome: 'unknown',
    });
    expect(r.status).toBe('pass');
    expect(r.details.at(-1)).toMatch(/^If the application says "Service was stopped"/);
  });
  it('predicts a 2.3/2.4.0 library (markers) against a 4:4 host and gives the flatpak run line', async () => {
    s = flatpak();
    libWithMarkers(s, '/app/lib', ['CMD_VERSION', 'CMD_GET_READER_EVENTS']);
    await daemonAt(s, SOCK, { version: '1.9.9' });
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('fail');
    expect(r.data).toMatchObject({ library: { atLeast: '2.3.0', protocol: '4:5' }, outcome: 'stopped' });
    expect(r.fix?.commands?.at(-1)).toBe(
      'PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm flatpak run org.example.Signer',
    );
    expect(r.fix?.text).toContain("the app's own libpcsclite (its packagers ship it: Flathub apps moved to 2.4.1)");
  });
  it('passes a 2.4.1 library (its retry marker) against a 4:4 host', async () => {
    s = flatpak();
    libWithMarkers(s, '/app/lib', ['CMD_VERSION', 'CMD_GET_READER_EVENTS', 'Using backward compatibility']);
    await daemonAt(s, SOCK, { version: '1.9.9' });
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/works with libpcsclite 2.4.1 or later \(4:5\)$/);
  });
  it("warns when the host's pcscd is a 48-slot build (Fedora's) and gives the bridge: same protocol, arrays out of step", async () => {
    s = flatpak();
    libWithMarkers(s, '/app/lib', ['CMD_VERSION', 'CMD_GET_READER_EVENTS', 'Using backward compatibility']);
    await daemonAt(s, SOCK, { version: '2.4.1', slots: 48 });
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/sends 48-entry reader arrays, not 16$/);
    expect(r.details[0]).toContain('Fedora patches pcsc-lite to 48');
    expect(r.fix?.commands?.at(-1)).toBe(
      'PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm flatpak run org.example.Signer',
    );
    expect(r.fix?.text).toContain("reads the daemon's 48 entries and gives the application 16");
    expect(r.data).toMatchObject({ slots: 48 });
  });
  it('counts the array once per run: pcscd.protocol and sandbox share the one measurement', async () => {
    s = flatpak();
    libWithMarkers(s, '/app/lib', ['CMD_VERSION', 'CMD_GET_READER_EVENTS', 'Using backward compatibility']);
    const d = await daemonAt(s, SOCK, { version: '2.4.1', slots: 48 });
    const all = await runChecks({
      probe: probeFor(s),
      checks: DOCTOR_CHECKS,
      select: { ids: ['sandbox', 'pcscd.protocol'] },
      options: {},
    });
    const data = (id: string): unknown => all.checks.find((c) => c.id === id)?.data;
    expect(data('pcscd.protocol')).toMatchObject({ slots: 48 });
    expect(data('sandbox')).toMatchObject({ slots: 48 });
    expect(d.requests.filter((r) => r.cmd === 0x12)).toHaveLength(1); // CMD_GET_READERS_STATE
  });
  it('passes a 4:6 library against a 4:6 host of 48 slots: 4:6 arrays carry their count', async () => {
    s = flatpak();
    libWithMarkers(s, '/app/lib', ['CMD_VERSION', 'CMD_GET_READERS_STATE_SIZE', 'Using backward compatibility']);
    await daemonAt(s, SOCK, { version: '2.5.1', slots: 48 });
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('pass');
  });
  it('fails a 2.5 library against a 2.4.1 host: the fallback gets out of step', async () => {
    s = flatpak();
    libWithMarkers(s, '/app/lib', ['CMD_VERSION', 'CMD_GET_READERS_STATE_SIZE', 'Using backward compatibility']);
    await daemonAt(s, SOCK, { version: '2.4.1' });
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/gets out of step/);
    expect(r.data).toMatchObject({ outcome: 'desync' });
  });
});

describe('sandbox: Snap and AppImage', () => {
  /** Inside the snap "signer" (revision 12). */
  const snap = (): Scenario => {
    const sc = scenario();
    sc.env.SNAP = '/snap/signer/12';
    sc.env.SNAP_NAME = 'signer';
    return sc;
  };
  it('warns in a snap without the socket and names the interface to connect', async () => {
    s = snap();
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('warn');
    expect(r.fix?.commands?.[0]).toBe('sudo snap connect signer:pcscd');
  });
  it("a snap's library of another version: the bridge in the snap's own runtime directory, the snap run with the variable", async () => {
    s = snap();
    libWithPc(s, '/snap/signer/12/usr/lib/x86_64-linux-gnu', '1.9.9');
    await daemonAt(s, SOCK, { version: '2.4.0' });
    const r = await runCheck(s, 'sandbox');
    expect(r.status).toBe('fail');
    expect(r.fix?.text).toContain("A snap's pcscd interface allows only /run/pcscd/pcscd.comm");
    expect(r.fix?.commands).toEqual([
      expect.stringMatching(/^pcsc proxy --listen \/run\/user\/\d+\/snap\.signer\/pcscd\.comm &$/),
      expect.stringMatching(/^PCSCLITE_CSOCK_NAME=\/run\/user\/\d+\/snap\.signer\/pcscd\.comm snap run signer$/),
    ]);
    expect(r.fix?.root).toBeUndefined();
  });
  it('names an AppImage', async () => {
    s = scenario();
    s.env.APPIMAGE = '/home/alice/Signer.AppImage';
    const r = await runCheck(s, 'sandbox');
    expect(r.summary).toBe('Running from the AppImage /home/alice/Signer.AppImage');
    expect(r.details[0]).toContain('bundle its own libpcsclite');
  });
});
