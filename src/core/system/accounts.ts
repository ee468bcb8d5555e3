// Users and groups as the system resolves them (passwd(5), group(5), login.defs(5)): read from
// files under the probe's root, then `getent` on the live system for NSS-only entries.

import type { SystemProbe } from './types.js';
import { memo } from './memo.js';

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): UserEntry[] {
  return text.split('\n').flatMap((l) => {
    const f = l.split(':');
    if (f.length < 7 || l.startsWith('#')) return [];
    return [{ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] as string }];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').flatMap((l) => {
    const f = l.split(':');
    if (f.length < 4 || l.startsWith('#')) return [];
    return [{ name: f[0] as string, gid: Number(f[2]), members: (f[3] as string).split(',').filter(Boolean) }];
  });
}

export function users(probe: SystemProbe): Promise<UserEntry[]> {
  return memo(probe, 'passwd', async () => parsePasswd((await probe.readFile('/etc/passwd')) ?? ''));
}

export function groups(probe: SystemProbe): Promise<GroupEntry[]> {
  return memo(probe, 'group', async () => parseGroup((await probe.readFile('/etc/group')) ?? ''));
}

export async function findUser(probe: SystemProbe, key: string | number): Promise<UserEntry | undefined> {
  const hit = (await users(probe)).find((u) => (typeof key === 'number' ? u.uid === key : u.name === key));
  if (hit) return hit;
  const r = await probe.run('getent', ['passwd', String(key)], { timeoutMs: 2000 });
  return r?.code === 0 ? parsePasswd(r.stdout)[0] : undefined;
}

export async function findGroup(probe: SystemProbe, key: string | number): Promise<GroupEntry | undefined> {
  const hit = (await groups(probe)).find((g) => (typeof key === 'number' ? g.gid === key : g.name === key));
  if (hit) return hit;
  const r = await probe.run('getent', ['group', String(key)], { timeoutMs: 2000 });
  return r?.code === 0 ? parseGroup(r.stdout)[0] : undefined;
}

/** The gids a user belongs to: its primary group and every group listing it as a member. */
export async function userGids(probe: SystemProbe, user: UserEntry): Promise<number[]> {
  const gs = (await groups(probe)).filter((g) => g.members.includes(user.name)).map((g) => g.gid);
  return [...new Set([user.gid, ...gs])];
}

/** The highest system gid: login.defs' SYS_GID_MAX, else GID_MIN - 1, else 999 (shadow's default). */
export async function sysGidMax(probe: SystemProbe): Promise<number> {
  const defs = (await probe.readFile('/etc/login.defs')) ?? '';
  const get = (k: string): number | undefined => {
    const m = new RegExp(`^\\s*${k}\\s+(\\d+)`, 'm').exec(defs);
    return m ? Number(m[1]) : undefined;
  };
  return get('SYS_GID_MAX') ?? (get('GID_MIN') ?? 1000) - 1;
}

export async function nameOfUid(probe: SystemProbe, uid: number): Promise<string> {
  return (await findUser(probe, uid))?.name ?? String(uid);
}

export async function nameOfGid(probe: SystemProbe, gid: number): Promise<string> {
  return (await findGroup(probe, gid))?.name ?? String(gid);
}
