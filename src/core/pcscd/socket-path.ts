// Where pcscd listens (docs/protocol.md#where-pcscd-listens): PCSCLITE_CSOCK_NAME (client-side override, as
// libpcsclite reads it), else the compiled default /run/pcscd/pcscd.comm (pcsc-lite ≥ 1.9.0), else
// /var/run/pcscd/pcscd.comm.

import { statSync } from 'node:fs';

/** pcscd's socket since pcsc-lite 1.9.0, used when neither an option nor PCSCLITE_CSOCK_NAME names one. */
export const DEFAULT_SOCKET = '/run/pcscd/pcscd.comm';
export const LEGACY_SOCKET = '/var/run/pcscd/pcscd.comm';
/** sizeof(sun_path) - 1 on Linux: libpcsclite truncates the override to this many bytes. */
export const MAX_SOCKET_PATH = 107;

/** The pcscd socket a client uses, and why. */
export interface SocketChoice {
  path: string;
  /** Why this path: the environment variable, or the default that exists. */
  source: 'option' | 'env' | 'default' | 'legacy';
}

/** Picks the socket path; `exists` is injectable for tests. */
export function resolveSocketPath(
  opts: { path?: string | undefined; env?: NodeJS.ProcessEnv } = {},
  exists: (p: string) => boolean = socketExists,
): SocketChoice {
  if (opts.path) return { path: opts.path, source: 'option' };
  const env = opts.env ?? process.env;
  const override = env.PCSCLITE_CSOCK_NAME;
  if (override) return { path: override.slice(0, MAX_SOCKET_PATH), source: 'env' };
  if (!exists(DEFAULT_SOCKET) && exists(LEGACY_SOCKET)) return { path: LEGACY_SOCKET, source: 'legacy' };
  return { path: DEFAULT_SOCKET, source: 'default' };
}

function socketExists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
