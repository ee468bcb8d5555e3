// What several checks and commands need (the pcscd binary, the udev rules, the readers…), gathered once per
// probe: checks stay independent of their order and the system is read only once.

import type { ProcessInfo, SystemProbe } from './types.js';

const cache = new WeakMap<SystemProbe, Map<string, Promise<unknown>>>();

export function memo<T>(probe: SystemProbe, key: string, compute: () => Promise<T>): Promise<T> {
  let m = cache.get(probe);
  if (!m) {
    m = new Map();
    cache.set(probe, m);
  }
  let p = m.get(key) as Promise<T> | undefined;
  if (!p) {
    p = compute();
    m.set(key, p);
  }
  return p;
}

/** The process list, read once (a full /proc walk is slow on small or emulated machines). */
export function processList(probe: SystemProbe): Promise<ProcessInfo[]> {
  return memo(probe, 'processes', () => probe.processes());
}
