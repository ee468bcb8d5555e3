// Human output of scan: pcsc_scan's words and layout, plain when colour is off.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { ScanRenderer, stateWords } from '../../../src/cli/scan/render.js';
import type { ReaderEvent } from '../../../src/core/pcsc/monitor-events.js';

const plain = new Chalk({ level: 0 });
const T1 = '2026-01-02T03:04:05.006Z';
const T2 = '2026-01-02T03:04:06.000Z';
const ev = (e: Partial<ReaderEvent>): ReaderEvent => ({
  event: 'status',
  time: T1,
  reader: 'Virtual PCD 00 00',
  index: 0,
  eventNumber: 3,
  card: 'absent',
  state: ['EMPTY'],
  ...e,
});

describe('ScanRenderer', () => {
  it('one timestamp per batch, pcsc_scan blocks, ATR in spaced upper case, names', () => {
    const r = new ScanRenderer({ style: plain, analysis: false });
    const lines = [
      ...r.render(ev({})),
      ...r.render(ev({ reader: 'Virtual PCD 00 01', index: 1, eventNumber: 0 })),
      ...r.render(
        ev({
          event: 'card-inserted',
          time: T2,
          eventNumber: 4,
          card: 'present',
          state: ['PRESENT', 'INUSE'],
          atr: '3B021450',
          names: [{ pattern: '3B 02 14 50', names: ['A card'], urls: ['https://example.org/card'] }],
        }),
      ),
    ];
    expect(lines[0]).toBe('');
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(lines.slice(2, 8)).toEqual([
      ' Reader 0: Virtual PCD 00 00',
      '  Event number: 3',
      '  Card state: Card removed',
      ' Reader 1: Virtual PCD 00 01',
      '  Event number: 0',
      '  Card state: Card removed',
    ]);
    expect(lines.slice(8)).toEqual([
      '',
      expect.stringMatching(/:06\.000$/),
      ' Reader 0: Virtual PCD 00 00',
      '  Event number: 4',
      '  Card state: Card inserted, Shared Mode',
      '  ATR: 3B 02 14 50',
      '  Possibly identified card:',
      '    A card',
      '    https://example.org/card',
    ]);
    expect(lines.join('\n')).not.toContain('\u001b');
  });

  it('a card already in at start: one block (its status says "Card inserted"), the initial card-inserted adds none', () => {
    const r = new ScanRenderer({ style: plain, analysis: false });
    const card = { card: 'present' as const, state: ['PRESENT' as const], atr: '3B021450' };
    const lines = [...r.render(ev({ ...card })), ...r.render(ev({ ...card, event: 'card-inserted', initial: true }))];
    expect(lines.filter((l) => l.includes('Card state: Card inserted'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith(' Reader 0:'))).toHaveLength(1);
  });

  it('the analysis follows the ATR unless -n', () => {
    const r = new ScanRenderer({ style: plain, analysis: true });
    const text = r.render(ev({ card: 'present', state: ['PRESENT'], atr: '3B021450' })).join('\n');
    expect(text).toMatch(/ATR: 3B 02 14 50\n {4}TS +3B +direct convention/);
  });

  it('reader, daemon and stress lines', () => {
    const r = new ScanRenderer({ style: plain, analysis: false });
    expect(r.render(ev({ event: 'reader-removed', card: 'unknown', state: [], missed: true }))).toContain(
      ' Reader 0: Virtual PCD 00 00 (reader removed, while pcscd was away)',
    );
    expect(
      r.render({
        event: 'daemon-lost',
        time: T2,
        error: { code: '0x80100013', name: 'SCARD_F_COMM_ERROR', message: 'gone' },
      }),
    ).toEqual(['', expect.any(String), ' pcscd went away: gone', ' Waiting for it to come back...']);
    expect(
      r.render({
        event: 'daemon-back',
        time: T2,
        durationUs: 1_500_000,
        daemon: { backend: 'pcscd', protocol: '4:4', socket: '/s' },
      }),
    ).toEqual([' pcscd is back (protocol 4:4) after 1.5 s']);
    expect(
      r.render({
        event: 'started',
        time: T1,
        pnp: false,
        readers: ['R'],
        daemon: { backend: 'pcscd', protocol: '4:4', socket: '/s' },
      }),
    ).toEqual([
      "Plug'n play reader name not supported. Using polling every 1000 ms.",
      'Scanning present readers...',
      '0: R',
    ]);
    expect(
      r.render({ event: 'stress', time: T1, reader: 'R', apdus: 100, durationUs: 20000, apdusPerSecond: 5000 }),
    ).toEqual(['Stress card in reader R: 100 APDUs in 20000 µs, 5000.0 APDU/s']);
  });
});

it('state words in pcsc_scan order', () => {
  expect(stateWords(['MUTE', 'PRESENT', 'EXCLUSIVE', 'UNAVAILABLE'])).toBe(
    'Status unavailable, Card inserted, Exclusive Mode, Unresponsive card',
  );
});
