// Small helpers shared by the checks: result builders, the socket path, fix commands.

import type { SocketChoice } from '../../pcscd/socket-path.js';
import { pcscdSocket } from '../../system/pcscd-info.js';
import type { CheckResult, Fix } from '../../engine/types.js';
import type { DoctorContext } from '../types.js';
import { systemdRunning } from '../../system/os.js';

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

/** The commands that (re)start pcscd on this system. */
export async function startPcscdCommands(ctx: DoctorContext): Promise<string[]> {
  if (await systemdRunning(ctx.probe))
    return ['sudo systemctl enable --now pcscd.socket', 'sudo systemctl restart pcscd.socket'];
  return ['sudo service pcscd start'];
}

export function octal(mode: number): string {
  return '0' + (mode & 0o7777).toString(8).padStart(3, '0');
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * Quotes a word for a POSIX shell when it needs it. Fix commands are text for the user to copy;
 * paths and names from the system (a socket path from the environment, a home with a space) must
 * not turn into extra words or commands there.
 */
export function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
