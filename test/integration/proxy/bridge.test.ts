// The bridge as doctor prescribes it (docs/proxy.md): Debian's libpcsclite 1.9.9 (protocol 4:4)
// against a pcscd of a release line Debian does not ship (the fake of 2.4.0: 4:5 only), directly
// ("Service was stopped") and through `pcsc proxy` — on the host with the default socket under
// $XDG_RUNTIME_DIR, inside bubblewrap with only the bridge's socket bound at /run/pcscd/pcscd.comm
// as Flatpak binds it, and started by socket activation (systemd-socket-activate passes the
// listening socket as fd 3, as a systemd socket unit does). The printed units pass
// `systemd-analyze verify`.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, pcsc, requireBuild, startCli } from '../../helpers/cli.js';
import { requireFiles, startProcess, type Proc } from '../../rig/processes.js';
import { FakePcscd } from '../../fakes/fake-pcscd.js';
import { bridgeFix } from '../../../src/core/doctor/bridge.js';

const READER = 'Bridge Test Reader 00 00';
let dir: string;
let daemon: FakePcscd;
const procs: Proc[] = [];

beforeAll(async () => {
  requireBuild();
  requireFiles({
    '/usr/bin/pcsc_scan': 'pcsc-tools',
    '/usr/bin/bwrap': 'bubblewrap',
    '/usr/bin/systemd-analyze': 'systemd',
    '/usr/bin/systemd-socket-activate': 'systemd',
  });
  dir = mkdtempSync(join(tmpdir(), 'pcsc-bridge-'));
  daemon = await FakePcscd.start({ version: '2.4.0', readers: [{ name: READER }] });
}, 30_000);

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop(3000, 'SIGINT')));
});

