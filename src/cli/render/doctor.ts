// Human output of `pcsc doctor`, `pcsc doctor --list` and the checklist of `pcsc udev-check`:
// pure functions from the core's report to lines (colour through the style passed in).

import type { Style } from '../style.js';
import type {
  CheckInfo,
  CheckReport,
  CheckStatus,
  DoctorReport,
  ReaderLink,
  ReaderNode,
  RunReport,
} from '../../core/doctor/index.js';
import { termSafe } from '../escape.js';

export const SYMBOLS: Record<CheckStatus, string> = { pass: '✔', warn: '!', fail: '✘', skip: '-', error: '✖' };

const CATEGORY_TITLES: Record<string, string> = {
  pcscd: 'pcscd',
  client: 'Client libraries and sandboxes',
  access: 'Access control',
  udev: 'USB readers and udev',
  drivers: 'Reader drivers',
  gnupg: 'GnuPG',
  macos: 'macOS',
  ssh: 'ssh-agent',
};

export interface RenderOptions {
  /** Every check's details and durations, and (for renderReport) every check, not only problems. */
  verbose?: boolean;
  /** renderReport lists every check (udev-check's short checklist) even without `verbose`. */
  all?: boolean;
  style: Style;
}

function paint(style: Style, status: CheckStatus, text: string): string {
  switch (status) {
    case 'pass':
      return style.green(text);
    case 'warn':
      return style.yellow(text);
    case 'fail':
      return style.red(text);
    case 'error':
      return style.magenta(text);
    default:
      return style.dim(text);
  }
}

/** One check: the status line, then (for problems, or with --verbose) why and the fix. */
export function renderCheck(c: CheckReport, o: RenderOptions): string[] {
  const s = o.style;
  const summary = termSafe(c.summary);
  const head = `  ${paint(s, c.status, SYMBOLS[c.status])} ${c.status === 'skip' ? s.dim(summary) : summary} ${s.dim(`[${c.id}]`)}`;
  const lines = [head];
  const open = o.verbose || c.status === 'fail' || c.status === 'warn' || c.status === 'error';
  if (!open) return lines;
  for (const d of c.details ?? []) lines.push(`      ${s.dim('·')} ${termSafe(d)}`);
  if (c.fix && c.status !== 'pass') {
    lines.push(`      ${s.bold('fix:')} ${termSafe(c.fix.text)}${c.fix.root ? s.dim(' (needs root)') : ''}`);
    for (const cmd of c.fix.commands ?? []) lines.push(`        ${s.cyan('$')} ${termSafe(cmd)}`);
  }
  if (o.verbose) lines.push(`      ${s.dim(`${(c.durationUs / 1000).toFixed(1)} ms`)}`);
  return lines;
}

/**
 * A skipped check that could not apply here (another platform, no USB reader to look at, no daemon
 * running), as against one skipped because a check it needs failed or had an error.
 */
export function notApplicable(c: CheckReport, all: readonly CheckReport[]): boolean {
  if (c.status !== 'skip') return false;
  const by = c.data?.blockedBy;
  if (typeof by !== 'string') return true;
  const dep = all.find((x) => x.id === by);
  return dep !== undefined && dep !== c && notApplicable(dep, all);
}

const isProblem = (c: CheckReport): boolean => c.status === 'fail' || c.status === 'warn' || c.status === 'error';

/** "19 checks passed, 1 warning, 4 not applicable": the count per outcome, colour by the style. */
export function summaryLine(r: RunReport, style: Style): string {
  const na = r.checks.filter((c) => notApplicable(c, r.checks)).length;
  const skipped = r.summary.skip - na;
  const parts = [`${r.summary.pass} check${r.summary.pass === 1 ? '' : 's'} passed`];
  if (r.summary.warn) parts.push(style.yellow(`${r.summary.warn} warning${r.summary.warn === 1 ? '' : 's'}`));
  if (r.summary.fail) parts.push(style.red(`${r.summary.fail} failed`));
  if (r.summary.error) parts.push(style.magenta(`${r.summary.error} error${r.summary.error === 1 ? '' : 's'}`));
  if (skipped) parts.push(style.dim(`${skipped} skipped (a check they need did not pass)`));
  if (na) parts.push(style.dim(`${na} not applicable`));
  return parts.join(', ');
}

/**
 * The checklist grouped by category, then the summary line. By default only the problems (failed,
 * warned, errors) with their details and fixes; `verbose`: every check, skipped ones included.
 */
export function renderReport(r: DoctorReport, o: RenderOptions): string[] {
  const lines: string[] = [];
  const shown = o.verbose || o.all ? r.checks : r.checks.filter(isProblem);
  const categories = [...new Set(shown.map((c) => c.category))];
  for (const cat of categories) {
    if (lines.length) lines.push('');
    lines.push(o.style.bold(CATEGORY_TITLES[cat] ?? cat));
    for (const c of shown.filter((x) => x.category === cat)) lines.push(...renderCheck(c, o));
  }
  if (lines.length) lines.push('');
  const hidden = r.checks.length - shown.length;
  lines.push(
    summaryLine(r, o.style) +
      (r.protocol ? o.style.dim(` (pcscd protocol ${r.protocol})`) : '') +
      (hidden ? o.style.dim('; --verbose shows every check') : ''),
  );
  return lines;
}

