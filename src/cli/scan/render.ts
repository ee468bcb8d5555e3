// Human output of `pcsc scan`, in the spirit of pcsc_scan: a timestamp per batch of events,
// " Reader N: name", the event number, pcsc_scan's card state words, the ATR in spaced hex, the
// card's names from the ATR list and (unless -n) the ATR analysis.

import type { Style } from '../style.js';
import { analyzeAtr, formatHex, parseHex, type ReaderEvent, type StateFlagName } from '../../core/index.js';
import { termSafe } from '../escape.js';
import type { ScanEvent } from './result.js';
import { renderAtrAnalysis } from '../atr/render.js';

/** pcsc_scan's words for the state flags, in its order. */
const STATE_WORDS: [StateFlagName, string][] = [
  ['IGNORE', 'Ignore this reader'],
  ['UNKNOWN', 'Unknown'],
  ['UNAVAILABLE', 'Status unavailable'],
  ['EMPTY', 'Card removed'],
  ['PRESENT', 'Card inserted'],
  ['ATRMATCH', 'ATR matches card'],
  ['EXCLUSIVE', 'Exclusive Mode'],
  ['INUSE', 'Shared Mode'],
  ['MUTE', 'Unresponsive card'],
  ['UNPOWERED', 'Unpowered card'],
];

export function stateWords(state: readonly StateFlagName[]): string {
  return STATE_WORDS.filter(([f]) => state.includes(f))
    .map(([, w]) => w)
    .join(', ');
}

/** Local time with milliseconds: "2026-11-23 22:43:17.412". */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export interface ScanRenderOptions {
  style: Style;
  /** Print the ATR analysis under each card (pcsc_scan runs ATR_analysis; -n turns it off). */
  analysis: boolean;
  pollMs?: number;
}

const TAGS: Partial<Record<ReaderEvent['event'], string>> = {
  'reader-added': 'reader added',
  'reader-removed': 'reader removed',
};

/** One reader's block, as pcsc_scan prints it (also used by -c). */
export function renderReaderBlock(
  e: Omit<ReaderEvent, 'event'> & { event?: ReaderEvent['event'] },
  o: ScanRenderOptions,
): string[] {
  const s = o.style;
  const tag = [e.event ? TAGS[e.event] : undefined, e.missed ? 'while pcscd was away' : undefined]
    .filter(Boolean)
    .join(', ');
  const out = [` Reader ${e.index}: ${s.magenta(termSafe(e.reader))}${tag ? ` (${tag})` : ''}`];
  if (e.event === 'reader-removed') return out;
  out.push(
    `  Event number: ${s.magenta(String(e.eventNumber))}${e.skippedEvents ? ` (${e.skippedEvents} card event${e.skippedEvents === 1 ? '' : 's'} in between)` : ''}`,
  );
  out.push(`  Card state: ${s.red(stateWords(e.state))}`);
  if (e.atr) {
    const bytes = parseHex(e.atr);
    out.push(`  ATR: ${s.magenta(formatHex(bytes))}`);
    if (o.analysis) out.push(...renderAtrAnalysis(analyzeAtr(bytes), s, '  '));
    if (e.names?.length) {
      out.push('  Possibly identified card:');
      for (const g of e.names) for (const n of [...g.names, ...g.urls]) out.push(`    ${s.blue(termSafe(n))}`);
    }
  }
  return out;
}

/** Renders events one by one; a batch (same time) gets one timestamp line. */
export class ScanRenderer {
  private lastHeader = '';
  constructor(private readonly o: ScanRenderOptions) {}

  render(e: ScanEvent): string[] {
    const s = this.o.style;
    switch (e.event) {
      case 'started': {
        const out = [
          s.magenta(
            e.pnp
              ? "Using reader plug'n play mechanism"
              : `Plug'n play reader name not supported. Using polling every ${this.o.pollMs ?? 1000} ms.`,
          ),
          s.red('Scanning present readers...'),
        ];
        e.readers.forEach((r, i) => out.push(`${s.blue(String(i))}: ${s.blue(termSafe(r))}`));
        return out;
      }
      case 'waiting-reader':
        return [
          s.red(
            e.reader !== undefined
              ? `Waiting for reader "${termSafe(e.reader)}"...`
              : 'Waiting for the first reader...',
          ),
        ];
      case 'daemon-lost':
        return [
          ...this.header(e.time),
          ` ${s.red(`pcscd went away: ${termSafe(e.error.message)}`)}`,
          ' Waiting for it to come back...',
        ];
      case 'daemon-back':
        return [
          ...this.header(e.time),
          ` pcscd is back (protocol ${e.daemon.protocol ?? '?'}) after ${(e.durationUs / 1e6).toFixed(1)} s`,
        ];
      case 'transition': {
        const flags = [
          ...e.kept.map((f) => ` =${f}`),
          ...e.set.map((f) => ` ${s.blue('+' + f)}`),
          ...e.cleared.map((f) => ` ${s.red('-' + f)}`),
        ];
        return [
          `${e.index < 0 ? 'PnP' : e.index}: ${termSafe(e.reader)}, ${e.eventNumber}, ${e.from} -> ${e.to}${flags.join('')}`,
        ];
      }
      case 'usb-path':
        return [
          `  USB path: ${e.usbPath ?? s.dim(`none (${e.unavailable ?? '?'}: the driver does not give it; libccid 1.7.1 and later do)`)}`,
        ];
      case 'stress':
        if (e.error)
          return [
            `Stress card in reader ${termSafe(e.reader)}: stopped after ${e.apdus} APDU${e.apdus === 1 ? '' : 's'}: ${termSafe(e.error.message)}`,
          ];
        return [
          `Stress card in reader ${termSafe(e.reader)}: ${e.apdus} APDUs in ${e.durationUs} µs, ${e.apdusPerSecond.toFixed(1)} APDU/s`,
        ];
      default:
        // A card in at start: its reader's status block just said "Card inserted", with the ATR.
        if (e.event === 'card-inserted' && e.initial) return [];
        return [...this.header(e.time), ...renderReaderBlock(e, this.o)];
    }
  }

  private header(time: string): string[] {
    if (time === this.lastHeader) return [];
    this.lastHeader = time;
    return ['', localTime(time)];
  }
}
