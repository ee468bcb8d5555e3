// How to start, restart and enable pcscd on this machine, and how to run a command as root here:
// every fix text that starts a daemon or needs root comes from this module. Chosen from what the
// probe finds, the way the tools themselves decide: systemd booted when /run/systemd/system exists
// (sd_booted(3)), OpenRC when /run/openrc exists, runit when /run/runit exists or runsvdir runs; a
// container from /.dockerenv, /run/.containerenv or `container=`; root or not; sudo, doas or su.

import { statSync } from 'node:fs';
import { delimiter } from 'node:path';
import type { SocketChoice } from '../pcscd/socket-path.js';
import { memo, processList } from './memo.js';
import type { SystemProbe } from './types.js';

export type InitSystem = 'systemd' | 'openrc' | 'runit' | 'none';

/** How a command that needs root is run: as is (root), through a tool, or "as root" (no tool). */
export type Elevation = 'root' | 'sudo' | 'doas' | 'su' | 'none';

/** What fix texts depend on, found once per probe (or cheaply, synchronously, by the CLI). */
export interface Machine {
  init: InitSystem;
  /** The container this runs in ("docker", "podman", or the value of `container=`), else null. */
  container: string | null;
  elevate: Elevation;
  /** pcscd's service definitions here, for init systems other than systemd. */
  pcscd: PcscdService;
}

export interface PcscdService {
  /** /etc/init.d/pcscd (a SysV or OpenRC script), when installed. */
  initScript: string | null;
  /** The `service` wrapper (sysvinit-utils) is installed. */
  serviceCommand: boolean;
  /** runit: pcscd's service directory, the directory runsvdir watches, and whether it is linked there. */
  runit: { sv: string; dir: string; enabled: boolean } | null;
  /** The pcscd binary, for starting it directly. */
  binary: string;
}

const SYSTEMD_MARK = '/run/systemd/system';
const OPENRC_MARK = '/run/openrc';
const RUNIT_MARK = '/run/runit';
const INIT_SCRIPT = '/etc/init.d/pcscd';
const RUNIT_SV = '/etc/sv/pcscd';
/** Where runsvdir looks: Void's /var/service, Debian's /etc/service, the historical /service. */
const RUNIT_DIRS = ['/var/service', '/etc/service', '/service'];
/** Where distributions and `make install` put pcscd. */
export const PCSCD_PATHS = [
  '/usr/sbin/pcscd',
  '/usr/bin/pcscd',
  '/sbin/pcscd',
  '/usr/local/sbin/pcscd',
  '/usr/local/bin/pcscd',
] as const;
const SYSTEM_BIN = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The paths whose existence decides everything but runsvdir (a process) and the elevation tool. */
const MARKS = [
  SYSTEMD_MARK,
  OPENRC_MARK,
  RUNIT_MARK,
  '/.dockerenv',
  '/run/.containerenv',
  INIT_SCRIPT,
  RUNIT_SV,
  ...RUNIT_DIRS,
  ...RUNIT_DIRS.map((d) => `${d}/pcscd`),
  ...PCSCD_PATHS,
];

/** Where a program would be found: PATH's directories, then the usual system ones. */
function programPaths(name: string, env: Readonly<Record<string, string | undefined>>): string[] {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d.startsWith('/')), ...SYSTEM_BIN];
  return [...new Set(dirs)].map((d) => `${d.replace(/\/+$/, '')}/${name}`);
}

const TOOLS = ['sudo', 'doas', 'su', 'service'] as const;

interface Found {
  /** Paths (of MARKS and the tools' candidates) that exist. */
  exists: (p: string) => boolean;
  /** A runsvdir process runs (only the probe looks: reading /proc is not cheap). */
  runsvdir: boolean;
  env: Readonly<Record<string, string | undefined>>;
  uid: number | undefined;
}

function decide(f: Found): Machine {
  const init: InitSystem = f.exists(SYSTEMD_MARK)
    ? 'systemd'
    : f.exists(OPENRC_MARK)
      ? 'openrc'
      : f.exists(RUNIT_MARK) || f.runsvdir
        ? 'runit'
        : 'none';
  const container = f.env.container
    ? f.env.container
    : f.exists('/run/.containerenv')
      ? 'podman'
      : f.exists('/.dockerenv')
        ? 'docker'
        : null;
  const has = (tool: (typeof TOOLS)[number]): boolean => programPaths(tool, f.env).some(f.exists);
  const elevate: Elevation =
    f.uid === 0 ? 'root' : has('sudo') ? 'sudo' : has('doas') ? 'doas' : has('su') ? 'su' : 'none';
  const dir = RUNIT_DIRS.find(f.exists);
  return {
    init,
    container,
    elevate,
    pcscd: {
      initScript: f.exists(INIT_SCRIPT) ? INIT_SCRIPT : null,
      serviceCommand: has('service'),
      runit: f.exists(RUNIT_SV) && dir ? { sv: RUNIT_SV, dir, enabled: f.exists(`${dir}/pcscd`) } : null,
      binary: PCSCD_PATHS.find(f.exists) ?? '/usr/sbin/pcscd',
    },
  };
}

