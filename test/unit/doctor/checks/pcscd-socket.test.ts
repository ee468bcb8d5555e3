import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  INSTALL_BRIDGE_UNITS,
  HELP_2_4,
  ok,
  runCheck,
  scenario,
  withPcscd,
  withRootAccounts,
  withSystemdPcscdUser,
  versionOutput,
  type Scenario,
} from '../../../helpers/doctor-fixture.js';
import { FakePcscd } from '../../../fakes/fake-pcscd.js';
import { PcscdContext } from '../../../../src/core/pcscd/context.js';

let s: Scenario;
let daemon: FakePcscd | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  s.tree.remove();
});

const SOCK = '/run/pcscd/pcscd.comm';

/** A fake pcscd of this release on the scenario's socket; closeOn: it hangs up on every request with that command. */
async function withDaemon(
  sc: Scenario,
  release: string,
  opts: { closeOn?: number; slots?: number } = {},
): Promise<void> {
  sc.tree.dir('/run/pcscd');
  daemon = await FakePcscd.start({
    version: release,
    path: sc.tree.root + SOCK,
    ...(opts.slots ? { slots: opts.slots } : {}),
  });
  if (opts.closeOn !== undefined)
    daemon.inject({ cmd: opts.closeOn, times: Infinity, action: { kind: 'close-after-bytes', bytes: 0 } });
}

describe('pcscd.socket', () => {
  it('passes when the socket accepts connections', async () => {
    s = withPcscd(scenario(), '1.9.9');
    await withDaemon(s, '1.9.9');
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('/run/pcscd/pcscd.comm accepts connections');
  });
  it('fails without a socket and starts pcscd through systemd where it runs', async () => {
    s = withSystemdPcscdUser(withPcscd(scenario(), '2.4.1'));
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('No pcscd socket at /run/pcscd/pcscd.comm');
    expect(r.fix?.commands).toEqual([
      'sudo systemctl enable --now pcscd.socket',
      'sudo systemctl restart pcscd.socket',
    ]);
  });
  it('fails on a PCSCLITE_CSOCK_NAME that leads nowhere and says to unset it, the system pcscd being there', async () => {
    s = withPcscd(scenario(), '1.9.9');
    await withDaemon(s, '1.9.9');
    s.env.PCSCLITE_CSOCK_NAME = '/tmp/nothing-here.comm';
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('No pcscd socket at /tmp/nothing-here.comm (from PCSCLITE_CSOCK_NAME)');
    expect(r.fix?.commands).toEqual(['unset PCSCLITE_CSOCK_NAME']);
  });
  it('fails on a stale socket file nobody listens on', async () => {
    s = withRootAccounts(withPcscd(scenario(), '1.9.9'));
    s.tree.dir('/run/pcscd');
    // A socket bound by a process that exits leaves the file behind, as pcscd does when it stops.
    execFileSync('python3', [
      '-c',
      'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
      s.tree.root + SOCK,
    ]);
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('Stale socket: nothing listens on /run/pcscd/pcscd.comm');
    // No init system and no init script in this tree: pcscd itself, through sudo.
    expect(r.fix?.commands).toEqual(['sudo /usr/sbin/pcscd']);
  });
  it('fails when a plain file sits where the socket belongs', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.file(SOCK, 'oops');
    const r = await runCheck(s, 'pcscd.socket');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('/run/pcscd/pcscd.comm exists but is not a socket');
    expect(r.fix?.commands).toEqual([
      'sudo mv /run/pcscd/pcscd.comm /run/pcscd/pcscd.comm.bad',
      'sudo /usr/sbin/pcscd',
    ]);
  });
  it('never offers to move a file the user named that is not a socket', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\n');
    let r = await runCheck(s, 'pcscd.socket', { socket: '/etc/passwd' });
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('/etc/passwd (from --socket) exists but is not a socket');
    expect(r.fix).toEqual({
      text: 'Give --socket the path pcscd listens on (/run/pcscd/pcscd.comm unless pcscd was started with another).',
    });
    s.env.PCSCLITE_CSOCK_NAME = '/etc/passwd';
    r = await runCheck(s, 'pcscd.socket');
    expect(r.summary).toBe('/etc/passwd (from PCSCLITE_CSOCK_NAME) exists but is not a socket');
    expect(r.fix?.commands).toEqual(['unset PCSCLITE_CSOCK_NAME']);
  });
});

