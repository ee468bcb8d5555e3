// `pcsc --version [--verbose]`: the human rendering of its result.

import { termSafe } from '../escape.js';
import type { SocketSource, VersionResult } from './result.js';

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
