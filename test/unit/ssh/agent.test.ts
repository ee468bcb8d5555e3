// Agent discovery over a scripted SystemProbe: /proc/net/unix, /proc/PID/fd, argv, cwd, environ.
import { describe, expect, it } from 'vitest';
import type { Platform, ProbeStat, ProcessInfo, SystemProbe } from '../../../src/core/system/types.js';
import { classifyProgram, findAgent, parseAgentArgv } from '../../../src/core/ssh/agent.js';
import { parseProcNetUnix } from '../../../src/core/system/unix-sockets.js';

const UNIX_HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
const listening = (inode: number, path: string) =>
  `0000000000000000: 00000002 00000000 00010000 0001 01 ${inode} ${path}\n`;
const connected = (inode: number, path: string) =>
  `0000000000000000: 00000003 00000000 00000000 0001 03 ${inode} ${path}\n`;

interface FakeProc extends ProcessInfo {
  fds?: Record<string, string>;
  cwd?: string;
  environ?: string[];
}

function fakeProbe(opts: {
  env: Record<string, string>;
  procs: FakeProc[];
  netUnix?: string;
  sockets?: string[];
  platform?: Platform;
}): SystemProbe {
  const files = new Map<string, string>();
  const links = new Map<string, string>();
  const dirs = new Map<string, string[]>();
  if (opts.netUnix !== undefined) files.set('/proc/net/unix', UNIX_HEADER + opts.netUnix);
  for (const p of opts.procs) {
    dirs.set(`/proc/${p.pid}/fd`, Object.keys(p.fds ?? {}));
    for (const [fd, target] of Object.entries(p.fds ?? {})) links.set(`/proc/${p.pid}/fd/${fd}`, target);
    if (p.cwd) links.set(`/proc/${p.pid}/cwd`, p.cwd);
    if (p.environ) files.set(`/proc/${p.pid}/environ`, p.environ.join('\0') + '\0');
  }
  const sock: ProbeStat = {
    isFile: false,
    isDirectory: false,
    isSymlink: false,
    isSocket: true,
    isCharDevice: false,
    mode: 0o140600,
    uid: 1000,
    gid: 1000,
    size: 0,
    mtimeMs: 0,
  };
  return {
    root: '/',
    platform: opts.platform ?? 'linux',
    env: opts.env,
    path: (p) => p,
    readFile: async (p) => files.get(p) ?? null,
    readBytes: async (p) => {
      const text = files.get(p);
      return text === undefined ? { error: 'ENOENT' } : Buffer.from(text);
    },
    readDir: async (p) => dirs.get(p) ?? null,
    stat: async (p) => ((opts.sockets ?? []).includes(p) ? sock : null),
    lstat: async () => null,
    readLink: async (p) => links.get(p) ?? null,
    realPath: async (p) => p,
    run: async () => null,
    processes: async () => opts.procs.map(({ pid, argv, uid, exe }) => ({ pid, argv, uid, ...(exe ? { exe } : {}) })),
  };
}

describe('parseAgentArgv (BSD getopt, no permutation)', () => {
  it.each([
    [
      ['ssh-agent', '-D', '-a', '/s', '-P', '/opt/*'],
      { allowedProviders: '/opt/*', foreground: true, socket: '/s', allowRemotePkcs11: false },
    ],
    [
      ['ssh-agent', '-dP/opt/*,/usr/*'],
      { allowedProviders: '/opt/*,/usr/*', foreground: true, socket: null, allowRemotePkcs11: false },
    ],
    [
      ['ssh-agent', '-O', 'allow-remote-pkcs11', '-Oother'],
      { allowedProviders: null, foreground: false, socket: null, allowRemotePkcs11: true },
    ],
    [
      ['ssh-agent', '-P', '/a/*', '-P', '/b/*'],
      { allowedProviders: '/a/*', foreground: false, socket: null, allowRemotePkcs11: false },
    ],
    [
      ['ssh-agent', 'bash', '-P', '/x/*'],
      { allowedProviders: null, foreground: false, socket: null, allowRemotePkcs11: false },
    ],
    [
      ['ssh-agent', '--', '-P', '/x/*'],
      { allowedProviders: null, foreground: false, socket: null, allowRemotePkcs11: false },
    ],
    [
      ['ssh-agent', '-s', '-t', '1h', '-P', ''],
      { allowedProviders: '', foreground: false, socket: null, allowRemotePkcs11: false },
    ],
    [['ssh-agent', '-P'], { allowedProviders: null, foreground: false, socket: null, allowRemotePkcs11: false }],
  ])('%j', (argv, want) => expect(parseAgentArgv(argv)).toEqual(want));
});