describe('pcscd.protocol', () => {
  it('passes against a 1.9.9 daemon and predicts which client libraries fail', async () => {
    s = withPcscd(scenario(), '1.9.9');
    await withDaemon(s, '1.9.9');
    const r = await runCheck(s, 'pcscd.protocol');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('pcscd speaks 4:4; we negotiated 4:4');
    expect(r.data).toMatchObject({ daemon: '4:4', accepts: ['4:4'], negotiated: '4:4' });
    expect(r.details).toContain(
      'libpcsclite 2.3.0–2.4.0 (4:5): "Service was stopped" (0x8010001E) — pcscd (4:4) refuses 4:5 and this library does not retry',
    );
    expect(r.all.checks.find((c) => c.id === 'pcscd.socket')?.status).toBe('pass');
    expect(daemon?.versionsAsked.slice(0, 5).map((v) => v.minor)).toEqual([2, 3, 4, 5, 6]);
    // Every release line that fails against 1.9.9 is named, with the bridge that makes it work.
    expect(r.details.at(-1)).toBe(
      'Programs with libpcsclite 1.6.5–1.8.8 (4:2), 1.8.9–1.8.23 (4:3), 2.3.0–2.4.0 (4:5), 2.5.0 and later (4:6) fail against this daemon; through `pcsc proxy` every release works (docs/proxy.md).',
    );
  });
  it('warns when the daemon on the socket is not the installed pcscd', async () => {
    s = withPcscd(scenario(), '1.9.9');
    await withDaemon(s, '2.5.1');
    const r = await runCheck(s, 'pcscd.protocol');
    expect(r.status).toBe('warn');
    expect(r.summary).toBe('The daemon on /run/pcscd/pcscd.comm speaks 4:6, but the installed pcscd 1.9.9 speaks 4:4');
    expect(r.data).toMatchObject({ negotiated: '4:6', accepts: ['4:4', '4:5', '4:6'] });
  });
  it('fails when the daemon drops the connection at ESTABLISH_CONTEXT', async () => {
    s = withPcscd(scenario(), '2.4.1');
    await withDaemon(s, '2.4.1', { closeOn: 0x01 });
    const r = await runCheck(s, 'pcscd.protocol');
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/^pcscd \(4:5\) refused a context: /);
  });
  it('names polkit when a polkit-enabled pcscd hangs up at once', async () => {
    s = withPcscd(scenario(), '2.4.1', { features: 'libsystemd usb libudev polkit' });
    await withDaemon(s, '2.4.1', { closeOn: 0x11 });
    const r = await runCheck(s, 'pcscd.protocol');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('pcscd hangs up before answering: polkit refuses you access_pcsc ("Access denied")');
    expect(r.fix?.commands).toEqual(['pcsc doctor polkit']);
  });
  it('fails when something on the socket does not answer CMD_VERSION', async () => {
    s = withPcscd(scenario(), '1.9.9');
    await withDaemon(s, '1.9.9', { closeOn: 0x11 });
    const r = await runCheck(s, 'pcscd.protocol');
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/does not answer CMD_VERSION/);
    expect(r.fix?.text).toBe('Stop pcscd and start it again (it puts itself in the background).');
    expect(r.fix?.commands).toEqual(['sudo pkill -x pcscd', 'sudo /usr/sbin/pcscd']);
  });
});

