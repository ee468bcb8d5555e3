// `pcsc --version [--verbose]`: the result type and its human rendering.

import { termSafe } from '../escape.js';

export type SocketSource = 'option' | 'env' | 'default' | 'legacy';

/** The daemon as --verbose found it: the protocol we agreed on, or why none. */
export type VersionDaemon =
  | { protocol: string; daemonVersion: string; socket: string; source: SocketSource }
  | { error: string; socket: string; source: SocketSource };

export interface VersionResult {
  version: string;
  node: string;
  platform: string;
  daemon?: VersionDaemon;
}

const FROM: Record<SocketSource, string> = {
  option: 'from --socket',
  env: 'from PCSCLITE_CSOCK_NAME',
  default: 'default',
  legacy: 'legacy default',
};

export function renderVersion(bin: string, r: VersionResult): string[] {
  const lines = [`${bin}/${r.version} ${r.platform} node-${r.node}`];
  const d = r.daemon;
  if (!d) return lines;
  lines.push(`node:     ${r.node} (${r.platform})`);
  if ('error' in d) lines.push(`pcscd:    not reachable: ${termSafe(d.error)}`);
  // The daemon's reply carries its own version, which can differ from the one spoken (2.4.1 accepts
  // any minor ≥ 4 and answers 4:5).
  else
    lines.push(
      `pcscd:    protocol ${d.protocol}${d.daemonVersion !== d.protocol ? ` (the daemon says ${d.daemonVersion})` : ''}`,
    );
  lines.push(`socket:   ${termSafe(d.socket)} (${FROM[d.source]})`);
  return lines;
}
