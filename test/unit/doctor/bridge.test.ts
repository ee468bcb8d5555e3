// The bridge prescription for every kind of place and machine: where the bridge's socket goes
// (XDG_RUNTIME_DIR set or not), how it starts (systemd or not), how the program is pointed at it,
// and the upgrade named for each broken client × daemon pair — never a version already installed.

import { describe, expect, it } from 'vitest';
import { CLIENT_LINES, DAEMON_LINES, broken, lineAnswers, predict } from '../../../src/core/doctor/protocol-model.js';
import { bridgeFix, type BridgeInput } from '../../../src/core/doctor/bridge.js';
import type { SandboxKind } from '../../../src/core/system/sandbox.js';

/** The daemon side: its protocol and refusal code, and the installed pcscd package (it is that pcscd). */
const daemon = (protocol: string, refusal: number, pkgVersion?: string): BridgeInput['daemon'] => ({
  protocol,
  refusal,
  socket: '/run/pcscd/pcscd.comm',
  ...(pkgVersion ? { pkg: { name: 'pcscd', version: pkgVersion } } : {}),
});

const base = (over: Partial<BridgeInput> = {}): BridgeInput => ({
  client: { release: '1.9.9', protocol: '4:4', pkg: { name: 'libpcsclite1', version: '1.9.9-2' } },
  daemon: daemon('4:5', 0x8010001e),
  outcome: 'stopped',
  sandbox: null,
  init: 'systemd',
  runtimeDir: '/run/user/1000',
  uid: 1000,
  family: 'debian',
  ...over,
});

describe('where the bridge listens', () => {
  it('under $XDG_RUNTIME_DIR when set', () => {
    expect(bridgeFix(base()).socket).toBe('/run/user/1000/pcsc-proxy/pcscd.comm');
  });
  it('in /tmp/pcsc-proxy-UID without it', () => {
    const b = bridgeFix(base({ runtimeDir: undefined, init: 'none' }));
    expect(b.socket).toBe('/tmp/pcsc-proxy-1000/pcscd.comm');
    expect(b.commands).toEqual([
      'pcsc proxy --listen /tmp/pcsc-proxy-1000/pcscd.comm &',
      'export PCSCLITE_CSOCK_NAME=/tmp/pcsc-proxy-1000/pcscd.comm',
      "echo 'export PCSCLITE_CSOCK_NAME=/tmp/pcsc-proxy-1000/pcscd.comm' >> ~/.profile",
    ]);
  });
  it('carries a daemon socket other than the default into the units and the command', () => {
    const b = bridgeFix(base({ daemon: { protocol: '4:5', socket: '/srv/pcscd 2/pcscd.comm' }, init: 'openrc' }));
    expect(b.commands[0]).toBe(
      "pcsc proxy --listen /run/user/1000/pcsc-proxy/pcscd.comm --upstream '/srv/pcscd 2/pcscd.comm' &",
    );
    const sd = bridgeFix(base({ daemon: { protocol: '4:5', socket: '/srv/p.comm' } }));
    expect(sd.commands[2]).toBe(
      'pcsc proxy --print-systemd --unit service --upstream /srv/p.comm > ~/.config/systemd/user/pcsc-proxy.service',
    );
  });
});

describe('how it starts', () => {
  it('with systemd: the user units, and the text says the socket stays in place', () => {
    const b = bridgeFix(base());
    expect(b.commands.slice(0, 5)).toEqual([
      'mkdir -p ~/.config/systemd/user',
      'pcsc proxy --print-systemd --unit socket > ~/.config/systemd/user/pcsc-proxy.socket',
      'pcsc proxy --print-systemd --unit service > ~/.config/systemd/user/pcsc-proxy.service',
      'systemctl --user daemon-reload',
      'systemctl --user enable --now pcsc-proxy.socket',
    ]);
    expect(b.text).toContain('pcsc-proxy.socket listens at %t/pcsc-proxy/pcscd.comm');
    expect(b.root).toBe(false);
  });
  for (const init of ['none', 'openrc', 'runit'] as const) {
    it(`without systemd (${init}): by hand, and from the session's autostart`, () => {
      const b = bridgeFix(base({ init }));
      expect(b.commands[0]).toBe('pcsc proxy --listen /run/user/1000/pcsc-proxy/pcscd.comm &');
      expect(b.text).toContain("add the same line to your session's autostart");
    });
  }
  it('from a sandbox (host unknown): the units, and the command for a host without systemd', () => {
    const b = bridgeFix(base({ sandbox: { kind: 'flatpak', app: 'org.example.App' }, init: 'unknown' }));
    expect(b.text).toContain(
      "on a host without systemd run `pcsc proxy --listen /run/user/1000/pcsc-proxy/pcscd.comm &` from the session's autostart instead",
    );
  });
});

