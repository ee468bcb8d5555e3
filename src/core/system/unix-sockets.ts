// Unix-domain sockets as Linux lists them (/proc/net/unix) and the processes holding one open
// (`socket:[inode]` links under /proc/PID/fd), the way `ss -xp` finds them. Used to find the
// ssh-agent behind SSH_AUTH_SOCK and the pcscd behind its socket.

import type { ProcessInfo, SystemProbe } from './types.js';

export interface UnixSocketEntry {
  inode: number;
  path: string;
  listening: boolean;
}

/** /proc/net/unix: "Num RefCount Protocol Flags Type St Inode Path"; the path may hold spaces. */
export function parseProcNetUnix(text: string): UnixSocketEntry[] {
  const out: UnixSocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^\s*\S+:\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+\S+\s+\S+\s+(\d+)(?: (.*))?$/.exec(line);
    if (!m || m[3] === undefined) continue;
    out.push({ inode: Number(m[2]), path: m[3], listening: (parseInt(m[1] as string, 16) & 0x10000) !== 0 });
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
  for (const p of procs) {
    const fds = await probe.readDir(`/proc/${p.pid}/fd`);
    if (!fds) continue;
    for (const fd of fds) {
      const link = await probe.readLink(`/proc/${p.pid}/fd/${fd}`);
      const m = link ? /^socket:\[(\d+)\]$/.exec(link) : null;
      if (m && inodes.has(Number(m[1]))) {
        holders.push(p);
        break;
      }
    }
  }
  return holders;
}
