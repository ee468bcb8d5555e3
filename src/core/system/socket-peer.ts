// The process at the other end of a Unix socket this process accepted (Linux), found as `ss -xp` finds it:
// our end's inode (/proc/self/fd/FD → socket:[inode]), its peer inode (sock_diag through `ss`), and the
// process holding that inode under /proc/PID/fd. Node has no SO_PEERCRED; this needs no native code.
// Another user's process is found only as root (its /proc/PID/fd is not readable otherwise).

import { commandName } from './known-clients.js';
import type { SystemProbe } from './types.js';
import { socketInodes, unixPeers } from './unix-sockets.js';

export interface SocketPeerProcess {
  pid: number;
  uid: number;
  /** The name the program is known by (the well-known clients table: docs/clients.md#well-known-clients). */
  command: string;
  argv: string[];
}

/** The inode of one of this process's file descriptors, when it is a socket. */
export async function ownSocketInode(probe: SystemProbe, fd: number): Promise<number | undefined> {
  const link = await probe.readLink(`/proc/self/fd/${fd}`);
  const m = link ? /^socket:\[(\d+)\]$/.exec(link) : null;
  return m ? Number(m[1]) : undefined;
}

/** The process holding the peer of socket `inode`; undefined when not found (not Linux, no ss, not visible). */
export async function peerProcess(probe: SystemProbe, inode: number): Promise<SocketPeerProcess | undefined> {
  const peers = await unixPeers(probe);
  const peer = peers?.find((p) => p.inode === inode)?.peer;
  if (peer === undefined) return undefined;
  // A fresh list: the client connected just now. Lowest pid first: after a fork, the parent.
  const procs = [...(await probe.processes())].sort((a, b) => a.pid - b.pid);
  for (const p of procs) {
    if (p.pid === process.pid) continue;
    if ((await socketInodes(probe, p.pid))?.includes(peer))
      return { pid: p.pid, uid: p.uid, command: commandName(p.argv, p.exe), argv: p.argv };
  }
  return undefined;
}