describe('classifyProgram', () => {
  it.each([
    [{ argv: ['/usr/bin/ssh-agent', '-D'] }, 'openssh'],
    [{ argv: ['ssh-agent'], exe: '/usr/bin/ssh-agent' }, 'openssh'],
    [{ argv: ['gpg-agent', '--homedir', '/x'] }, 'gpg-agent'],
    [{ argv: ['/usr/bin/gnome-keyring-daemon', '--start'] }, 'gnome-keyring'],
    [{ argv: ['sshd: alice@pts/0'] }, 'forwarded'],
    [{ argv: ['sshd-session: alice@pts/0'], exe: '/usr/lib/openssh/sshd-session' }, 'forwarded'],
    [{ argv: ['/usr/bin/keepassxc'] }, 'other'],
  ])('%j → %s', (p, kind) => expect(classifyProgram(p).kind).toBe(kind));
});

describe('parseProcNetUnix', () => {
  it('reads inode, path (with spaces) and the listening flag', () => {
    const t =
      UNIX_HEADER +
      listening(11, '/tmp/a b/agent.1') +
      connected(12, '/tmp/a b/agent.1') +
      '0000000000000000: 00000002 00000000 00000000 0002 01 13\n';
    expect(parseProcNetUnix(t)).toEqual([
      { inode: 11, path: '/tmp/a b/agent.1', listening: true, connected: false },
      { inode: 12, path: '/tmp/a b/agent.1', listening: false, connected: true },
    ]);
  });
});

