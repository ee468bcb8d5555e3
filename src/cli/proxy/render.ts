// Human output of `pcsc spy`: one line per call, key=value fields in a fixed order.

import type { CallStats, ProxyCall, SpySummary } from '../../core/proxy/index.js';
import { termSafe } from '../escape.js';

/** Local time of day with milliseconds: "23:01:07.512". */
export function clock(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

const quote = (s: string): string => JSON.stringify(s);

export function renderCall(c: ProxyCall): string {
  const f: string[] = [clock(c.time), `#${c.client}${c.process ? ` ${c.process}[${c.pid}]` : ''}`, c.command];
  if (c.requested) f.push(`requested=${c.requested}`);
  if (c.hContext) f.push(`hContext=${c.hContext}`);
  if (c.hCard) f.push(`hCard=${c.hCard}`);
  if (c.reader !== undefined) f.push(`reader=${quote(c.reader)}`);
  if (c.share) f.push(`share=${c.share}`);
  if (c.preferredProtocols) f.push(`preferred=${c.preferredProtocols.join('|') || 'none'}`);
  if (c.protocol !== undefined) f.push(`protocol=${c.protocol ?? 'none'}`);
  if (c.disposition) f.push(`disposition=${c.disposition}`);
  if (c.controlCode) f.push(`code=${c.controlCode}`);
  if (c.attrId) f.push(`attr=${c.attrId}`);
  if (c.apdu !== undefined) f.push(`apdu=${c.apdu}${c.redacted ? ' (PIN masked)' : ''}`);
  if (c.data !== undefined) f.push(`data=${c.data}`);
  if (c.response !== undefined) f.push(`response=${c.response}`);
  if (c.sw) f.push(`sw=${c.sw} (${c.swMeaning ?? ''})`);
  if (c.readers) f.push(`readers=[${c.readers.map(quote).join(', ')}]`);
  if (c.readerEvents !== undefined) f.push(`readerEvents=${c.readerEvents}`);
  if (c.rvName) f.push(`rv=${c.rvName}`);
  f.push(`${(c.durationUs / 1000).toFixed(3)}ms`);
  if (c.note) f.push(`(${c.note})`);
  // Reader names are JSON-quoted already; the rest (notes quoting errors) may hold anything.
  return termSafe(f.join(' '));
}

/** The summary at exit: per client, then all together, one row per PC/SC function (most time first). */
export function renderSummary(s: SpySummary): string[] {
  if (s.total.length === 0) return ['No PC/SC call was made.'];
  const out: string[] = [];
  const table = (rows: CallStats[]): string[] => {
    const head = ['FUNCTION', 'CALLS', 'ERRORS', 'TOTAL ms', 'MEAN ms'];
    const cells = rows.map((r) => [
      r.command,
      String(r.calls),
      String(r.errors),
      (r.totalUs / 1000).toFixed(3),
      (r.meanUs / 1000).toFixed(3),
    ]);
    const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
    const line = (c: string[]): string =>
      c.map((x, i) => (i === 0 ? x.padEnd(w[i] as number) : x.padStart(w[i] as number))).join('  ');
    return [line(head), ...cells.map(line)].map((l) => '  ' + l);
  };
  for (const c of s.clients) {
    out.push(`Client #${c.client}${c.process ? `: ${c.process} (pid ${c.pid})` : ''}`);
    out.push(...table(c.calls));
  }
  if (s.clients.length > 1) {
    out.push('All clients');
    out.push(...table(s.total));
  }
  return out.map((l) => termSafe(l));
}
