// A process and everything it started, read from /proc: for tests that check that a program left
// nothing running behind it. A process is identified by its pid and start time, so a pid reused
// later by an unrelated process is not mistaken for the one seen before.

import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  start: string;
  state: string;
  cmdline: string;
}

function info(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: read after its last ")".
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(rest[1]), state: rest[0] ?? '?', start: rest[19] ?? '', cmdline };
  } catch {
    return null; // gone meanwhile
  }
}

/** `root` and all its descendants now (zombies included: they are still somebody's child). */
export function processTree(root: number): ProcInfo[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => info(Number(d)))
    .filter((p): p is ProcInfo => p !== null);
  const tree: ProcInfo[] = [];
  const want = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if ((want.has(p.ppid) || p.pid === root) && !tree.includes(p)) {
        tree.push(p);
        want.add(p.pid);
        grew = true;
      }
    }
  }
  return tree;
}

/** Those of `seen` that still run (same pid, same start time, not a zombie). */
export function stillRunning(seen: readonly ProcInfo[]): ProcInfo[] {
  return seen.filter((p) => {
    const now = info(p.pid);
    return now !== null && now.start === p.start && now.state !== 'Z';
  });
}