afterAll(async () => {
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a client to the end (asynchronously: the fake daemon lives in this process). */
async function client(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  const p = startProcess(cmd, args, { env });
  procs.push(p);
  const t = setTimeout(() => void p.stop(0, 'SIGKILL'), 20_000);
  const code = await p.exited;
  clearTimeout(t);
  return { code, out: p.lines.join('\n') };
}

/** Debian's pcsc_scan -r (libpcsclite 1.9.9, 4:4) against `socket`. */
function scan(socket: string): Promise<{ code: number | null; out: string }> {
  return client('pcsc_scan', ['-r'], { PATH: process.env.PATH, PCSCLITE_CSOCK_NAME: socket });
}

/** The same pcsc_scan in bubblewrap, seeing only `socket` at /run/pcscd/pcscd.comm (Flatpak's --socket=pcsc). */
function scanInSandbox(socket: string): Promise<{ code: number | null; out: string }> {
  return client(
    'bwrap',
    [
      ...['--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64'],
      ...['--symlink', 'usr/bin', '/bin', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp'],
      ...['--ro-bind', socket, '/run/pcscd/pcscd.comm', '--setenv', 'PCSCLITE_CSOCK_NAME', '/run/pcscd/pcscd.comm'],
      ...['--unshare-all', '--die-with-parent', '/usr/bin/pcsc_scan', '-r'],
    ],
    { PATH: '/usr/bin:/bin' },
  );
}

describe('the bridge between libpcsclite 1.9.9 (4:4) and a 4:5-only pcscd (2.4.0)', () => {
  it('directly, the client gets "Service was stopped"', async () => {
    const r = await scan(daemon.path);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('Service was stopped');
    expect((await scanInSandbox(daemon.path)).out).toContain('Service was stopped');
  });

  it('`pcsc proxy` without --listen creates $XDG_RUNTIME_DIR/pcsc-proxy (0700) and the client lists the reader', async () => {
    const runtime = join(dir, 'xdg');
    mkdirSync(runtime, { mode: 0o700 });
    const sock = join(runtime, 'pcsc-proxy', 'pcscd.comm');
    const proxy = startCli(['proxy', '--upstream', daemon.path], {
      PATH: process.env.PATH,
      XDG_RUNTIME_DIR: runtime,
      NO_COLOR: '1',
    });
    procs.push(proxy);
    await proxy.waitLine(/point clients at it/, 0, 15_000, 'the proxy listening');
    expect(proxy.lines).toContain(`pcsc: point clients at it with PCSCLITE_CSOCK_NAME=${sock}; Ctrl-C stops`);
    expect(statSync(join(runtime, 'pcsc-proxy')).mode & 0o7777).toBe(0o700);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    const r = await scan(sock);
    expect(r.out).toContain(`0: ${READER}`);
    expect(r.code).toBe(0);
    // Inside the sandbox, with only the bridge's socket bound where Flatpak binds it.
    const boxed = await scanInSandbox(sock);
    expect(boxed.out).toContain(`0: ${READER}`);
    expect(boxed.code).toBe(0);
    await proxy.stop(3000, 'SIGINT');
    expect(await proxy.exited).toBe(0);
    expect(existsSync(sock)).toBe(false);
  });

  it("doctor's fix, run as printed (no systemd here), makes the client work, now and in the next login shell", async () => {
    // `pcsc` on PATH, as after `npm link`: the printed lines then run exactly as printed.
    const home = mkdtempSync(join(dir, 'home-'));
    const runtime = join(home, 'xdg');
    mkdirSync(runtime, { mode: 0o700 });
    mkdirSync(join(home, 'bin'));
    writeFileSync(join(home, 'bin', 'pcsc'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
    const env = {
      PATH: `${join(home, 'bin')}:${process.env.PATH}`,
      HOME: home,
      XDG_RUNTIME_DIR: runtime,
      PCSCLITE_CSOCK_NAME: daemon.path,
      NO_COLOR: '1',
    };
    const doctor = startCli(['doctor', '--json'], env);
    procs.push(doctor);
    await doctor.exited;
    const checks = (JSON.parse(doctor.lines.join('\n')) as { checks: { id: string; fix?: { commands?: string[] } }[] })
      .checks;
    const commands = checks.find((c) => c.id === 'libpcsclite.version')?.fix?.commands ?? [];
    expect(commands[0]).toMatch(/^pcsc proxy --listen \S+ --upstream \S+ &$/);
    const sock = join(runtime, 'pcsc-proxy', 'pcscd.comm');
    const script = [
      ...commands,
      `for _ in $(seq 300); do [ -S ${sock} ] && break; sleep 0.05; done`,
      'pcsc_scan -r; echo "scan $?"',
      // A login shell started afterwards reads ~/.profile: the variable is there again.
      `env -u PCSCLITE_CSOCK_NAME HOME=${home} bash -l -c 'pcsc_scan -r; echo "login scan $?"'`,
      'kill %1; wait %1',
    ].join('\n');
    const r = await client('bash', ['--norc', '--noprofile', '-c', script], env);
    expect(r.out).toContain(`0: ${READER}`);
    expect(r.out).toContain('scan 0');
    expect(r.out).toContain('login scan 0');
    expect(readFileSync(join(home, '.profile'), 'utf8')).toBe(`export PCSCLITE_CSOCK_NAME=${sock}\n`);
  });

  it('started by socket activation, the proxy serves the passed socket and leaves it in place when it stops', async () => {
    const sockDir = join(dir, 'activated', 'pcsc-proxy');
    mkdirSync(sockDir, { recursive: true, mode: 0o700 });
    const sock = join(sockDir, 'pcscd.comm');
    // systemd-socket-activate binds, waits for the first connection, then execs the proxy with
    // LISTEN_FDS=1, LISTEN_PID and LISTEN_FDNAMES (as systemd does for a socket unit without Accept=).
    const activator = startProcess(
      'systemd-socket-activate',
      [
        '-l',
        sock,
        '--fdname=pcsc-proxy.socket',
        process.execPath,
        BIN,
        'proxy',
        '--listen',
        sock,
        '--upstream',
        daemon.path,
      ],
      { env: cliEnv({ PATH: process.env.PATH, NO_COLOR: '1' }) },
    );
    procs.push(activator);
    await activator.waitLine(/Listening on/, 0, 15_000, 'systemd-socket-activate listening');
    const inode = statSync(sock).ino;
    const r = await scan(sock);
    expect(r.out).toContain(`0: ${READER}`);
    expect(r.code).toBe(0);
    expect(activator.lines.join('\n')).toContain(`pcsc: listening on ${sock} (the socket systemd passed)`);
    const boxed = await scanInSandbox(sock);
    expect(boxed.out).toContain(`0: ${READER}`);
    await activator.stop(3000, 'SIGTERM');
    expect(await activator.exited).toBe(0);
    expect(activator.lines).toContain(`pcsc: stopped after 2 client connections; left ${sock} to systemd`);
    // The file is systemd's: same inode, so a Flatpak app that bound it would find the next proxy there.
    expect(statSync(sock).ino).toBe(inode);
  });

  it('refuses --listen that is not the socket systemd passed', async () => {
    const sock = join(dir, 'other-activated.comm');
    const activator = startProcess(
      'systemd-socket-activate',
      ['-l', sock, process.execPath, BIN, 'proxy', '--listen', join(dir, 'elsewhere.comm'), '--upstream', daemon.path],
      { env: cliEnv({ PATH: process.env.PATH, NO_COLOR: '1' }) },
    );
    procs.push(activator);
    await activator.waitLine(/Listening on/, 0, 15_000, 'systemd-socket-activate listening');
    await scan(sock); // the first connection makes it start the proxy
    expect(await activator.exited).toBe(2);
    expect(activator.lines).toContain(
      `pcsc: systemd passed the socket ${sock}, but --listen says ${join(dir, 'elsewhere.comm')}: make them agree`,
    );
  });
});

describe('pcsc proxy --print-systemd', () => {
  /** Writes the two units of `pcsc proxy --print-systemd --unit …` (extra args) into a directory. */
  async function units(extra: string[] = []): Promise<string> {
    const out = mkdtempSync(join(dir, 'units-'));
    for (const unit of ['socket', 'service']) {
      const r = await pcsc(['proxy', '--print-systemd', '--unit', unit, ...extra], { env: { PATH: process.env.PATH } });
      expect(r.code).toBe(0);
      writeFileSync(join(out, `pcsc-proxy.${unit}`), r.stdout);
    }
    return out;
  }

  /** systemd-analyze verify as a user manager would load them (no systemd runs here: --user needs a runtime dir). */
  function verify(unitDir: string): { code: number | null; stderr: string } {
    const runtime = mkdtempSync(join(dir, 'run-'));
    const r = spawnSync(
      'systemd-analyze',
      ['verify', '--user', '--man=no', join(unitDir, 'pcsc-proxy.socket'), join(unitDir, 'pcsc-proxy.service')],
      { env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: runtime }, encoding: 'utf8', timeout: 30_000 },
    );
    return { code: r.status, stderr: r.stderr };
  }

  it('prints units that systemd-analyze verify accepts without a word', async () => {
    const v = verify(await units());
    // verify only warns (rc 0) about unknown keys in a service: stderr must be empty too.
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('quotes an upstream path with a space and a % so systemd reads it back', async () => {
    const d = await units(['--upstream', join(dir, 'odd 100%', 'pcscd.comm')]);
    const v = verify(d);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(readFileSync(join(d, 'pcsc-proxy.service'), 'utf8')).toContain(
      ` --upstream "${join(dir, 'odd 100%%', 'pcscd.comm')}"\n`,
    );
  });

  it("the service line doctor prints for a 48-slot host's programs gives a unit that starts the proxy with --client-slots 48", async () => {
    const b = bridgeFix({
      client: { release: '1.9.9', protocol: '4:4', slots: 48 },
      daemon: { protocol: '4:5', refusal: 0x8010001e, socket: '/run/pcscd/pcscd.comm' },
      outcome: 'stopped',
      sandbox: null,
      init: 'systemd',
      runtimeDir: '/run/user/1000',
      uid: 1000,
      family: 'fedora',
    });
    const line = b.commands.find((c) => c.includes('--unit service'));
    const m = /^pcsc (proxy --print-systemd --unit service .*) > \S+$/.exec(line ?? '');
    expect(m?.[1]).toBe('proxy --print-systemd --unit service --client-slots 48');
    const out = mkdtempSync(join(dir, 'units-'));
    for (const [unit, args] of [
      ['socket', ['proxy', '--print-systemd', '--unit', 'socket']],
      ['service', (m?.[1] ?? '').split(' ')],
    ] as const) {
      const r = await pcsc([...args], { env: { PATH: process.env.PATH } });
      expect(r.code).toBe(0);
      writeFileSync(join(out, `pcsc-proxy.${unit}`), r.stdout);
    }
    expect(readFileSync(join(out, 'pcsc-proxy.service'), 'utf8')).toMatch(
      /^ExecStart=\S+ \S+ proxy --listen %t\/pcsc-proxy\/pcscd\.comm --upstream \/run\/pcscd\/pcscd\.comm --client-slots 48$/m,
    );
    const v = verify(out);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('a broken unit fails the same verification (the check can fail)', async () => {
    const d = await units();
    writeFileSync(join(d, 'pcsc-proxy.socket'), '[Socket]\nListenStreem=%t/pcsc-proxy/pcscd.comm\n');
    const v = verify(d);
    expect(v.code).not.toBe(0);
    expect(v.stderr).toContain("Unknown key 'ListenStreem'");
  });

  it('prints both units, the install commands and what to do without systemd; --json has them too', async () => {
    const r = await pcsc(['proxy', '--print-systemd'], { env: { PATH: process.env.PATH } });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('# ~/.config/systemd/user/pcsc-proxy.socket');
    expect(lines).toContain('systemctl --user enable --now pcsc-proxy.socket');
    expect(lines).toContain("# Without systemd (as here): start the proxy from your session's autostart instead:");
    const j = await pcsc(['proxy', '--print-systemd', '--json'], { env: { PATH: process.env.PATH } });
    const o = JSON.parse(j.stdout) as { socket: { text: string }; commands: string[]; systemd: boolean };
    expect(o.socket.text).toContain('ListenStream=%t/pcsc-proxy/pcscd.comm');
    expect(o.commands.at(-1)).toBe('systemctl --user enable --now pcsc-proxy.socket');
    expect(o.systemd).toBe(false);
  });

  it('--client-slots 48 goes into the service, its install command and the line for a machine without systemd', async () => {
    const j = await pcsc(['proxy', '--print-systemd', '--client-slots', '48', '--json'], {
      env: { PATH: process.env.PATH },
    });
    expect(j.code).toBe(0);
    const o = JSON.parse(j.stdout) as { service: { text: string }; commands: string[]; withoutSystemd: string };
    expect(o.service.text).toMatch(/^ExecStart=.* --client-slots 48$/m);
    expect(o.commands).toContain(
      'pcsc proxy --print-systemd --unit service --client-slots 48 > ~/.config/systemd/user/pcsc-proxy.service',
    );
    expect(o.withoutSystemd).toMatch(/^pcsc proxy --listen \S+ --client-slots 48 &$/);
  });
});
