// Finds the agent behind SSH_AUTH_SOCK (Linux: /proc/net/unix inode → /proc/PID/fd; else
// SSH_AGENT_PID) and reads what decides provider adds: its -P list, -O allow-remote-pkcs11,
// its working directory (relative paths) and environment (LD_LIBRARY_PATH).

import type { ProcessInfo, SystemProbe } from '../system/types.js';
import { DEFAULT_ALLOWED_PROVIDERS } from './match.js';
import { parseProcNetUnix, socketHolders } from '../system/unix-sockets.js';

export type AgentKind = 'openssh' | 'gpg-agent' | 'gnome-keyring' | 'forwarded' | 'other' | 'unknown';

export interface AgentOptions {
  /** -P as given, or null when absent. */
  allowedProviders: string | null;
  allowRemotePkcs11: boolean;
  /** -d or -D: the agent stays in the directory it was started from. */
  foreground: boolean;
  /** -a: the socket it binds. */
  socket: string | null;
}

export interface AgentInfo {
  /** SSH_AUTH_SOCK, or null when unset. */
  socket: string | null;
  socketExists: boolean | null;
  /** How the process was found. */
  via: 'socket-owner' | 'SSH_AGENT_PID' | 'argv' | null;
  pid: number | null;
  argv: string[] | null;
  kind: AgentKind;
  /** The program (basename) answering on the socket. */
  program: string | null;
  allowedProviders: string;
  allowedProvidersFrom: 'argv' | 'default' | 'option';
  /** Unknown (null) for a forwarded socket: the agent is on another machine. */
  allowRemotePkcs11: boolean | null;
  /** The agent's working directory: what a relative provider path is resolved against. */
  cwd: string;
  cwdFrom: 'proc' | 'assumed';
  /** LD_LIBRARY_PATH in the agent's environment (ssh-pkcs11-helper inherits it). */
  ldLibraryPath: string | undefined;
  envFrom: 'proc' | 'self';
  notes: string[];
}

/** getopt(3) without permutation (OpenSSH's bundled BSD getopt): options stop at the first operand. */
export function parseAgentArgv(argv: readonly string[]): AgentOptions {
  const withArg = new Set(['E', 'a', 'O', 'P', 't']);
  const o: AgentOptions = { allowedProviders: null, allowRemotePkcs11: false, foreground: false, socket: null };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--' || !arg.startsWith('-') || arg === '-') break;
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j] as string;
      if (!withArg.has(c)) {
        if (c === 'd' || c === 'D') o.foreground = true;
        continue;
      }
      const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
      if (value === undefined) break;
      if (c === 'P' && o.allowedProviders === null) o.allowedProviders = value; // a second -P is fatal to the agent
      if (c === 'O' && value === 'allow-remote-pkcs11') o.allowRemotePkcs11 = true;
      if (c === 'a') o.socket = value;
      break;
    }
  }
  return o;
}

export function classifyProgram(p: Pick<ProcessInfo, 'argv' | 'exe'>): { kind: AgentKind; program: string } {
  const arg0 = p.argv[0] ?? '';
  const exe = p.exe ? p.exe.slice(p.exe.lastIndexOf('/') + 1) : '';
  const base = arg0.split(/\s/)[0]?.replace(/:$/, '').split('/').pop() ?? '';
  const names = [exe, base];
  const is = (...n: string[]) => names.some((x) => n.includes(x));
  if (is('ssh-agent')) return { kind: 'openssh', program: 'ssh-agent' };
  if (is('gpg-agent')) return { kind: 'gpg-agent', program: 'gpg-agent' };
  if (is('gnome-keyring-daemon')) return { kind: 'gnome-keyring', program: 'gnome-keyring-daemon' };
  if (is('sshd', 'sshd-session') || arg0.startsWith('sshd')) return { kind: 'forwarded', program: exe || 'sshd' };
  return { kind: 'other', program: exe || base || '?' };
}

const RANK: Record<AgentKind, number> = {
  openssh: 0,
  'gnome-keyring': 1,
  'gpg-agent': 1,
  forwarded: 1,
  other: 2,
  unknown: 3,
};

