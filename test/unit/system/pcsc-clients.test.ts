// Who is connected to pcscd's socket, from a scripted system: ss's peer pairs, /proc/PID/fd links, the process
// list. Root and not root, ss missing, a proxy in front, the caller left out; and the busy-reader line and fix.

import { describe, expect, it } from 'vitest';
import { busyLine, holderFix } from '../../../src/core/doctor/checks/holders.js';
import { commandName, knownClient, knownClients } from '../../../src/core/system/known-clients.js';
import { bootTime, findPcscClients, startTime } from '../../../src/core/system/pcsc-clients.js';
import type { ProcessInfo, SystemProbe } from '../../../src/core/system/types.js';
import { parseSsUnix } from '../../../src/core/system/unix-sockets.js';

const SOCK = '/run/pcscd/pcscd.comm';
const HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
const listening = (inode: number, path: string): string =>
  `0000000000000000: 00000002 00000000 00010000 0001 01 ${inode} ${path}\n`;
const accepted = (inode: number, path: string): string =>
  `0000000000000000: 00000003 00000000 00000000 0001 03 ${inode} ${path}\n`;
/** ss -xanH: a server's accepted socket (path, inode) and its client's inode. */
const ss = (pairs: [string, number, number][]): string =>
  pairs.map(([path, inode, peer]) => `u_str ESTAB 0      0      ${path} ${inode} * ${peer}`).join('\n') + '\n';

interface Proc extends ProcessInfo {
  /** fd → socket inode. */
  sockets?: Record<string, number>;
  /** null: /proc/PID/fd unreadable (another user's process, not root). */
  hidden?: boolean;
  start?: number;
}

function probe(o: {
  uid?: number;
  procs: Proc[];
  netUnix: string;
  ss?: string | null;
  platform?: 'linux' | 'darwin';
}): SystemProbe {
  const files = new Map<string, string>([
    ['/proc/net/unix', HEADER + o.netUnix],
    ['/proc/stat', 'cpu  1 2 3\nbtime 1800000000\n'],
    [
      '/etc/passwd',
      'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n',
    ],
  ]);
  const links = new Map<string, string>();
  const dirs = new Map<string, string[]>();
  for (const p of o.procs) {
    if (!p.hidden) dirs.set(`/proc/${p.pid}/fd`, Object.keys(p.sockets ?? {}));
    for (const [fd, inode] of Object.entries(p.sockets ?? {}))
      links.set(`/proc/${p.pid}/fd/${fd}`, `socket:[${inode}]`);
    // field 22 (starttime) in ticks: fields 3..21 are placeholders here.
    files.set(`/proc/${p.pid}/stat`, `${p.pid} (a (b) c) S ${'0 '.repeat(18)}${p.start ?? 0} 0 0`);
  }
  return {
    root: '/',
    platform: o.platform ?? 'linux',
    env: {},
    ...(o.uid !== undefined ? { uid: o.uid } : {}),
    path: (p) => p,
    readFile: async (p) => files.get(p) ?? null,
    readBytes: async () => ({ error: 'ENOENT' }),
    readDir: async (p) => dirs.get(p) ?? null,
    // sudo is installed (/usr/bin/sudo): the fixes' root commands start with it.
    stat: async (p) =>
      p === '/usr/bin/sudo'
        ? {
            isFile: true,
            isDirectory: false,
            isSymlink: false,
            isSocket: false,
            isCharDevice: false,
            mode: 0o104755,
            uid: 0,
            gid: 0,
            size: 1,
            mtimeMs: 0,
          }
        : null,
    lstat: async () => null,
    readLink: async (p) => links.get(p) ?? null,
    realPath: async (p) => p,
    run: async (cmd) => (cmd === 'ss' && o.ss != null ? { code: 0, stdout: o.ss, stderr: '' } : null),
    processes: async () => o.procs.map(({ pid, argv, uid, exe }) => ({ pid, argv, uid, ...(exe ? { exe } : {}) })),
  };
}

const PCSCD: Proc = {
  pid: 100,
  uid: 0,
  argv: ['/usr/sbin/pcscd', '--foreground'],
  sockets: { 3: 10, 4: 11, 5: 12, 6: 13 },
};
const NET = listening(10, SOCK) + accepted(11, SOCK) + accepted(12, SOCK) + accepted(13, SOCK);
const SS = ss([
  [SOCK, 11, 21],
  [SOCK, 12, 22],
  [SOCK, 13, 23],
]);
const KEEPASS: Proc = {
  pid: 2211,
  uid: 1000,
  argv: ['/usr/bin/keepassxc'],
  exe: '/usr/bin/keepassxc',
  sockets: { 9: 21 },
  start: 4200,
};
const SCD: Proc = { pid: 1820, uid: 1000, argv: ['scdaemon', '--multi-server'], sockets: { 7: 22 } };
const BOBS: Proc = { pid: 3000, uid: 1001, argv: ['/usr/bin/pcsc_scan'], sockets: { 3: 23 }, hidden: true };