describe('how the program is pointed at it', () => {
  const last = (kind: SandboxKind | null, app?: string): string | undefined =>
    bridgeFix(base({ sandbox: kind ? { kind, app } : null, init: kind ? 'unknown' : 'systemd' })).commands.at(-1);
  it('a host program and an AppImage: PCSCLITE_CSOCK_NAME, now and for the next sessions', () => {
    // With systemd: environment.d, which the user manager reads at login.
    for (const kind of [null, 'appimage'] as const) {
      const b = bridgeFix(base({ sandbox: kind ? { kind, app: '/home/a/X.AppImage' } : null, init: 'systemd' }));
      expect(b.commands.slice(-3)).toEqual([
        'export PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm',
        'mkdir -p ~/.config/environment.d',
        'echo PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm > ~/.config/environment.d/pcsc-proxy.conf',
      ]);
      expect(b.text).toContain('systemd --user reads it at login');
    }
    // Without systemd: ~/.profile, beside the proxy's own line in the session's autostart.
    const openrc = bridgeFix(base({ init: 'openrc' }));
    expect(openrc.commands.slice(-2)).toEqual([
      'export PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm',
      "echo 'export PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm' >> ~/.profile",
    ]);
    expect(openrc.text).toContain('add it to ~/.profile');
  });
  it('Flatpak: the variable for `flatpak run`, which binds that file at /run/pcscd/pcscd.comm', () => {
    expect(last('flatpak', 'com.yubico.yubioath')).toBe(
      'PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm flatpak run com.yubico.yubioath',
    );
  });
  it("docker and podman: the bridge's directory at /run/pcscd, with the host's $XDG_RUNTIME_DIR", () => {
    expect(last('docker')).toBe('docker run -v "$XDG_RUNTIME_DIR/pcsc-proxy:/run/pcscd" … IMAGE');
    expect(last('podman')).toBe('podman run -v "$XDG_RUNTIME_DIR/pcsc-proxy:/run/pcscd" … IMAGE');
  });
  it('LXC, distrobox, toolbox and bubblewrap', () => {
    expect(last('lxc', 'web')).toBe(
      'lxc config device add web pcsc-proxy disk source="$XDG_RUNTIME_DIR/pcsc-proxy" path=/run/pcscd',
    );
    expect(last('distrobox')).toBe('export PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm');
    expect(last('toolbox')).toBe('export PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm');
    expect(last('bubblewrap')).toBe('bwrap --ro-bind /run/user/1000/pcsc-proxy /run/pcscd … PROGRAM');
  });
  it("Snap: the bridge in the snap's own runtime directory (its pcscd interface allows no other path), and why", () => {
    const b = bridgeFix(base({ sandbox: { kind: 'snap', app: 'signer' }, init: 'unknown' }));
    expect(b.commands).toEqual([
      'pcsc proxy --listen /run/user/1000/snap.signer/pcscd.comm &',
      'PCSCLITE_CSOCK_NAME=/run/user/1000/snap.signer/pcscd.comm snap run signer',
    ]);
    expect(b.root).toBe(false);
    expect(b.text).toContain('allows only /run/pcscd/pcscd.comm');
    expect(b.text).toContain('its own runtime directory, /run/user/UID/snap.NAME');
    expect(b.text).toContain('not tried on a real snap');
    expect(b.text).not.toContain('systemctl');
  });
});