describe('libpcsclite.version', () => {
  /** The libpcsclite1 package at this version (what dpkg-query says). */
  const withLibPackage = (sc: Scenario, version: string): void => {
    sc.run['dpkg-query -W -f ${Package} ${db:Status-Status} ${Version}\\n libpcsclite1 pcsc-lite-libs pcsclite'] = ok(
      `libpcsclite1 installed ${version}\n`,
    );
  };
  const lib = (sc: Scenario, version: string): void => {
    sc.tree.file('/usr/lib/x86_64-linux-gnu/libpcsclite.so.1.0.0', '');
    sc.tree.link('/usr/lib/x86_64-linux-gnu/libpcsclite.so.1', 'libpcsclite.so.1.0.0');
    sc.tree.file('/usr/lib/x86_64-linux-gnu/pkgconfig/libpcsclite.pc', `Name: PCSC\nVersion: ${version}\n`);
  };
  it('passes when the library and the daemon agree', async () => {
    s = withPcscd(scenario(), '1.9.9');
    lib(s, '1.9.9');
    await withDaemon(s, '1.9.9');
    const r = await runCheck(s, 'libpcsclite.version');
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('libpcsclite 1.9.9 works with pcscd (4:4)');
  });
  it('fails with "Service was stopped" when a 1.9.9 library meets a 2.4.0 daemon', async () => {
    s = withPcscd(scenario(), '2.4.0');
    lib(s, '1.9.9');
    await withDaemon(s, '2.4.0');
    const r = await runCheck(s, 'libpcsclite.version');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe(
      'libpcsclite 1.9.9 (4:4) and pcscd (4:5) do not agree: applications get "Service was stopped" (SCARD_E_SERVICE_STOPPED, 0x8010001E)',
    );
    // The bridge first (no systemd in this scenario: started by hand), then the upgrades that would also do.
    expect(r.fix?.commands).toEqual([
      'pcsc proxy --listen /tmp/pcsc-proxy-1000/pcscd.comm &',
      'export PCSCLITE_CSOCK_NAME=/tmp/pcsc-proxy-1000/pcscd.comm',
      "echo 'export PCSCLITE_CSOCK_NAME=/tmp/pcsc-proxy-1000/pcscd.comm' >> ~/.profile",
    ]);
    expect(r.fix?.text).toContain('pcscd 2.4.1 or later (installed: 2.4.0-1) accepts every client from 4:4 on');
    expect(r.fix?.text).toContain('libpcsclite1 2.4.1 or later (it has 1.9.9) retries');
  });
  it('fails for the 2.5 library against a 4:4 daemon: its fallback gets out of step', async () => {
    s = withPcscd(scenario(), '1.9.9');
    lib(s, '2.5.1');
    await withDaemon(s, '1.9.9');
    const r = await runCheck(s, 'libpcsclite.version');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe(
      'libpcsclite 2.5.1 (4:6) and pcscd (4:4) do not agree: the library falls back to an older protocol and gets out of step (wrong reader names, SCardTransmit returning other bytes)',
    );
    expect(r.data).toMatchObject({ libraries: [{ version: '2.5.1', protocol: '4:6', outcome: 'desync' }] });
    expect(r.fix?.text).toContain('pcscd 2.5.0 or later (installed: 1.9.9-1) speaks 4:6 with the 2.5 library');
  });
  it("never advises the version that is installed: Debian's 1.9.9 library against a 2.4.0 daemon that is not the installed pcscd", async () => {
    // The case: pcscd 1.9.9-2 and libpcsclite1 1.9.9-2 installed, a 2.4.0 (4:5 only) pcscd on the socket.
    s = withPcscd(scenario(), '1.9.9', { pkgVersion: '1.9.9-2' });
    s.tree.dir('/run/systemd/system');
    s.env.XDG_RUNTIME_DIR = '/run/user/1000';
    s.tree.file('/usr/lib/x86_64-linux-gnu/libpcsclite.so.1.0.0', '');
    s.tree.link('/usr/lib/x86_64-linux-gnu/libpcsclite.so.1', 'libpcsclite.so.1.0.0');
    withLibPackage(s, '1.9.9-2');
    await withDaemon(s, '2.4.0');
    const r = await runCheck(s, 'libpcsclite.version');
    expect(r.status).toBe('fail');
    expect(JSON.stringify(r.fix)).not.toContain('1.9.9-2 ');
    expect(JSON.stringify(r.fix)).not.toContain('libpcsclite1=');
    expect(r.fix?.commands).toEqual([
      ...INSTALL_BRIDGE_UNITS,
      'export PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm',
      'mkdir -p ~/.config/environment.d',
      'echo PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm > ~/.config/environment.d/pcsc-proxy.conf',
    ]);
    expect(r.fix?.text).toContain(
      'the daemon on /run/pcscd/pcscd.comm is not the installed pcscd: upgrading what provides it to pcsc-lite 2.4.1 or later accepts every client from 4:4 on',
    );
    expect(r.fix?.text).toContain('libpcsclite1 2.4.1 or later (installed: 1.9.9-2)');
    expect(r.data).toMatchObject({ bridge: '/run/user/1000/pcsc-proxy/pcscd.comm' });
  });
  it("offers the library of pcscd's own release when the packages differ", async () => {
    s = withPcscd(scenario(), '2.4.0', { pkgVersion: '2.4.0-1' });
    s.tree.file('/usr/lib/x86_64-linux-gnu/libpcsclite.so.1', '');
    withLibPackage(s, '1.9.9-2');
    await withDaemon(s, '2.4.0');
    const r = await runCheck(s, 'libpcsclite.version');
    expect(r.status).toBe('fail');
    expect(r.details.at(-1)).toBe(
      "Or install the library of pcscd's own release (pcscd 2.4.0-1, libpcsclite1 1.9.9-2): `sudo apt-get install libpcsclite1=2.4.0-1`.",
    );
  });
  it('warns about a second copy under /usr/local', async () => {
    s = withPcscd(scenario(), '1.9.9');
    lib(s, '1.9.9');
    s.tree.file('/usr/local/lib/libpcsclite.so.1', '');
    s.tree.file('/usr/local/lib/pkgconfig/libpcsclite.pc', 'Version: 2.4.1\n');
    await withDaemon(s, '1.9.9');
    const r = await runCheck(s, 'libpcsclite.version');
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/^2 copies of libpcsclite/);
  });
});

