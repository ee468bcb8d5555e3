// Who is connected to pcscd's socket right now (Linux), found the way `ss -xp` does it: the daemon's
// accepted sockets carry the listening socket's path; the kernel's sock_diag interface (read through
// `ss`, since /proc/net/unix has no peer column) names each one's peer inode; a process holding that
// inode (`socket:[inode]` under /proc/PID/fd) is the client. Through `pcsc proxy`/`pcsc spy` the same
// look at the proxy's own listening socket lists the proxy's clients. Nothing is asked of the proxy:
// the kernel answers, with its own rule (another user's /proc/PID/fd is readable only by root), so a
// sandboxed client learns nothing through this that it could not read itself (docs/clients.md#security).

import { nameOfUid } from './accounts.js';
import { commandName, knownClient, type KnownClient } from './known-clients.js';
import { processList } from './memo.js';
import type { ProcessInfo, SystemProbe } from './types.js';
import { parseProcNetUnix, socketInodes, unixPeers, type UnixSocketEntry } from './unix-sockets.js';

export interface PcscClient {
  pid: number;
  uid: number;
  /** The user's name (the uid as text when unknown). */
  user: string;
  /** The name the program is known by ("scdaemon", "keepassxc", "pcsc proxy"). */
  command: string;
  argv: string[];
  /** /proc/PID/exe, when readable. */
  exe?: string;
  /** How many connections it has open to the socket. */
  connections: number;
  /** When the process started (ISO 8601), from /proc/PID/stat and the boot time. */
  since?: string;
  /** What the program is and how to make it share, when it is a well-known client. */
  known?: KnownClient;
  /** Connected through this proxy process (pcsc proxy/spy), itself listed as a client. */
  via?: number;
}

export interface PcscClients {
  /** The socket looked at. */
  socket: string;
  /** Whether anything listens there now (/proc/net/unix). */
  listening: boolean;
  /** `ss`: connections paired with processes; `count`: ss missing, connections counted from /proc/net/unix only. */
  method: 'ss' | 'count';
  /** Connections to the socket now (proxies' clients not included). */
  connections: number;
  clients: PcscClient[];
  /** Connections whose process could not be seen (another user's without root; another PID namespace). */
  unattributed: number;
  /** True when the unattributed ones would show as root (`sudo pcsc clients`). */
  rootWouldShow: boolean;
}

export interface ClientsOptions {
  /** Processes to leave out (the caller itself: doctor and apdu hold connections while they ask). */
  exclude?: number[];
}

/** How deep to follow proxies in front of proxies. */
const MAX_DEPTH = 3;

