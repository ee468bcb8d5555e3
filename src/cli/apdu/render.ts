// Human output of `pcsc apdu`: `>`/`<` lines as scriptor prints them, plus the status meaning,
// notes on GET RESPONSE and re-sends, timing, the --repeat summary and --control answers.

import type { Style } from '../style.js';
import { describeSw, formatHex } from '../../core/index.js';
import { redactCommandHex, swPatternsText, type ApduRecord, type RunRecord } from '../../core/script/index.js';
import type { ApduResult, ControlJson, RepeatJson } from './result.js';
import { termSafe } from '../escape.js';

export interface RenderOptions {
  timing: boolean;
  showSecrets: boolean;
  style: Style;
}

const PER_LINE = 16;

export function formatDuration(ns: bigint | number): string {
  const n = Number(ns);
  if (n < 1e6) return `${Math.round(n / 1e3)} µs`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} ms`;
  return `${(n / 1e9).toFixed(2)} s`;
}

/** Response bytes wrapped every 16 bytes, continuation lines indented under the first. */
function wrapped(prefix: string, bytes: Uint8Array): string[] {
  if (bytes.length === 0) return [prefix.trimEnd()];
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += PER_LINE) {
    lines.push((i === 0 ? prefix : ' '.repeat(prefix.length)) + formatHex(bytes.subarray(i, i + PER_LINE)));
  }
  return lines;
}

export function renderHeader(r: Pick<ApduResult, 'reader' | 'protocol' | 'atr'>, style: Style): string {
  const atr = r.atr ? ` · ATR ${r.atr.replace(/(..)(?!$)/g, '$1 ')}` : '';
  return style.dim(`Reader: ${termSafe(r.reader)}${r.protocol ? ` (${r.protocol})` : ''}${atr}`);
}

export function renderRecord(r: RunRecord, o: RenderOptions): string[] {
  const s = o.style;
  if (r.kind === 'reset') {
    return [
      '> reset',
      `< ATR ${formatHex(r.atr)}${r.protocol ? ` (${r.protocol})` : ''}${o.timing ? s.dim(`  [${formatDuration(r.durationNs)}]`) : ''}`,
    ];
  }
  const lines = [`> ${redactCommandHex(r.item.bytes, { show: o.showSecrets })}`];
  const all = r.sw === null ? r.data : Buffer.concat([r.data, Buffer.from([r.sw >> 8, r.sw & 0xff])]);
  const body = wrapped('< ', all);
  const notes = stepNotes(r);
  let tail: string;
  if (r.sw === null) {
    tail = s.red(` : no status word (the card answered ${r.data.length} byte${r.data.length === 1 ? '' : 's'})`);
  } else {
    const d = describeSw(r.sw);
    // A status the script did not expect is a failure, whatever it means (a 9000 where =6A82 was asked).
    const paint = !r.matched || d.category === 'error' ? s.red : d.category === 'success' ? s.green : s.yellow;
    tail = ' : ' + paint(d.meaning);
  }
  if (notes) tail += s.dim(` (${notes})`);
  if (o.timing) tail += s.dim(`  [${formatDuration(r.durationNs)}]`);
  body[body.length - 1] += tail;
  return [...lines, ...body];
}

function stepNotes(r: ApduRecord): string {
  const gr = r.steps.filter((x) => x.reason === 'get-response').length;
  const parts: string[] = [];
  r.steps.forEach((x, i) => {
    const asked = r.steps[i - 1]?.response;
    if (x.reason === 'resend' && asked) parts.push(`re-sent with Le = ${formatHex(asked.subarray(-1))}`);
  });
  if (gr > 0) parts.push(`${gr} GET RESPONSE`);
  if (r.limitReached) parts.push('stopped at the GET RESPONSE limit');
  return parts.join(', ');
}

/** --data-only: the response data as compact hex, one line per APDU (nothing for a reset). */
export function renderDataOnly(r: RunRecord): string | null {
  return r.kind === 'apdu' ? r.data.toString('hex').toUpperCase() : null;
}

/** `round` is "in round 3 of 10" with --repeat. */
export function mismatchMessage(r: ApduRecord, round?: string): string {
  const expected = (r.item.expect ? swPatternsText(r.item.expect) : '') + (round ? `, ${round}` : '');
  // The label names the script file: a path may hold anything.
  const label = termSafe(r.label);
  if (r.sw === null) return `${label}: no status word from the card, expected ${expected}`;
  const d = describeSw(r.sw);
  return `${label}: status ${d.sw} (${d.meaning}), expected ${expected}`;
}

export function renderRepeat(r: RepeatJson, style: Style): string {
  const extra = r.transmissions !== r.apdus ? ` (${r.transmissions} commands with GET RESPONSE and re-sends)` : '';
  return `${r.apdus} APDUs in ${formatDuration(r.durationUs * 1000)}: ${style.bold(`${r.apduPerSecond} APDU/s`)}, ${r.perApduUs} µs per APDU${extra}`;
}

export function renderControl(c: ControlJson): string[] {
  const lines = [
    `> control ${c.code}${c.command ? ' ' + spaced(c.command) : ''}`,
    `< ${c.response ? spaced(c.response) : '(no data)'}`,
  ];
  if (c.features) {
    lines.push(c.features.length === 0 ? 'No PC/SC part 10 features.' : 'PC/SC part 10 features:');
    for (const f of c.features) lines.push(`  ${f.name.padEnd(26)} ${f.controlCode}`);
  }
  if (c.properties?.length) {
    lines.push('TLV properties:');
    for (const p of c.properties) lines.push(`  ${p.name.padEnd(26)} ${termSafe(String(p.value))}`);
  }
  return lines;
}

function spaced(hex: string): string {
  return hex.replace(/(..)(?!$)/g, '$1 ');
}