/** Looks up the agent; `explicitList` (the command's -P) overrides the list it would read. */
export async function findAgent(probe: SystemProbe, explicitList?: string): Promise<AgentInfo> {
  const env = probe.env;
  const socket = env.SSH_AUTH_SOCK && env.SSH_AUTH_SOCK !== '' ? env.SSH_AUTH_SOCK : null;
  const info: AgentInfo = {
    socket,
    socketExists: null,
    via: null,
    pid: null,
    argv: null,
    kind: 'unknown',
    program: null,
    allowedProviders: explicitList ?? DEFAULT_ALLOWED_PROVIDERS,
    allowedProvidersFrom: explicitList !== undefined ? 'option' : 'default',
    allowRemotePkcs11: false,
    cwd: '/',
    cwdFrom: 'assumed',
    ldLibraryPath: env.LD_LIBRARY_PATH,
    envFrom: 'self',
    notes: [],
  };
  if (socket) info.socketExists = (await probe.stat(socket))?.isSocket ?? false;
  const pidEnv = Number(env.SSH_AGENT_PID);
  const wantPid = Number.isInteger(pidEnv) && pidEnv > 0;
  // Listing processes reads all of /proc: only when there is an agent to look for.
  const procs = socket || wantPid ? await probe.processes() : [];
  let agent: ProcessInfo | undefined;

  if (socket && probe.platform === 'linux') {
    const table = await probe.readFile('/proc/net/unix');
    if (table !== null) {
      const real = (await probe.realPath(socket)) ?? socket;
      const inodes = new Set(
        parseProcNetUnix(table)
          .filter((e) => e.listening && (e.path === socket || e.path === real))
          .map((e) => e.inode),
      );
      if (inodes.size > 0) {
        const holders = await socketHolders(probe, inodes, procs);
        holders.sort((a, b) => RANK[classifyProgram(a).kind] - RANK[classifyProgram(b).kind]);
        agent = holders[0];
        if (agent) info.via = 'socket-owner';
        else
          info.notes.push(`no process of ours holds ${socket} open (another user's agent, or another PID namespace)`);
      } else {
        info.notes.push(`nothing listens on ${socket}`);
      }
    }
  }
  if (!agent && socket) {
    agent = procs.find((p) => classifyProgram(p).kind === 'openssh' && parseAgentArgv(p.argv).socket === socket);
    if (agent) info.via = 'argv';
  }
  if (!agent && wantPid) {
    agent = procs.find((p) => p.pid === pidEnv);
    if (agent) info.via = 'SSH_AGENT_PID';
    else info.notes.push(`SSH_AGENT_PID=${pidEnv} names no running process`);
  }
  if (!agent) {
    if (socket && probe.platform === 'darwin' && /\/com\.apple\.launchd\.[^/]+\/Listeners$/.test(socket)) {
      info.kind = 'openssh';
      info.program = 'ssh-agent';
      info.notes.push(
        'macOS launchd starts this agent from a SIP-protected plist: it always uses the built-in list and cannot be given -P',
      );
    } else if (socket && /^\/tmp\/ssh-[^/]+\/agent\.\d+$/.test(socket) && env.SSH_CONNECTION) {
      info.notes.push('this looks like a socket forwarded by sshd (ssh -A), but its owner could not be seen');
    }
    return info;
  }
  let { kind, program } = classifyProgram(agent);
  if (kind === 'gnome-keyring' && socket) {
    // gnome-keyring 3.28+ proxies to an ssh-agent it starts with -a beside its own socket.
    const dir = socket.slice(0, socket.lastIndexOf('/') + 1);
    const child = procs.find(
      (p) => classifyProgram(p).kind === 'openssh' && parseAgentArgv(p.argv).socket?.startsWith(dir),
    );
    if (child) {
      info.notes.push(`gnome-keyring-daemon (pid ${agent.pid}) hands PKCS#11 requests to ssh-agent (pid ${child.pid})`);
      agent = child;
      ({ kind, program } = classifyProgram(agent));
    }
  }
  Object.assign(info, { pid: agent.pid, argv: agent.argv, kind, program });
  if (kind === 'forwarded') {
    info.allowRemotePkcs11 = null;
    return info;
  }
  if (kind === 'openssh') {
    const o = parseAgentArgv(agent.argv);
    if (explicitList === undefined && o.allowedProviders !== null) {
      info.allowedProviders = o.allowedProviders;
      info.allowedProvidersFrom = 'argv';
    }
    info.allowRemotePkcs11 = o.allowRemotePkcs11;
  }
  const cwd = await probe.readLink(`/proc/${agent.pid}/cwd`);
  if (cwd) {
    info.cwd = cwd;
    info.cwdFrom = 'proc';
  }
  const environ = await probe.readFile(`/proc/${agent.pid}/environ`);
  if (environ !== null) {
    const ld = environ.split('\0').find((v) => v.startsWith('LD_LIBRARY_PATH='));
    info.ldLibraryPath = ld?.slice('LD_LIBRARY_PATH='.length);
    info.envFrom = 'proc';
  }
  return info;
}
