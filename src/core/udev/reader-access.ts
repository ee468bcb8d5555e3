// Per USB reader: its device node's owner, group and mode, the udev lines that set them, and
// whether pcscd's user (and the user running doctor) can open it read-write, as libusb must.

import type { Assignment } from './evaluate.js';
import type { ProbeStat, SystemProbe } from '../system/types.js';
import { findUser, nameOfGid, nameOfUid, userGids, type UserEntry } from '../system/accounts.js';
import { memo } from '../system/memo.js';
import { pcscdUser } from '../system/pcscd-info.js';
import { readerIdentity, udevOutcome, usbReaders, type ReaderIdentity, type UsbReader } from './readers.js';

export interface Rule {
  value: string;
  /** "file:line" */
  at: string;
}

export interface ReaderNode extends ReaderIdentity {
  /** null when the node does not exist. */
  owner: string | null;
  group: string | null;
  mode: string | null;
  /** What the rules set on "add", with where. */
  rules: { group?: Rule; owner?: Rule; mode?: Rule };
  /** The group the rules give on a "change" event, when it differs from "add". */
  groupOnChange?: string | null;
  tags: string[];
  /** Whether pcscd's user can open the node read-write (null: unknown). */
  pcscdCanOpen: boolean | null;
  /** Whether the user running the checks can (for `--backend usb`); null: unknown. */
  youCanOpen: boolean | null;
  pcscdUser: string;
  /** Lines udev would skip for this device (refused groups, unjudged keys). */
  notes: string[];
}

const rule = (a: Assignment | undefined): Rule | undefined =>
  a ? { value: a.value, at: `${a.file}:${a.line}` } : undefined;

/** Unix permission classes: the first class that applies decides (owner, then group, then others). */
export function canReadWrite(st: ProbeStat, uid: number, gids: readonly number[]): boolean {
  if (uid === 0) return true;
  if (st.uid === uid) return (st.mode & 0o600) === 0o600;
  if (gids.includes(st.gid)) return (st.mode & 0o060) === 0o060;
  return (st.mode & 0o006) === 0o006;
}

async function access(
  probe: SystemProbe,
  st: ProbeStat | null,
  user: UserEntry | undefined,
  uid: number | undefined,
): Promise<boolean | null> {
  if (!st) return false;
  if (uid === 0) return true;
  if (!user || uid === undefined) return null;
  return canReadWrite(st, uid, await userGids(probe, user));
}

export function readerNodes(probe: SystemProbe, socket: string): Promise<ReaderNode[]> {
  return memo(probe, `reader-nodes:${socket}`, async () => {
    const readers = await usbReaders(probe);
    const pu = await pcscdUser(probe, socket);
    const me = probe.uid !== undefined ? await findUser(probe, probe.uid) : undefined;
    return Promise.all(readers.map((r) => describe(probe, r, pu.name, pu.entry, pu.uid, me)));
  });
}

async function describe(
  probe: SystemProbe,
  r: UsbReader,
  pcscdName: string,
  pcscd: UserEntry | undefined,
  pcscdUid: number | undefined,
  me: UserEntry | undefined,
): Promise<ReaderNode> {
  const st = await probe.stat(r.dev.node);
  const [add, change] = await Promise.all([udevOutcome(probe, r, 'add'), udevOutcome(probe, r, 'change')]);
  const out: ReaderNode = {
    ...readerIdentity(r),
    owner: st ? await nameOfUid(probe, st.uid) : null,
    group: st ? await nameOfGid(probe, st.gid) : null,
    mode: st ? '0' + (st.mode & 0o777).toString(8).padStart(3, '0') : null,
    rules: {},
    tags: [...new Set([...(r.dev.udevDb?.tags ?? []), ...add.tags])],
    pcscdCanOpen: await access(probe, st, pcscd, pcscdUid),
    youCanOpen: await access(probe, st, me, probe.uid),
    pcscdUser: pcscdName,
    notes: add.notes,
  };
  const g = rule(add.group);
  if (g) out.rules.group = g;
  const o = rule(add.owner);
  if (o) out.rules.owner = o;
  const m = rule(add.mode);
  if (m) out.rules.mode = m;
  if ((change.group?.value ?? null) !== (add.group?.value ?? null)) out.groupOnChange = change.group?.value ?? null;
  return out;
}