/** Which of MARKS and the tools' candidate paths exist (memoized per probe). */
function presentPaths(probe: SystemProbe): Promise<Set<string>> {
  return memo(probe, 'machine-paths', async () => {
    const candidates = [...MARKS, ...TOOLS.flatMap((t) => programPaths(t, probe.env))];
    const present = new Set<string>();
    await Promise.all(
      candidates.map(async (p) => {
        if (await probe.stat(p)) present.add(p);
      }),
    );
    return present;
  });
}

/** The machine as the probe sees it (memoized per probe). */
export function detectMachine(probe: SystemProbe): Promise<Machine> {
  return memo(probe, 'machine', async () => {
    const present = await presentPaths(probe);
    const runsvdir =
      !present.has(SYSTEMD_MARK) &&
      !present.has(OPENRC_MARK) &&
      (await processList(probe)).some((p) => (p.argv[0] ?? '').split('/').pop() === 'runsvdir');
    return decide({ exists: (p) => present.has(p), runsvdir, env: probe.env, uid: probe.uid });
  });
}

/**
 * The machine from the paths the probe finds alone, without reading /proc: runit counts only
 * through /run/runit. Its elevation and whether systemd runs are detectMachine's (neither depends on
 * runsvdir), for callers that need no more (`pcsc ssh-check`), at the cost of a few stat calls.
 */
export async function detectMachineByPaths(probe: SystemProbe): Promise<Machine> {
  const present = await presentPaths(probe);
  return decide({ exists: (p) => present.has(p), runsvdir: false, env: probe.env, uid: probe.uid });
}

/** The init system alone (sd_booted(3) and its OpenRC and runit equivalents). */
export async function detectInit(probe: SystemProbe): Promise<InitSystem> {
  return (await detectMachine(probe)).init;
}

/** systemd is the running init system (sd_booted(3): /run/systemd/system exists). */
export async function systemdRunning(probe: SystemProbe): Promise<boolean> {
  return (await detectInit(probe)) === 'systemd';
}

/**
 * The machine from cheap synchronous looks only (a few stat calls, the uid, the environment), for
 * the CLI's one-line error hints: no process list, so runit counts only through /run/runit.
 */
export function detectMachineNow(
  env: Readonly<Record<string, string | undefined>> = process.env,
  uid: number | undefined = process.getuid?.(),
  exists: (p: string) => boolean = pathExists,
): Machine {
  return decide({ exists, runsvdir: false, env, uid });
}

function pathExists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Quotes a word for a POSIX shell when it needs it (fix commands are text the user copies). */
export function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const words = (argv: readonly string[]): string => argv.map(shq).join(' ');

/** A command that needs root, as the user types it here: sudo/doas/`su -l -c` when not root. */
export function asRoot(argv: readonly string[], m: Pick<Machine, 'elevate'>): string {
  return rootShell(words(argv), m, true);
}

/**
 * A shell command line (a pipeline, a redirection) that needs root as a whole. `tool` prefixes a
 * single command; lines with shell syntax go through `sh -c` for sudo and doas.
 */
function rootShell(line: string, m: Pick<Machine, 'elevate'>, single: boolean): string {
  switch (m.elevate) {
    case 'sudo':
    case 'doas':
      return single ? `${m.elevate} ${line}` : `${m.elevate} sh -c ${shq(line)}`;
    case 'su':
      // A login shell: without it su keeps the user's PATH, which lacks /usr/sbin on Debian.
      return `su -l -c ${shq(line)}`;
    default:
      return line;
  }
}

/** Writes `producer`'s output to a root-owned file: `… | sudo tee FILE`, or `… > FILE` as root. */
export function writeAsRoot(producer: string, file: string, m: Pick<Machine, 'elevate'>): string {
  if (m.elevate === 'sudo' || m.elevate === 'doas') return `${producer} | ${m.elevate} tee ${shq(file)}`;
  return rootShell(`${producer} > ${shq(file)}`, m, false);
}

/** Opens a root-owned file in the user's editor: sudoedit where sudo is, else the editor as root. */
export function editAsRoot(file: string, m: Pick<Machine, 'elevate'>): string {
  if (m.elevate === 'sudo') return `sudoedit ${shq(file)}`;
  if (m.elevate === 'su') return rootShell(`\${EDITOR:-vi} ${shq(file)}`, m, false);
  return `${m.elevate === 'doas' ? 'doas ' : ''}\${EDITOR:-vi} ${shq(file)}`;
}