describe('pcscd.readers', () => {
  const ATR = Buffer.from('3B951381018073FF01000B', 'hex');
  it('names a busy reader and a mute card, and still connects to the readers after them', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.dir('/run/pcscd');
    daemon = await FakePcscd.start({
      version: '1.9.9',
      path: s.tree.root + SOCK,
      readers: [
        { name: 'Busy 00 00', card: { atr: ATR } },
        { name: 'Mute 01 00', card: { atr: ATR, mute: true } },
        { name: 'Good 02 00', card: { atr: ATR } },
      ],
    });
    // Another program's open transaction: pcscd makes every other CONNECT to that reader wait.
    const other = await PcscdContext.establish({ socket: daemon.path });
    try {
      const card = await other.connect('Busy 00 00', { share: 'shared' });
      await card.beginTransaction();
      const r = await runCheck(s, 'pcscd.readers');
      expect(r.status).toBe('fail');
      expect(r.details).toEqual([
        'Busy 00 00: busy: another program keeps a transaction open on the card (pcscd held a shared connect for over 5 s)',
        'Mute 01 00: the card does not answer (mute: upside down, dirty contacts, or a memory card)',
        'Good 02 00: card present, connected shared (T=1)',
      ]);
      // No scdaemon runs in this scenario: the fix must not guess at it.
      expect(r.fix?.text).toMatch(/^Another program holds the card/);
      expect(r.fix?.commands).toBeUndefined();
      expect(JSON.stringify(r.fix)).not.toMatch(/scdaemon|gpgconf/);
      // An scdaemon that runs but is not seen connected to pcscd is not named either: the fix names only the
      // programs connected now (scdaemon among them: test/unit/system/pcsc-clients.test.ts).
      s.processes.push({ pid: 1820, argv: ['/usr/lib/gnupg/scdaemon', '--multi-server'], uid: 1000 });
      const withScd = await runCheck(s, 'pcscd.readers');
      expect(withScd.fix?.text).toMatch(/^Another program holds the card/);
      expect(JSON.stringify(withScd.fix)).not.toMatch(/scdaemon|gpgconf/);
      await card.endTransaction();
    } finally {
      await other.release();
    }
  }, 20_000);
});

