// Which udev rules files apply, in udev's order (udev(7) "Rules Files"): every *.rules file of the
// rules directories, sorted by file name; a same-named file in a higher-priority directory replaces
// the others; an empty file or a symlink to /dev/null masks the name.

import type { SystemProbe } from '../system/types.js';
import { parseRules, type UdevRule } from './rules-parse.js';

/** Highest priority first. /lib/udev is where split-/usr systems (and old packages) keep them. */
export const RULES_DIRS = [
  '/etc/udev/rules.d',
  '/run/udev/rules.d',
  '/usr/local/lib/udev/rules.d',
  '/usr/lib/udev/rules.d',
  '/lib/udev/rules.d',
] as const;

export interface RulesFile {
  name: string;
  /** The file that wins for this name. */
  path: string;
  /** Same-named files it replaces. */
  overrides: string[];
  masked: boolean;
  rules: UdevRule[];
}

export async function loadRulesFiles(
  probe: Pick<SystemProbe, 'readDir' | 'readFile' | 'readLink' | 'realPath'>,
  dirs: readonly string[] = RULES_DIRS,
): Promise<RulesFile[]> {
  const winners = new Map<string, { path: string; overrides: string[] }>();
  const seenDirs = new Set<string>();
  for (const dir of dirs) {
    // /lib → /usr/lib on merged-/usr systems: the same directory must not count twice.
    const real = (await probe.realPath(dir)) ?? dir;
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    for (const name of (await probe.readDir(dir)) ?? []) {
      if (!name.endsWith('.rules')) continue;
      const path = `${dir}/${name}`;
      const w = winners.get(name);
      if (w) w.overrides.push(path);
      else winners.set(name, { path, overrides: [] });
    }
  }
  const names = [...winners.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    names.map(async (name) => {
      const { path, overrides } = winners.get(name) as { path: string; overrides: string[] };
      const link = await probe.readLink(path);
      const text = link === '/dev/null' ? null : await probe.readFile(path);
      const masked = text === null || text.trim() === '';
      return { name, path, overrides, masked, rules: masked ? [] : parseRules(text, path) };
    }),
  );
}

/** All rules of the non-masked files, in evaluation order. */
export function allRules(files: readonly RulesFile[]): UdevRule[] {
  return files.flatMap((f) => f.rules);
}
