// Unix-domain sockets as Linux lists them (/proc/net/unix) and the processes holding one open
// (`socket:[inode]` links under /proc/PID/fd), the way `ss -xp` finds them. Used to find the
// ssh-agent behind SSH_AUTH_SOCK and the pcscd behind its socket.

import type { ProcessInfo, SystemProbe } from './types.js';

export interface UnixSocketEntry {
  inode: number;
  path: string;
  listening: boolean;
  /** St 03 (SS_CONNECTED): on a bound path, one of the server's accepted connections. */
  connected: boolean;
}

/** /proc/net/unix: "Num RefCount Protocol Flags Type St Inode Path"; the path may hold spaces. */
export function parseProcNetUnix(text: string): UnixSocketEntry[] {
  const out: UnixSocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^\s*\S+:\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+\S+\s+(\S+)\s+(\d+)(?: (.*))?$/.exec(line);
    if (!m || m[4] === undefined) continue;
    out.push({
      inode: Number(m[3]),
      path: m[4],
      listening: (parseInt(m[1] as string, 16) & 0x10000) !== 0,
      connected: m[2] === '03',
    });
  }
  return out;
}

/** Processes holding a socket inode open (readable only for our own processes, or as root). */
export async function socketHolders(
  probe: SystemProbe,
  inodes: Set<number>,
  procs: ProcessInfo[],
): Promise<ProcessInfo[]> {
  const holders: ProcessInfo[] = [];
  for (const p of procs) if ((await socketInodes(probe, p.pid))?.some((i) => inodes.has(i))) holders.push(p);
  return holders;
}

/** One end of a connected Unix socket as `ss -x` lists it: its inode, its bound path (if any), its peer's inode. */
export interface UnixSocketPeer {
  inode: number;
  /** The path the socket is bound to; a server's accepted sockets carry the listening socket's path. */
  path: string;
  peer: number;
}

/**
 * `ss -xanH` output: "u_str ESTAB 0 0 /run/pcscd/pcscd.comm 14922 * 14921". /proc/net/unix has no peer column:
 * only the kernel's sock_diag interface (what ss reads) pairs a server's accepted socket with its client's.
 * An unbound end shows as `*`; a path may hold spaces, so the fields are taken from both ends of the line.
 */
export function parseSsUnix(text: string): UnixSocketPeer[] {
  const out: UnixSocketPeer[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !f[0]?.startsWith('u_')) continue;
    const peer = Number(f[f.length - 1]);
    const inode = Number(f[f.length - 3]);
    const path = f.slice(4, -3).join(' ');
    if (!Number.isInteger(peer) || !Number.isInteger(inode) || peer <= 0) continue;
    out.push({ inode, path: path === '*' ? '' : path, peer });
  }
  return out;
}

/** Every connected Unix socket's peer, from `ss` (iproute2); null when ss cannot be run. */
export async function unixPeers(probe: SystemProbe): Promise<UnixSocketPeer[] | null> {
  const r = await probe.run('ss', ['-x', '-a', '-n', '-H'], { timeoutMs: 5000 });
  if (!r || r.code !== 0) return null;
  return parseSsUnix(r.stdout);
}

/** The socket inodes a process holds open (`socket:[inode]` links under /proc/PID/fd); null when unreadable. */
export async function socketInodes(probe: SystemProbe, pid: number): Promise<number[] | null> {
  const fds = await probe.readDir(`/proc/${pid}/fd`);
  if (!fds) return null;
  // Every link at once: a process may hold hundreds of descriptors.
  const links = await Promise.all(fds.map((fd) => probe.readLink(`/proc/${pid}/fd/${fd}`)));
  const out: number[] = [];
  for (const link of links) {
    const m = link ? /^socket:\[(\d+)\]$/.exec(link) : null;
    if (m) out.push(Number(m[1]));
  }
  return out;
}