describe('pcscd.readers: a reader whose driver reports errors', () => {
  it('warns that the reader does not answer, with what to do', async () => {
    s = withPcscd(scenario(), '1.9.9');
    s.tree.dir('/run/pcscd');
    daemon = await FakePcscd.start({
      version: '1.9.9',
      path: s.tree.root + SOCK,
      readers: [{ name: 'Broken 00 00', failed: true }, { name: 'Empty 01 00' }],
    });
    const r = await runCheck(s, 'pcscd.readers');
    expect(r.status).toBe('warn');
    expect(r.details).toEqual([
      'Broken 00 00: the reader does not answer pcscd (state unavailable: its driver reports errors)',
      'Empty 01 00: no card',
    ]);
    expect(r.fix?.text).toMatch(/^Unplug the reader and plug it in again/);
  });
});

describe('pcscd.readers (no daemon)', () => {
  it('is skipped when the socket check fails', async () => {
    s = withPcscd(scenario(), '1.9.9');
    const r = await runCheck(s, 'pcscd.readers');
    expect(r.status).toBe('skip');
    expect(r.summary).toContain('which was skipped');
  });
});

describe("reader slots: doctor measures the daemon's array on the host and fits the bridge to it", () => {
  /**
   * A Fedora host with systemd: pcsc-lite (pcscd) and pcsc-lite-libs from rpm, the library in
   * /usr/lib64. The fake daemon on the socket is the installed pcscd, built with `slots` entries.
   */
  async function fedora(o: { pcscd: string; lib: string; slots: number; daemon?: string }): Promise<Scenario> {
    const sc = scenario();
    sc.tree.file('/etc/os-release', 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=41\n');
    sc.tree.file('/usr/sbin/pcscd', '#!/bin/false\n');
    sc.run['/usr/sbin/pcscd --version'] = ok(versionOutput(o.pcscd));
    sc.run['/usr/sbin/pcscd --help'] = ok(HELP_2_4);
    sc.run['rpm -q --qf %{VERSION}-%{RELEASE} pcsc-lite'] = ok(`${o.pcscd}-1.fc41`);
    sc.run['rpm -q --qf %{VERSION}-%{RELEASE} pcsc-lite-libs'] = ok(`${o.lib}-1.fc41`);
    sc.tree.file('/usr/lib64/libpcsclite.so.1.0.0', '');
    sc.tree.link('/usr/lib64/libpcsclite.so.1', 'libpcsclite.so.1.0.0');
    sc.tree.dir('/run/systemd/system');
    sc.env.XDG_RUNTIME_DIR = '/run/user/1000';
    await withDaemon(sc, o.daemon ?? o.pcscd, { slots: o.slots });
    return sc;
  }
  const SERVICE_48 =
    'pcsc proxy --print-systemd --unit service --client-slots 48 > ~/.config/systemd/user/pcsc-proxy.service';

  it('pcscd.protocol reports a 48-slot daemon (data.slots, and what it means)', async () => {
    s = await fedora({ pcscd: '2.4.0', lib: '2.4.0', slots: 48 });
    const r = await runCheck(s, 'pcscd.protocol');
    expect(r.status).toBe('pass');
    expect(r.data).toMatchObject({ daemon: '4:5', slots: 48 });
    expect(r.details[1]).toBe(
      'Its reader-state arrays (clients up to 4:5) have 48 entries, where upstream pcsc-lite has 16 (Fedora builds it with 48): a library built with another count reads them out of step, whatever its version (docs/proxy.md, "Reader slots").',
    );
  });
  it("libpcsclite.version on a 48-slot host: this machine's programs get a bridge with --client-slots 48, and the advice says whom it sends", async () => {
    // A 1.9.9 library (4:4) left beside a 2.4.0 pcscd (4:5 only) of the same distribution.
    s = await fedora({ pcscd: '2.4.0', lib: '1.9.9', slots: 48 });
    const r = await runCheck(s, 'libpcsclite.version');
    expect(r.status).toBe('fail');
    expect(r.fix?.commands).toEqual([
      ...INSTALL_BRIDGE_UNITS.slice(0, 2),
      SERVICE_48,
      ...INSTALL_BRIDGE_UNITS.slice(3),
      'export PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm',
      'mkdir -p ~/.config/environment.d',
      'echo PCSCLITE_CSOCK_NAME=/run/user/1000/pcsc-proxy/pcscd.comm > ~/.config/environment.d/pcsc-proxy.conf',
    ]);
    expect(r.fix?.text).toContain("this machine's libpcsclite is built for 48 reader slots, like its pcscd");
    expect(r.fix?.text).toContain("This machine's programs (48 reader slots) then work through it");
    expect(r.all.checks.find((c) => c.id === 'pcscd.protocol')?.data).toMatchObject({ slots: 48 });
  });
  it('libpcsclite.version: a /usr/local library is an upstream build (16 slots) even on a 48-slot host', async () => {
    s = await fedora({ pcscd: '2.4.0', lib: '2.4.0', slots: 48 });
    s.tree.file('/usr/local/lib/libpcsclite.so.1', '');
    s.tree.file('/usr/local/lib/pkgconfig/libpcsclite.pc', 'Version: 1.9.9\n');
    const r = await runCheck(s, 'libpcsclite.version');
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/^libpcsclite 1\.9\.9 \(4:4\) and pcscd \(4:5\)/);
    expect(JSON.stringify(r.fix)).not.toContain('--client-slots');
  });
  it("pcscd.protocol, the daemon not the installed pcscd (slots of this machine's programs unknown): the Fedora note, no flag", async () => {
    s = await fedora({ pcscd: '1.9.9', lib: '1.9.9', daemon: '2.4.0', slots: 48 });
    const r = await runCheck(s, 'pcscd.protocol');
    expect(r.status).toBe('warn');
    expect(r.fix?.commands).toContain(INSTALL_BRIDGE_UNITS[2]);
    expect(JSON.stringify(r.fix?.commands)).not.toContain('--client-slots');
    expect(r.fix?.text).toContain(
      "If these programs are built against Fedora's pcsc-lite (48 reader slots where upstream has 16), add `--client-slots 48`",
    );
  });
  for (const host of ['fedora', 'debian'] as const) {
    it(`a 16-slot ${host} host never gets the flag, from any check that prints the bridge`, async () => {
      if (host === 'fedora') s = await fedora({ pcscd: '2.4.0', lib: '1.9.9', slots: 16 });
      else {
        s = withPcscd(scenario(), '2.4.0');
        s.tree.dir('/run/systemd/system');
        s.env.XDG_RUNTIME_DIR = '/run/user/1000';
        s.tree.file('/usr/lib/x86_64-linux-gnu/libpcsclite.so.1', '');
        s.tree.file('/usr/lib/x86_64-linux-gnu/pkgconfig/libpcsclite.pc', 'Version: 1.9.9\n');
        await withDaemon(s, '2.4.0');
      }
      const r = await runCheck(s, 'libpcsclite.version');
      expect(r.status).toBe('fail');
      expect(r.fix?.commands).toEqual(expect.arrayContaining(INSTALL_BRIDGE_UNITS));
      expect(r.all.checks.find((c) => c.id === 'pcscd.protocol')?.data).toMatchObject({ slots: 16 });
      for (const c of r.all.checks) {
        expect(JSON.stringify(c.fix ?? {})).not.toContain('--client-slots');
        expect(c.details.join(' ')).not.toContain('reader-state arrays');
      }
    });
  }
});