/** Whether commands that need root make the user gain it (Fix.root): false for root itself. */
export const mustElevate = (m: Pick<Machine, 'elevate'>): boolean => m.elevate !== 'root';

/** A fix's text and commands for the service, and whether they need the user to gain root. */
export interface ServiceSteps {
  text: string;
  commands: string[];
  root: boolean;
}

const steps = (m: Machine, text: string, argvs: string[][]): ServiceSteps => ({
  text,
  commands: argvs.map((a) => asRoot(a, m)),
  root: mustElevate(m),
});

/** Starting pcscd without a service manager: its init script (through `service` when there), else the binary. */
function direct(m: Machine, action: 'start' | 'restart'): string[][] {
  const s = m.pcscd;
  if (s.initScript) return [s.serviceCommand ? ['service', 'pcscd', action] : [s.initScript, action]];
  // pcscd puts itself in the background; a running one must go first (it refuses to start twice).
  return action === 'restart' ? [['pkill', '-x', 'pcscd'], [s.binary]] : [[s.binary]];
}

function noManager(m: Machine): string {
  const how = m.pcscd.initScript
    ? `with its init script (${m.pcscd.initScript})`
    : `directly (${m.pcscd.binary} puts itself in the background)`;
  return m.container
    ? `No init system runs in this container (${m.container}): start pcscd ${how}, and start it from the image's entry point too, so it runs after the next start.`
    : `No service manager runs here (neither systemd, OpenRC nor runit): start pcscd ${how}; it runs until the next boot.`;
}

/**
 * Starts the system's pcscd (on its default socket) the way this machine starts services. The
 * last command starts it now; those before it make it start at boot too.
 */
export function startPcscd(m: Machine): ServiceSteps {
  switch (m.init) {
    case 'systemd':
      return steps(m, "Start pcscd's socket unit: systemd then starts pcscd on the first connection.", [
        ['systemctl', 'enable', '--now', 'pcscd.socket'],
        ['systemctl', 'restart', 'pcscd.socket'],
      ]);
    case 'openrc':
      if (m.pcscd.initScript)
        return steps(m, 'Start pcscd with OpenRC, and add it to the default runlevel so it starts at boot.', [
          ['rc-update', 'add', 'pcscd', 'default'],
          ['rc-service', 'pcscd', 'start'],
        ]);
      break;
    case 'runit': {
      const r = m.pcscd.runit;
      if (r && !r.enabled)
        return steps(m, "Enable pcscd's runit service: runsvdir starts it within seconds, and at every boot.", [
          ['ln', '-s', r.sv, `${r.dir}/`],
        ]);
      if (r) return steps(m, "Bring pcscd's runit service up.", [['sv', 'up', `${r.dir}/pcscd`]]);
      break;
    }
    case 'none':
      return steps(m, noManager(m), direct(m, 'start'));
  }
  const missing =
    m.init === 'openrc'
      ? 'pcscd has no OpenRC script here (Alpine ships it in pcsc-lite-openrc)'
      : 'pcscd has no runit service directory here (/etc/sv/pcscd)';
  return steps(m, `${missing}: start it directly; it runs until the next boot.`, direct(m, 'start'));
}

/** Restarts the system's pcscd (after a configuration change, or when it hangs). */
export function restartPcscd(m: Machine): ServiceSteps {
  switch (m.init) {
    case 'systemd':
      return steps(m, 'Restart pcscd (its socket unit and the service).', [
        ['systemctl', 'restart', 'pcscd.socket', 'pcscd.service'],
      ]);
    case 'openrc':
      if (m.pcscd.initScript) return steps(m, 'Restart pcscd with OpenRC.', [['rc-service', 'pcscd', 'restart']]);
      break;
    case 'runit':
      if (m.pcscd.runit?.enabled)
        return steps(m, "Restart pcscd's runit service.", [['sv', 'restart', `${m.pcscd.runit.dir}/pcscd`]]);
      break;
    case 'none':
      break;
  }
  return steps(
    m,
    m.pcscd.initScript
      ? `Restart pcscd with its init script (${m.pcscd.initScript}).`
      : 'Stop pcscd and start it again (it puts itself in the background).',
    direct(m, 'restart'),
  );
}

/** Files a session reads its environment from, system-wide and the user's own (`~` is $HOME). */
const ENV_FILES = [
  '/etc/environment',
  '/etc/environment.d/',
  '/etc/profile',
  '/etc/profile.d/',
  '/etc/bash.bashrc',
  '/etc/zsh/zshenv',
  '/etc/security/pam_env.conf',
  '~/.pam_environment',
  '~/.config/environment.d/',
  '~/.profile',
  '~/.bash_profile',
  '~/.bash_login',
  '~/.bashrc',
  '~/.zshenv',
  '~/.zprofile',
  '~/.zshrc',
  '~/.xsessionrc',
];

