// Small helpers shared by the checks: result and fix builders, the socket path. The commands in
// fixes come from src/core/system/service.ts.

import type { SocketChoice } from '../../pcscd/socket-path.js';
import { probeArraySlots, probeVersions } from '../pcscd-versions.js';
import type { VersionAnswer } from '../protocol-model.js';
import { pcscdSocket } from '../../system/pcscd-info.js';
import type { CheckResult, Fix } from '../../engine/types.js';
import type { DoctorContext } from '../types.js';
import { PcscdContext } from '../../pcscd/context.js';

/**
 * Time limit of checks that read the system (sysfs, udev rules, /proc) and start programs
 * (pcscd --version, dpkg-query, systemctl): measured at 5–10 s in the QEMU guest, where every
 * program start costs seconds; still bounded, since every program run has its own limit.
 */
export const SCAN_TIMEOUT_MS = 20_000;

export function result(
  status: CheckResult['status'],
  summary: string,
  more: Omit<CheckResult, 'status' | 'summary'> = {},
): CheckResult {
  return { status, summary, ...more };
}

/** A fix; `root` says the commands need the user to gain root (`mustElevate`: never for root). */
export function fix(text: string, commands?: string[], root?: boolean): Fix {
  const f: Fix = { text };
  if (commands && commands.length > 0) f.commands = commands;
  if (root) f.root = true;
  return f;
}

/** The socket the checks are about: --socket, then PCSCLITE_CSOCK_NAME, then the default paths. */
export function socketPath(ctx: DoctorContext): Promise<SocketChoice> {
  return pcscdSocket(ctx.probe, ctx.options.socket);
}

/** The socket path of the daemon the checks are about. */
export async function daemonSocket(ctx: DoctorContext): Promise<string> {
  return (await socketPath(ctx)).path;
}

/** Measurements under way, by the run's fact store. */
const measuring = new WeakMap<object, Promise<number | undefined>>();

/**
 * The entries of the reader-state array the daemon at `path` (this process's path to the checks'
 * socket) sends clients up to 4:5: measured once per run (`probeArraySlots`), then the fact
 * `pcscd.slots`. Undefined when it cannot be counted (a daemon below 4:4, no answer).
 */
export function daemonSlots(ctx: DoctorContext, path: string): Promise<number | undefined> {
  const known = ctx.facts.get('pcscd.slots');
  if (known !== undefined) return Promise.resolve(known ?? undefined);
  // Checks that run side by side share the one measurement under way.
  let pending = measuring.get(ctx.facts);
  if (!pending) {
    pending = probeArraySlots(path, { signal: ctx.signal })
      .catch(() => undefined)
      .then((n) => {
        ctx.facts.set('pcscd.slots', n ?? null);
        return n;
      });
    measuring.set(ctx.facts, pending);
  }
  return pending;
}

/** `probeVersions` under way or done, by the run's fact store, then by socket. */
const asking = new WeakMap<object, Map<string, Promise<VersionAnswer[]>>>();

/**
 * The daemon's answer to each CMD_VERSION at `path` (`probeVersions`), asked once per run: pcscd.protocol
 * and sandbox, which run side by side, share it (five connections, and five "protocol mismatch" lines in
 * pcscd's log, instead of ten). Rejects as probeVersions does.
 */
export function daemonAnswers(ctx: DoctorContext, path: string): Promise<VersionAnswer[]> {
  let byPath = asking.get(ctx.facts);
  if (!byPath) asking.set(ctx.facts, (byPath = new Map()));
  let pending = byPath.get(path);
  if (!pending) {
    pending = probeVersions(path, { signal: ctx.signal });
    byPath.set(path, pending);
  }
  return pending;
}

export function octal(mode: number): string {
  return '0' + (mode & 0o7777).toString(8).padStart(3, '0');
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * The readers the daemon the checks are about lists, or null when none answers within 2 s: lets a
 * check about USB readers stay quiet when pcscd's readers are not on this machine's USB (virtual
 * readers, a container's host).
 */
export async function daemonReaders(ctx: DoctorContext): Promise<string[] | null> {
  const socket = ctx.probe.path(await daemonSocket(ctx));
  let c: PcscdContext | undefined;
  try {
    c = await PcscdContext.establish({ socket, env: {}, requestTimeout: 2000 });
    return await c.listReaders();
  } catch {
    return null;
  } finally {
    await c?.release().catch(() => undefined);
  }
}