describe('parseSsUnix', () => {
  it('reads inode, path (with spaces) and peer; skips listeners and unconnected', () => {
    const t =
      'u_str LISTEN 0 64 /run/pcscd/pcscd.comm 10 * 0\n' +
      'u_str ESTAB 0 0 /tmp/a b/x.comm 11 * 21\n' +
      'u_str ESTAB 0 0 * 21 * 11\n';
    expect(parseSsUnix(t)).toEqual([
      { inode: 11, path: '/tmp/a b/x.comm', peer: 21 },
      { inode: 21, path: '', peer: 11 },
    ]);
  });
});

describe('findPcscClients', () => {
  it('as root: every client, with user, start time and what well-known ones are', async () => {
    const p = probe({ uid: 0, procs: [PCSCD, KEEPASS, SCD, { ...BOBS, hidden: false }], netUnix: NET, ss: SS });
    const r = await findPcscClients(p, SOCK);
    expect(r).toMatchObject({ socket: SOCK, listening: true, method: 'ss', connections: 3, unattributed: 0 });
    expect(r.rootWouldShow).toBe(false);
    expect(r.clients.map((c) => [c.pid, c.user, c.command, c.connections, c.known?.id])).toEqual([
      [2211, 'alice', 'keepassxc', 1, 'keepassxc'],
      [1820, 'alice', 'scdaemon', 1, 'scdaemon'],
      [3000, 'bob', 'pcsc_scan', 1, 'pcsc-tools'],
    ]);
    expect(r.clients[0]?.since).toBe(new Date((1800000000 + 42) * 1000).toISOString());
    expect(r.clients[0]?.exe).toBe('/usr/bin/keepassxc');
  });

  it("not root: another user's connection is counted, and sudo would show it", async () => {
    const p = probe({ uid: 1000, procs: [PCSCD, KEEPASS, SCD, BOBS], netUnix: NET, ss: SS });
    const r = await findPcscClients(p, SOCK);
    expect(r.clients.map((c) => c.pid)).toEqual([2211, 1820]);
    expect(r.unattributed).toBe(1);
    expect(r.rootWouldShow).toBe(true);
    expect(busyLine(r)).toBe(
      "held by another program — connected to pcscd now: keepassxc (pid 2211), scdaemon (pid 1820); 1 connection of other users' processes (sudo pcsc clients shows them)",
    );
  });

  it('leaves the caller out: neither listed nor counted as unattributed', async () => {
    const p = probe({
      uid: 1000,
      procs: [PCSCD, KEEPASS, { ...SCD, pid: 555 }],
      netUnix: NET,
      ss: ss([
        [SOCK, 11, 21],
        [SOCK, 12, 22],
      ]),
    });
    const r = await findPcscClients(p, SOCK, { exclude: [555] });
    expect(r.clients.map((c) => c.pid)).toEqual([2211]);
    expect(r.unattributed).toBe(0);
  });

  it('without ss: connections counted from /proc/net/unix, none attributed', async () => {
    const p = probe({ uid: 0, procs: [PCSCD, KEEPASS], netUnix: NET, ss: null });
    const r = await findPcscClients(p, SOCK);
    expect(r).toMatchObject({ method: 'count', connections: 3, clients: [], unattributed: 3 });
    expect(busyLine(r)).toContain('3 connections to pcscd now (install ss, from iproute2, to see whose)');
  });

  it("through pcsc proxy: the proxy's own clients, with via", async () => {
    const PROXY_SOCK = '/run/user/1000/pcsc-proxy.comm';
    const proxy: Proc = {
      pid: 400,
      uid: 1000,
      argv: ['node', '/usr/bin/pcsc', 'proxy'],
      sockets: { 3: 21, 4: 30, 5: 31 },
    };
    const sandboxed: Proc = { pid: 401, uid: 1000, argv: ['/app/bin/client'], sockets: { 3: 41 } };
    const p = probe({
      uid: 1000,
      procs: [PCSCD, proxy, sandboxed],
      netUnix: listening(10, SOCK) + accepted(11, SOCK) + listening(30, PROXY_SOCK) + accepted(31, PROXY_SOCK),
      ss: ss([
        [SOCK, 11, 21],
        [PROXY_SOCK, 31, 41],
      ]),
    });
    const r = await findPcscClients(p, SOCK);
    expect(r.clients.map((c) => [c.pid, c.command, c.via])).toEqual([
      [400, 'pcsc proxy', undefined],
      [401, 'client', 400],
    ]);
    expect(busyLine(r)).toContain('pcsc proxy (pid 400), client (pid 401, through pid 400)');
  });

  it('says when nothing listens at the socket', async () => {
    const r = await findPcscClients(probe({ uid: 0, procs: [], netUnix: '', ss: '' }), SOCK);
    expect(r).toMatchObject({ listening: false, connections: 0, clients: [] });
  });
});