/** Where PCSCLITE_CSOCK_NAME is set for sessions here ("file:line"), so a fix can name who set it. */
export function overrideSetIn(probe: SystemProbe): Promise<string[]> {
  return memo(probe, 'csock-set-in', async () => {
    const home = probe.env.HOME?.replace(/\/+$/, '');
    const files: string[] = [];
    for (const f of ENV_FILES) {
      if (f.startsWith('~') && !home) continue;
      const p = f.startsWith('~') ? `${home}${f.slice(1)}` : f;
      if (!p.endsWith('/')) files.push(p);
      else for (const e of (await probe.readDir(p)) ?? []) files.push(`${p}${e}`);
    }
    const hits: string[] = [];
    for (const f of files) {
      const lines = ((await probe.readFile(f)) ?? '').split('\n');
      lines.forEach((l, i) => {
        if (/^\s*(?:export\s+|setenv\s+)?PCSCLITE_CSOCK_NAME(?:\s*=|\s+\S)/.test(l)) hits.push(`${f}:${i + 1}`);
      });
    }
    return hits;
  });
}

/** What is known about the system's own socket when an override names another one. */
export interface DefaultSocket {
  path: string;
  /** A daemon accepts connections there (false: no socket file, or a stale one). */
  listening: boolean;
}

/**
 * The fix when no daemon answers at the socket clients use. The default socket: start the
 * system's pcscd. An override (PCSCLITE_CSOCK_NAME, --socket) is about the override: when the
 * system's pcscd listens at its own path, drop the override; else say who set it, and either
 * start what should serve it or drop it and start the system's pcscd. pcscd itself cannot listen
 * at another path (it never reads PCSCLITE_CSOCK_NAME; only socket activation moves it).
 */
export function noDaemonFix(
  m: Machine,
  socket: SocketChoice,
  system: DefaultSocket,
  setIn: readonly string[] = [],
): ServiceSteps {
  const start = startPcscd(m);
  if (socket.source === 'default' || socket.source === 'legacy') return start;
  const env = socket.source === 'env';
  const named = env ? `PCSCLITE_CSOCK_NAME=${socket.path}` : `--socket ${socket.path}`;
  const where = setIn.length > 0 ? ` It is set in ${setIn.join(', ')}.` : '';
  if (system.listening) {
    return env
      ? {
          text: `Nothing serves ${named}, but the system's pcscd listens at ${system.path}: unset the override${setIn.length > 0 ? ' (and remove it where it is set)' : ''}.${where}`,
          commands: ['unset PCSCLITE_CSOCK_NAME'],
          root: false,
        }
      : { text: `Leave out --socket: the system's pcscd listens at ${system.path}.`, commands: [], root: false };
  }
  const who = env
    ? setIn.length > 0
      ? where
      : ' It is not set in the usual profile files: the program that started this session set it (a remote-desktop session such as xrdp, a container, a test script).'
    : '';
  return {
    text: `Nothing serves ${named}, and no system pcscd listens at ${system.path} either.${who} Start the daemon that should serve ${socket.path} (pcscd itself only listens at its built-in path, unless socket-activated), or ${env ? 'unset the override' : 'leave out --socket'} and start the system's pcscd. ${start.text}`,
    commands: [...(env ? ['unset PCSCLITE_CSOCK_NAME'] : []), ...start.commands],
    root: start.root,
  };
}

/**
 * The one-line hint after "Service not available" (SCARD_E_NO_SERVICE), from cheap looks only: the
 * machine (`detectMachineNow`), the socket used and whether the system's socket file exists.
 */
export function noServiceHint(
  m: Machine,
  socket: SocketChoice,
  systemSocketExists: boolean,
  systemPath: string,
): string {
  const start = startPcscd(m).commands.at(-1) ?? '';
  if (socket.source === 'default' || socket.source === 'legacy')
    return `Start pcscd (${start}) or run \`pcsc doctor\`.`;
  const named = socket.source === 'env' ? `PCSCLITE_CSOCK_NAME=${socket.path}` : `--socket ${socket.path}`;
  const drop = socket.source === 'env' ? 'unset PCSCLITE_CSOCK_NAME' : 'leave out --socket';
  return systemSocketExists
    ? `Nothing serves ${named}; the system's pcscd has its socket at ${systemPath}: ${drop}.`
    : `Nothing serves ${named}, nor is there a system pcscd at ${systemPath}: start the daemon that should serve it, or ${drop} and start pcscd (${start}); \`pcsc doctor\` says more.`;
}