describe('findAgent', () => {
  const sock = '/run/user/1000/openssh_agent';
  it('finds ssh-agent through the listening socket inode and reads -P, cwd and environment', async () => {
    const probe = fakeProbe({
      env: { SSH_AUTH_SOCK: sock },
      sockets: [sock],
      netUnix: connected(99, sock) + listening(42, sock),
      procs: [
        { pid: 10, argv: ['bash'], uid: 1000, fds: { 0: '/dev/pts/0', 3: 'socket:[99]' } },
        {
          pid: 20,
          argv: ['ssh-agent', '-D', '-a', sock, '-P', '/opt/p11/*'],
          uid: 1000,
          fds: { 3: 'socket:[42]' },
          cwd: '/home/u',
          environ: ['HOME=/home/u', 'LD_LIBRARY_PATH=/opt/p11/lib'],
        },
      ],
    });
    expect(await findAgent(probe)).toMatchObject({
      pid: 20,
      via: 'socket-owner',
      kind: 'openssh',
      allowedProviders: '/opt/p11/*',
      allowedProvidersFrom: 'argv',
      cwd: '/home/u',
      cwdFrom: 'proc',
      ldLibraryPath: '/opt/p11/lib',
      envFrom: 'proc',
      allowRemotePkcs11: false,
    });
    // -P on our command line wins over the agent's
    expect(await findAgent(probe, '/x/*')).toMatchObject({
      pid: 20,
      allowedProviders: '/x/*',
      allowedProvidersFrom: 'option',
    });
  });

  it('prefers ssh-agent over systemd when both hold a socket-activated listener', async () => {
    const probe = fakeProbe({
      env: { SSH_AUTH_SOCK: sock },
      sockets: [sock],
      netUnix: listening(42, sock),
      procs: [
        { pid: 5, argv: ['/lib/systemd/systemd', '--user'], uid: 1000, fds: { 20: 'socket:[42]' } },
        { pid: 6, argv: ['/usr/bin/ssh-agent', '-D'], uid: 1000, fds: { 3: 'socket:[42]' } },
      ],
    });
    expect(await findAgent(probe)).toMatchObject({
      pid: 6,
      kind: 'openssh',
      allowedProvidersFrom: 'default',
      allowedProviders: '/usr/lib*/*,/usr/local/lib*/*',
    });
  });

  it('recognises a forwarded socket, gpg-agent, and gnome-keyring with its ssh-agent', async () => {
    const fwd = '/tmp/ssh-XXXXabcd/agent.777';
    const f = await findAgent(
      fakeProbe({
        env: { SSH_AUTH_SOCK: fwd },
        sockets: [fwd],
        netUnix: listening(5, fwd),
        procs: [{ pid: 777, argv: ['sshd: alice@pts/1'], uid: 1000, fds: { 9: 'socket:[5]' } }],
      }),
    );
    expect(f).toMatchObject({ kind: 'forwarded', pid: 777, allowRemotePkcs11: null });
    const gpg = '/run/user/1000/gnupg/S.gpg-agent.ssh';
    expect(
      await findAgent(
        fakeProbe({
          env: { SSH_AUTH_SOCK: gpg },
          sockets: [gpg],
          netUnix: listening(6, gpg),
          procs: [{ pid: 8, argv: ['gpg-agent', '--supervised'], uid: 1000, fds: { 4: 'socket:[6]' } }],
        }),
      ),
    ).toMatchObject({ kind: 'gpg-agent', program: 'gpg-agent' });
    const gk = '/run/user/1000/keyring/ssh';
    const k = await findAgent(
      fakeProbe({
        env: { SSH_AUTH_SOCK: gk },
        sockets: [gk],
        netUnix: listening(7, gk),
        procs: [
          {
            pid: 30,
            argv: ['/usr/bin/gnome-keyring-daemon', '--daemonize', '--login'],
            uid: 1000,
            fds: { 5: 'socket:[7]' },
          },
          { pid: 31, argv: ['/usr/bin/ssh-agent', '-D', '-a', '/run/user/1000/keyring/.ssh'], uid: 1000, fds: {} },
        ],
      }),
    );
    expect(k).toMatchObject({ kind: 'openssh', pid: 31 });
    expect(k.notes.join()).toMatch(/gnome-keyring-daemon \(pid 30\)/);
  });

  it('falls back to SSH_AGENT_PID, then to the default list with a note', async () => {
    const probe = fakeProbe({
      env: { SSH_AUTH_SOCK: sock, SSH_AGENT_PID: '20' },
      sockets: [sock],
      netUnix: '',
      procs: [{ pid: 20, argv: ['ssh-agent', '-P', '/p/*'], uid: 0 }],
    });
    expect(await findAgent(probe)).toMatchObject({
      via: 'SSH_AGENT_PID',
      allowedProviders: '/p/*',
      cwd: '/',
      cwdFrom: 'assumed',
    });
    const none = await findAgent(
      fakeProbe({ env: { SSH_AUTH_SOCK: sock, SSH_AGENT_PID: '99' }, sockets: [sock], netUnix: '', procs: [] }),
    );
    expect(none).toMatchObject({ pid: null, kind: 'unknown', allowedProvidersFrom: 'default' });
    expect(none.notes.join('\n')).toMatch(/nothing listens[\s\S]*SSH_AGENT_PID=99 names no running process/);
  });

  it('says when SSH_AUTH_SOCK is unset or not a socket, and knows macOS launchd sockets', async () => {
    expect(await findAgent(fakeProbe({ env: {}, procs: [] }))).toMatchObject({
      socket: null,
      socketExists: null,
      kind: 'unknown',
    });
    expect(await findAgent(fakeProbe({ env: { SSH_AUTH_SOCK: '/nope' }, procs: [], netUnix: '' }))).toMatchObject({
      socketExists: false,
    });
    const mac = '/private/tmp/com.apple.launchd.AbCdEf/Listeners';
    expect(
      await findAgent(fakeProbe({ env: { SSH_AUTH_SOCK: mac }, sockets: [mac], procs: [], platform: 'darwin' })),
    ).toMatchObject({ kind: 'openssh', pid: null, allowedProvidersFrom: 'default' });
  });
});