describe('the upgrade it names', () => {
  it('never the version already installed', () => {
    const b = bridgeFix(
      base({
        daemon: daemon('4:5', 0x8010001e, '2.4.1-1'),
        client: { release: '2.4.0', protocol: '4:5', pkg: { name: 'libpcsclite1', version: '2.4.1-1' } },
      }),
    );
    expect(b.upgrade).toBeUndefined();
    expect(b.text).not.toMatch(/or later \(installed/);
  });
  it('names the package and the installed version it replaces', () => {
    expect(bridgeFix(base()).upgrade).toBe(
      "An upgrade also fixes it: the daemon on /run/pcscd/pcscd.comm is not the installed pcscd: upgrading what provides it to pcsc-lite 2.4.1 or later accepts every client from 4:4 on; or libpcsclite1 2.4.1 or later (installed: 1.9.9-2) retries at the daemon's version (2.5.x too, but it gets out of step with daemons below 4:6: stay on 2.4.x until pcscd is 2.5).",
    );
  });
  it('a 1.8.x daemon (refuses with NO_SERVICE): only pcscd can be upgraded', () => {
    const b = bridgeFix(
      base({
        daemon: daemon('4:3', 0x8010001d, '1.8.23-1'),
        outcome: 'no-service',
      }),
    );
    expect(b.upgrade).toBe(
      'An upgrade also fixes it: pcscd 2.4.1 or later (installed: 1.8.23-1) accepts every client from 4:4 on (no library retries against this one).',
    );
  });
  it('a 4:3 client: no pcscd helps', () => {
    const b = bridgeFix(base({ client: { release: '1.8.23', protocol: '4:3' } }));
    expect(b.upgrade).toMatch(/^No upgrade of pcscd helps/);
  });
  it('the 2.5 library out of step: pcscd 2.5', () => {
    const b = bridgeFix(
      base({
        client: { release: '2.5.1', protocol: '4:6', pkg: { name: 'libpcsclite1', version: '2.5.1-1' } },
        daemon: daemon('4:4', 0x8010001e, '2.2.3-1'),
        outcome: 'desync',
      }),
    );
    expect(b.upgrade).toBe(
      'An upgrade also fixes it: pcscd 2.5.0 or later (installed: 2.2.3-1) speaks 4:6 with the 2.5 library.',
    );
  });
  it('every broken pair of the table gets the bridge, every working one no upgrade', () => {
    for (const c of CLIENT_LINES)
      for (const d of DAEMON_LINES) {
        const p = predict(c, lineAnswers(d));
        const b = bridgeFix(
          base({
            client: { release: c.first, protocol: `4:${c.minor}` },
            daemon: daemon(`4:${d.minor}`, d.refusal),
            outcome: p.outcome,
          }),
        );
        expect(b.commands.join('\n')).toContain('pcsc proxy --print-systemd');
        if (broken(p.outcome)) expect(b.upgrade, `${c.range} × ${d.range}`).toBeDefined();
        else expect(b.upgrade, `${c.range} × ${d.range}`).toBeUndefined();
      }
  });
});

describe("reader slots: the bridge serves its clients their build's array size", () => {
  const fedora = (over: Partial<BridgeInput> = {}): BridgeInput =>
    base({
      client: { release: '1.9.9', protocol: '4:4', pkg: { name: 'pcsc-lite-libs', version: '1.9.9-1' }, slots: 48 },
      family: 'fedora',
      ...over,
    });
  it('48-slot host programs: --client-slots 48 in the service unit, and the text says why and whom the variable sends', () => {
    const b = bridgeFix(fedora());
    expect(b.commands).toContain(
      'pcsc proxy --print-systemd --unit service --client-slots 48 > ~/.config/systemd/user/pcsc-proxy.service',
    );
    expect(b.text).toContain('It is started with --client-slots 48');
    expect(b.text).toContain(
      'every program of the session that uses libpcsclite then goes through the bridge, those the desktop starts and Flatpak apps too',
    );
    expect(b.text).toContain("This machine's programs (48 reader slots) then work through it");
    expect(b.text).toContain('run such an app through a second bridge without --client-slots');
  });
  it('48-slot host programs without systemd: the flag on the hand-started proxy, and ~/.profile says whom it sends', () => {
    const b = bridgeFix(fedora({ init: 'openrc' }));
    expect(b.commands[0]).toBe('pcsc proxy --listen /run/user/1000/pcsc-proxy/pcscd.comm --client-slots 48 &');
    expect(b.text).toContain('every program started from them that uses libpcsclite then goes through the bridge');
    expect(b.text).toContain("This machine's programs (48 reader slots)");
  });
  it('16 slots, or 4:6 clients (counted arrays), or a sandboxed app: never the flag', () => {
    for (const input of [
      fedora({ client: { release: '1.9.9', protocol: '4:4', slots: 16 } }),
      base({ client: { release: '1.9.9', protocol: '4:4', slots: 16 } }),
      fedora({
        client: { release: '2.5.1', protocol: '4:6', slots: 48 },
        daemon: daemon('4:4', 0x8010001e),
        outcome: 'desync',
      }),
      fedora({
        client: { release: '1.9.9', protocol: '4:4' },
        sandbox: { kind: 'flatpak', app: 'org.example.App' },
        init: 'unknown',
      }),
    ]) {
      const b = bridgeFix(input);
      expect(JSON.stringify(b)).not.toContain('--client-slots');
      expect(b.text).not.toContain('reader slots');
    }
  });
  it('slots unknown on a Fedora-family host: the text says Fedora-built clients need --client-slots 48, and why; not on Debian', () => {
    const unknown = { release: '1.9.9', protocol: '4:4' };
    const b = bridgeFix(fedora({ client: unknown }));
    expect(b.commands.join('\n')).not.toContain('--client-slots');
    expect(b.text).toContain(
      "If these programs are built against Fedora's pcsc-lite (48 reader slots where upstream has 16), add `--client-slots 48`",
    );
    expect(b.text).toContain('a 48-slot client would wait for 32 entries a default bridge never sends');
    expect(bridgeFix(base({ client: unknown })).text).not.toContain('--client-slots');
  });
});
