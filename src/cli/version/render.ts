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
  else {
    const at = d.pid !== null ? ` (pid ${d.pid}${d.binary ? `, ${termSafe(d.binary)}` : ''})` : '';
    lines.push(
      d.daemonVersion !== null
        ? `pcscd:    ${termSafe(d.daemonVersion)}${at}`
        : `pcscd:    release unknown: ${termSafe(d.daemonVersionUnknown ?? 'not found')}`,
    );
    // The daemon's reply carries its own protocol version, which can differ from the one spoken
    // (2.4.1 accepts any minor ≥ 4 and answers 4:5).
    lines.push(
      `protocol: ${d.protocol}${d.daemonProtocol !== d.protocol ? ` (the daemon announces ${d.daemonProtocol})` : ''}`,
    );
  }
  lines.push(`socket:   ${termSafe(d.socket)} (${FROM[d.source]})`);
  return lines;
}
