// Human output of an ATR analysis and of its names from the ATR list (pcsc atr, pcsc scan).

import type { Style } from '../style.js';
import { atrSubmitUrl, type AtrMatch } from '../../core/atr-list/index.js';
import { describeT0, formatHex, wrongTck, type AtrAnalysis, type HistoricalBytes } from '../../core/index.js';
import { termSafe } from '../escape.js';

const hx = (v: number): string => v.toString(16).toUpperCase().padStart(2, '0');
const spaced = (hex: string): string => hex.replace(/(..)(?!$)/g, '$1 ');

export function renderAtrAnalysis(a: AtrAnalysis, s: Style, indent = ''): string[] {
  const out: string[] = [];
  const row = (name: string, value: string, meaning: string): void => {
    out.push(`${indent}  ${name.padEnd(4)} ${value}  ${s.magenta(meaning)}`);
  };
  if (a.ts !== null) row('TS', a.ts, a.convention ? `${a.convention} convention` : 'not 3B or 3F');
  if (a.t0 !== null) row('T0', a.t0, describeT0(parseInt(a.t0, 16)));
  for (const b of a.interfaceBytes) row(b.name, b.value, b.meaning);
  if (a.t0 !== null) out.push(...renderHistorical(a.historical, s, indent + '  '));
  // A wrong TCK is said on its row; the problem list below leaves it out (said once).
  const tckProblem = a.tck.present && !a.tck.valid ? wrongTck(a.tck.value ?? '', a.tck.expected ?? '') : null;
  if (a.tck.present)
    row('TCK', a.tck.value ?? '', a.tck.valid ? 'checksum correct' : `checksum WRONG: should be ${a.tck.expected}`);
  else if (a.t0 !== null && !a.tck.required)
    out.push(`${indent}  TCK       ${s.magenta('absent, as it should be (only T=0 offered)')}`);
  if (a.t0 !== null) {
    out.push(
      `${indent}  Protocols: ${a.protocols.join(', ')}${a.specificMode ? ` (specific mode: ${a.specificMode.protocol})` : ''}`,
    );
  }
  for (const p of a.problems) if (p !== tckProblem) out.push(`${indent}  ${s.red('! ' + p)}`);
  return out;
}

function renderHistorical(h: HistoricalBytes, s: Style, indent: string): string[] {
  if (h.expected === 0 && h.bytes === '') return [];
  const out = [`${indent}Historical bytes (${h.bytes.length / 2}): ${spaced(h.bytes)}`];
  const line = (t: string, extra = ''): void => {
    out.push(`${indent}  ${extra}${s.magenta(t)}`);
  };
  if (h.category === null) return out;
  const cat = `category ${h.category}: `;
  switch (h.format) {
    case 'pcsc-storage-card': {
      const p = h.pcsc;
      line(`${cat}PC/SC part 3 storage card (RID ${spaced(p?.rid ?? '')})`);
      if (p) {
        line(`standard ${p.standard}: ${p.standardName}`);
        line(`card name ${p.cardName}${p.cardNameText ? `: ${p.cardNameText}` : ''}`);
      }
      return out;
    }
    case 'compact-tlv':
    case 'compact-tlv+status':
      line(
        `${cat}compact-TLV objects${h.format === 'compact-tlv+status' ? ' and a status indicator (last 3 bytes)' : ''}`,
      );
      for (const o of h.objects) {
        line(`${hx((o.tag << 4) | o.length)} ${o.name}${o.value ? `: ${spaced(o.value)}` : ''}`);
        for (const d of o.details) line(d, '    ');
      }
      if (h.format === 'compact-tlv+status' && h.status) {
        const st = h.status;
        line(`status: life cycle ${st.lcs} (${st.lcsMeaning}), SW ${st.sw}`);
      }
      return out;
    case 'dir-reference':
      line(`${cat}DIR data reference${h.dirReference !== undefined ? ` ${h.dirReference}` : ''}`);
      return out;
    case 'rfu':
      line(`${cat}RFU`);
      return out;
    default:
      line(`${cat}proprietary format`);
      return out;
  }
}

export interface NamesView {
  /** The list used; null when none was found. */
  file: string | null;
  searched?: string[];
  matches: AtrMatch[];
}

/** The "possibly identified card" part: every matching pattern and its names. */
export function renderAtrNames(atr: Uint8Array, v: NamesView, s: Style, indent = ''): string[] {
  if (!v.file) {
    return [
      `${indent}No ATR list found${v.searched ? ` (looked in ${termSafe(v.searched.join(', '))})` : ''}: get one with \`pcsc atr --update\`.`,
    ];
  }
  if (v.matches.length === 0) {
    return [`${indent}Not in the ATR list (${termSafe(v.file)}). Submit it at ${atrSubmitUrl(atr)}`];
  }
  const out = [`${indent}Possibly identified card (using ${termSafe(v.file)}):`];
  const full = formatHex(atr);
  for (const m of v.matches) {
    out.push(`${indent}  ${termSafe(m.pattern.toUpperCase() === full ? m.pattern : `${m.pattern}  (pattern)`)}`);
    for (const n of [...m.names, ...m.urls]) out.push(`${indent}    ${s.blue(termSafe(n))}`);
  }
  return out;
}