export async function findPcscClients(
  probe: SystemProbe,
  socket: string,
  opts: ClientsOptions = {},
): Promise<PcscClients> {
  // Independent looks, side by side: ss takes longest.
  const [netUnix, peers, stat] = await Promise.all([
    probe.readFile('/proc/net/unix'),
    unixPeers(probe),
    probe.readFile('/proc/stat'),
  ]);
  const table = parseProcNetUnix(netUnix ?? '');
  const root = probe.uid === 0;
  const isListening = table.some((e) => e.path === socket && e.listening);
  if (!peers) {
    const n = table.filter((e) => e.path === socket && e.connected).length;
    return {
      socket,
      listening: isListening,
      method: 'count',
      connections: n,
      clients: [],
      unattributed: n,
      rootWouldShow: false,
    };
  }
  const exclude = new Set(opts.exclude ?? []);
  const fds = new Map<number, number[] | null>();
  const inodesOf = async (pid: number): Promise<number[] | null> => {
    if (!fds.has(pid)) fds.set(pid, await socketInodes(probe, pid));
    return fds.get(pid) ?? null;
  };
  // The process list and every process's sockets, read once and only when a connection is to be
  // attributed (nobody connected: nothing to read); each process's fds concurrently.
  let procs: ProcessInfo[] | undefined;
  const processes = async (): Promise<ProcessInfo[]> => {
    if (!procs) {
      const all = (await processList(probe)).filter((p) => !exclude.has(p.pid));
      await Promise.all(all.map((p) => inodesOf(p.pid)));
      procs = all;
    }
    return procs;
  };
  const boot = bootTime(stat);
  const clients: PcscClient[] = [];
  const seen = new Set<string>([socket]);

  const look = async (path: string, via: number | undefined, depth: number): Promise<{ n: number; lost: number }> => {
    const wanted = new Set(peers.filter((p) => p.path === path).map((p) => p.peer));
    // The caller's own connections are neither listed nor counted.
    for (const pid of exclude) for (const i of (await inodesOf(pid)) ?? []) wanted.delete(i);
    if (wanted.size === 0) return { n: 0, lost: 0 };
    let found = 0;
    for (const p of await processes()) {
      if (p.pid === via) continue;
      const mine = await inodesOf(p.pid);
      if (!mine) continue;
      const connections = mine.filter((i) => wanted.has(i)).length;
      if (connections === 0) continue;
      found += connections;
      const c = await describe(probe, p, connections, boot);
      if (via !== undefined) c.via = via;
      clients.push(c);
      if (depth < MAX_DEPTH && c.known?.id === 'pcsc-proxy')
        for (const listen of listening(table, mine))
          if (!seen.has(listen)) {
            seen.add(listen);
            await look(listen, p.pid, depth + 1);
          }
    }
    return { n: wanted.size, lost: Math.max(0, wanted.size - found) };
  };

  const top = await look(socket, undefined, 1);
  return {
    socket,
    listening: isListening,
    method: 'ss',
    connections: top.n,
    clients,
    unattributed: top.lost,
    rootWouldShow: top.lost > 0 && !root,
  };
}

/** The bound paths of the listening sockets among a process's inodes (a proxy's front). */
function listening(table: UnixSocketEntry[], inodes: number[]): string[] {
  const set = new Set(inodes);
  return table.filter((e) => e.listening && set.has(e.inode)).map((e) => e.path);
}

async function describe(probe: SystemProbe, p: ProcessInfo, connections: number, boot?: number): Promise<PcscClient> {
  const command = commandName(p.argv, p.exe);
  const known = knownClient(command);
  const since = boot !== undefined ? startTime(await probe.readFile(`/proc/${p.pid}/stat`), boot) : undefined;
  return {
    pid: p.pid,
    uid: p.uid,
    user: await nameOfUid(probe, p.uid),
    command,
    argv: p.argv,
    ...(p.exe ? { exe: p.exe } : {}),
    connections,
    ...(since ? { since } : {}),
    ...(known ? { known } : {}),
  };
}

/** /proc/stat's "btime" (seconds since the epoch when the system booted). */
export function bootTime(stat: string | null): number | undefined {
  const m = stat ? /^btime\s+(\d+)/m.exec(stat) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Linux's clock ticks per second for /proc times (USER_HZ): 100 on every architecture Linux runs
 * userspace on (sysconf(_SC_CLK_TCK)).
 */
const USER_HZ = 100;

/** A process's start (ISO 8601) from /proc/PID/stat field 22 (starttime, ticks after boot). */
export function startTime(stat: string | null, boot: number): string | undefined {
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces and parentheses: split after the last ")".
  const rest = stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  const ticks = Number(rest[19]); // field 22, counted from field 3 (state)
  if (!Number.isFinite(ticks)) return undefined;
  return new Date((boot + ticks / USER_HZ) * 1000).toISOString();
}

/** "keepassxc (pid 2211), scdaemon (pid 1820)": the clients as a busy-reader report names them. */
export function clientList(clients: readonly PcscClient[]): string {
  return clients
    .map((c) => `${c.command} (pid ${c.pid}${c.via !== undefined ? `, through pid ${c.via}` : ''})`)
    .join(', ');
}
