// `pcsc clients` as text: one line per process, then what well-known ones are and how to make them share.

import type { PcscClient, PcscClients } from '../../core/doctor/index.js';

export function renderClients(r: PcscClients, asRoot: string): string[] {
  const out: string[] = [];
  const n = r.connections;
  out.push(`${r.socket}: ${n} connection${n === 1 ? '' : 's'} now`);
  if (r.method === 'count') {
    out.push('ss (iproute2) is not installed: connections are counted, not attributed to processes.');
    return out;
  }
  if (r.clients.length > 0) {
    const rows = r.clients.map((c) => [
      String(c.pid),
      c.user,
      String(c.connections),
      c.since ? c.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '?',
      label(c, r.clients),
    ]);
    const head = ['PID', 'USER', 'CONN', 'SINCE', 'COMMAND'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
    const line = (cells: string[]): string =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
        .join('  ')
        .trimEnd();
    out.push(line(head));
    for (const row of rows) out.push(line(row));
  }
  if (r.unattributed > 0)
    out.push(
      r.rootWouldShow
        ? `${r.unattributed} connection${r.unattributed === 1 ? '' : 's'} of other users' processes: \`${asRoot}\` shows them.`
        : `${r.unattributed} connection${r.unattributed === 1 ? '' : 's'} of processes not visible here (another PID namespace?).`,
    );
  const known = new Map(r.clients.flatMap((c) => (c.known ? [[c.known.id, c.known] as const] : [])));
  if (known.size > 0) out.push('');
  for (const k of known.values()) {
    out.push(`${k.id}: ${k.what}.`);
    out.push(`  To share: ${k.share}${k.release ? ` (\`${k.release}\`)` : ''}. Source: ${k.source}`);
  }
  return out;
}

/** The command column: name, full command line, and the proxy a client came through. */
function label(c: PcscClient, all: readonly PcscClient[]): string {
  const via = c.via !== undefined ? `  [via ${all.find((p) => p.pid === c.via)?.command ?? 'pid'} ${c.via}]` : '';
  const cmd = c.argv.length > 0 ? c.argv.join(' ') : (c.exe ?? c.command);
  return `${c.command}${cmd !== c.command ? `  (${cmd.length > 80 ? cmd.slice(0, 79) + '…' : cmd})` : ''}${via}`;
}
