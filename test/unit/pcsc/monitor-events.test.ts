// scan's event rules: two successive reader states → the events a user or a script sees.
import { describe, expect, it } from 'vitest';
import { classify, presence, transition, type Seen } from '../../../src/core/pcsc/monitor-events.js';
import type { ReaderState } from '../../../src/core/index.js';

// SCARD_STATE_* values from the PC/SC spec, written out here on purpose.
const EMPTY = 0x10,
  PRESENT = 0x20,
  CHANGED = 0x2,
  INUSE = 0x100,
  MUTE = 0x200,
  UNAVAILABLE = 0x8;
const ATR = Buffer.from('3B021450', 'hex');
const T = '2026-01-01T00:00:00.000Z';

function state(low: number, counter: number, atr = Buffer.alloc(0)): ReaderState {
  const eventState = ((counter << 16) | low | CHANGED) >>> 0;
  return { reader: 'R', eventState, flags: [], eventCount: counter, changed: true, atr };
}
const seen = (low: number, counter: number, atr = Buffer.alloc(0), owed = 0): Seen => ({
  eventState: ((counter << 16) | low) >>> 0,
  atr,
  owed,
});
const kinds = (r: { events: { event: string }[] }): string[] => r.events.map((e) => e.event);

describe('classify', () => {
  it('first look at a card already in: its status, then card-inserted (initial), with ATR and names', () => {
    const names = [{ pattern: '3B 02 14 50', names: ['Card A'], urls: ['https://example.org/a'] }];
    const r = classify(undefined, state(PRESENT, 1, ATR), T, 0, () => names);
    const fields = {
      time: T,
      reader: 'R',
      index: 0,
      eventNumber: 1,
      card: 'present',
      state: ['PRESENT'],
      atr: '3B021450',
      names,
    };
    expect(r.events).toEqual([
      { event: 'status', ...fields },
      { event: 'card-inserted', ...fields, initial: true },
    ]);
  });
  it('first look at an empty reader: its status only', () => {
    expect(kinds(classify(undefined, state(EMPTY, 2), T, 0))).toEqual(['status']);
  });
  it('insertion and removal', () => {
    expect(kinds(classify(seen(EMPTY, 2), state(PRESENT, 3, ATR), T, 0))).toEqual(['card-inserted']);
    const rm = classify(seen(PRESENT, 3, ATR), state(EMPTY, 4), T, 0);
    expect(kinds(rm)).toEqual(['card-removed']);
    expect(rm.events[0]).not.toHaveProperty('atr');
    expect(rm.owed).toBe(0);
  });
  it('a quick remove + insert between two looks', () => {
    const r = classify(seen(PRESENT, 3, ATR), state(PRESENT, 5, Buffer.from('3B00', 'hex')), T, 0);
    expect(kinds(r)).toEqual(['card-removed', 'card-inserted']);
    expect(r.events[1]?.atr).toBe('3B00');
  });
  it('a quick insert + remove shows as a state change with the skipped events', () => {
    const r = classify(seen(EMPTY, 4), state(EMPTY, 6), T, 0);
    expect(kinds(r)).toEqual(['state-changed']);
    expect(r.events[0]?.skippedEvents).toBe(2);
  });
  it('pcscd sets the state before the counter: the late increment is not another event', () => {
    const first = classify(seen(PRESENT, 3, ATR), state(EMPTY, 3), T, 0);
    expect(kinds(first)).toEqual(['card-removed']);
    expect(first.owed).toBe(1);
    const second = classify(seen(EMPTY, 3, Buffer.alloc(0), first.owed), state(EMPTY, 4), T, 0);
    expect(second).toEqual({ events: [], owed: 0 });
  });
  it('an owed increment plus a new insertion', () => {
    const r = classify(seen(EMPTY, 3, Buffer.alloc(0), 1), state(PRESENT, 5, ATR), T, 0);
    expect(kinds(r)).toEqual(['card-inserted']);
    expect(r.events[0]?.skippedEvents).toBeUndefined();
  });
  it('shared mode and mute are state changes', () => {
    expect(kinds(classify(seen(PRESENT, 1, ATR), state(PRESENT | INUSE, 1, ATR), T, 0))).toEqual(['state-changed']);
    expect(kinds(classify(seen(EMPTY, 1), state(PRESENT | MUTE, 2), T, 0))).toEqual(['card-inserted']);
  });
});

it('presence words', () => {
  expect([EMPTY, PRESENT, PRESENT | MUTE, UNAVAILABLE, 0x4 | UNAVAILABLE].map(presence)).toEqual([
    'absent',
    'present',
    'mute',
    'unavailable',
    'unknown',
  ]);
});

it('transition lists set, cleared and kept flags', () => {
  expect(transition(T, 'R', 0, 0x10, 0x30022)).toMatchObject({
    from: '0x0010',
    to: '0x0022',
    eventNumber: 3,
    set: ['CHANGED', 'PRESENT'],
    cleared: ['EMPTY'],
    kept: [],
  });
});