describe('holderFix', () => {
  it('names scdaemon and gpgconf only when scdaemon is among the clients', async () => {
    const withScd = await findPcscClients(
      probe({ uid: 1000, procs: [PCSCD, KEEPASS, SCD], netUnix: NET, ss: SS }),
      SOCK,
    );
    const f = await holderFix(probe({ uid: 1000, procs: [], netUnix: '' }), withScd);
    expect(f.commands).toEqual(['gpgconf --kill scdaemon']);
    expect(f.text).toContain('pid 1820');
  });

  it('otherwise the fix is about the programs connected, with their way to share', async () => {
    const ss2 = ss([[SOCK, 11, 21]]);
    // scdaemon runs, but is not connected to pcscd: it is not named.
    const c = await findPcscClients(
      probe({ uid: 1000, procs: [PCSCD, KEEPASS, { ...SCD, sockets: {} }], netUnix: NET, ss: ss2 }),
      SOCK,
    );
    const f = await holderFix(probe({ uid: 1000, procs: [], netUnix: '' }), c);
    expect(JSON.stringify(f)).not.toMatch(/scdaemon|gpgconf/);
    expect(f.text).toContain('keepassxc (pid 2211): it polls readers for hardware keys');
    expect(f.commands).toEqual(['pcsc clients']);
  });

  it('as a non-root user with hidden connections, the command to see them gains root', async () => {
    const c = await findPcscClients(
      probe({ uid: 1000, procs: [PCSCD, BOBS], netUnix: NET, ss: ss([[SOCK, 13, 23]]) }),
      SOCK,
    );
    const f = await holderFix(probe({ uid: 1000, procs: [], netUnix: '' }), c);
    expect(f.commands).toEqual(['sudo pcsc clients']);
    expect(f.text).not.toMatch(/scdaemon|gpgconf/);
  });

  it('off Linux (no client list): the generic text, no scdaemon guess', async () => {
    const f = await holderFix(probe({ uid: 1000, procs: [SCD], netUnix: '', platform: 'darwin' }));
    expect(f.text).toMatch(/^Another program holds the card/);
    expect(JSON.stringify(f)).not.toMatch(/scdaemon|gpgconf/);
  });
});

describe('the well-known clients', () => {
  it('each has what it is, how to share, and a source', () => {
    for (const k of knownClients()) {
      expect(k.what.length, k.id).toBeGreaterThan(5);
      expect(k.share.length, k.id).toBeGreaterThan(5);
      expect(k.source, k.id).toMatch(/^(https:\/\/|docs\/)/);
    }
  });

  it.each([
    [['/usr/bin/perl', '/usr/bin/scriptor', '-r', '0'], 'scriptor', 'pcsc-tools'],
    [['node', '/usr/local/bin/pcsc', 'spy'], 'pcsc spy', 'pcsc-proxy'],
    [['/usr/bin/node', '/src/pcsc/bin/run.js', 'proxy', '--listen', 'x'], 'pcsc proxy', 'pcsc-proxy'],
    [['/usr/lib/firefox-esr/firefox-esr'], 'firefox-esr', 'browser'],
    [['/usr/libexec/gsd-smartcard'], 'gsd-smartcard', 'gsd-smartcard'],
    [['python3', '/usr/bin/ykman', 'list'], 'ykman', 'ykman'],
    [
      ['/nix/store/x-yubioath-flutter-7.1.1/app/yubioath-flutter/yubioath-flutter'],
      'yubioath-flutter',
      'yubico-authenticator',
    ],
    [['/opt/yubico-authenticator/helper/authenticator-helper'], 'authenticator-helper', 'yubico-authenticator'],
    [['/opt/x/run.js'], 'run.js', undefined],
  ])('%j is %s', (argv, name, id) => {
    expect(commandName(argv)).toBe(name);
    expect(knownClient(name)?.id).toBe(id);
  });
});

describe('start time', () => {
  it('reads btime and field 22 after a command name with spaces and parentheses', () => {
    expect(bootTime('cpu 1\nbtime 1700000000\n')).toBe(1700000000);
    const stat = `7 (x) y) S ${'0 '.repeat(18)}250 0`;
    expect(startTime(stat, 1700000000)).toBe(new Date(1700000002500).toISOString());
  });
});