/** `pcsc doctor --list`: id, category and title, aligned. */
export function renderList(checks: readonly CheckInfo[], o: RenderOptions): string[] {
  const w = Math.max(...checks.map((c) => c.id.length));
  const wc = Math.max(...checks.map((c) => c.category.length));
  return checks.map((c) => {
    const only = c.platforms.length === 1 ? o.style.dim(` (${c.platforms[0]} only)`) : '';
    const line = `${c.id.padEnd(w)}  ${o.style.dim(c.category.padEnd(wc))}  ${c.title}${only}`;
    return o.verbose && c.description ? `${line}\n${' '.repeat(w + wc + 4)}${o.style.dim(c.description)}` : line;
  });
}

/** What the reader table shows of a reader (the core's ReaderNode less what only --json carries). */
export type ReaderRow = Omit<ReaderNode, 'ccid' | 'bundles' | 'tags' | 'notes'>;
export type ReaderLinkRow = Omit<ReaderLink, 'note'>;

const yesNo = (b: boolean | null, yes: string, no: string, unknown: string): string =>
  b === null ? unknown : b ? yes : no;

/** `pcsc udev-check`'s block per reader: what the node is, which rule line made it so, the verdict. */
/** How a pcscd reader was tied to a device, in a few words. */
const BY: Record<ReaderLinkRow['matchedBy'], string> = {
  'usb-path': 'by the USB path its driver gives',
  serial: 'by name and serial number (the driver gives no USB path)',
  'vid-pid': 'by VID:PID only (the driver gives no USB path)',
  none: '',
};

/** The pcscd readers of one device: tied to it, or possibly it (identical readers, no USB path). */
function pcscdLines(busPath: string, links: readonly ReaderLinkRow[], style: Style): string[] {
  const out: string[] = [];
  for (const l of links) {
    if (l.device?.busPath === busPath)
      out.push(`  pcscd:   ${termSafe(l.reader)}${l.usbPath ? ` (USB path ${l.usbPath})` : ''}, ${BY[l.matchedBy]}`);
    else if (l.candidates?.includes(busPath))
      out.push(
        `  pcscd:   ${style.yellow(`${termSafe(l.reader)} is this reader or another of the same VID:PID (${l.candidates.join(', ')}): the driver gives no USB path (libccid ≥ 1.7.1 does)`)}`,
      );
  }
  return out;
}

export function renderReaders(
  rows: readonly ReaderRow[],
  style: Style,
  links: readonly ReaderLinkRow[] = [],
): string[] {
  if (rows.length === 0) return [style.dim('No USB smart card reader found.')];
  const lines: string[] = [];
  for (const r of rows) {
    lines.push(`${style.bold(termSafe(r.name))}  ${r.vid}:${r.pid}  bus ${r.busPath}  ${termSafe(r.node)}`);
    lines.push(...pcscdLines(r.busPath, links, style));
    lines.push(`  node:    ${r.owner === null ? style.red('missing') : `${r.owner}:${r.group} ${r.mode}`}`);
    lines.push(
      `  group:   ${r.rules.group ? termSafe(`${r.rules.group.value}, set by ${r.rules.group.at}`) : style.yellow('no udev rule sets it')}`,
    );
    if (r.groupOnChange !== undefined)
      lines.push(
        `           ${style.yellow(`on a "change" event the rules give ${r.groupOnChange ?? 'no group'} instead`)}`,
      );
    lines.push(
      `  mode:    ${r.rules.mode ? termSafe(`${r.rules.mode.value}, set by ${r.rules.mode.at}`) : style.dim('no udev rule sets it (kernel default)')}`,
    );
    if (r.rules.owner) lines.push(`  owner:   ${termSafe(`${r.rules.owner.value}, set by ${r.rules.owner.at}`)}`);
    const ok = r.pcscdCanOpen !== false;
    const verdict = yesNo(
      r.pcscdCanOpen,
      `pcscd (user ${r.pcscdUser}) can open it`,
      `pcscd (user ${r.pcscdUser}) cannot open it`,
      `unknown whether pcscd (user ${r.pcscdUser}) can open it`,
    );
    lines.push(
      `  verdict: ${ok ? style.green(`${SYMBOLS.pass} ${verdict}`) : style.red(`${SYMBOLS.fail} ${verdict}`)}; ${yesNo(r.youCanOpen, 'you can too', 'you cannot (only pcscd needs to)', 'unknown for you')}`,
    );
    lines.push('');
  }
  return lines;
}
