// SCardGetStatusChange's per-reader rules (docs/protocol.md#evaluating-a-reader-entry), one describe per row
// of the table, with expected event states worked out by hand from the table (the PnP row is in the
// fake-daemon tests).

import { describe, expect, it } from 'vitest';
import { evaluateReader, type ReaderSnapshot } from '../../../src/core/scard/evaluate.js';
import { cardStateNames, stateFlagNames } from '../../../src/core/scard/types.js';

// docs/protocol.md#reader-state-flags flags and docs/protocol.md#card-states card states, as numbers.
const IGNORE = 0x1,
  CHANGED = 0x2,
  UNKNOWN = 0x4,
  UNAVAILABLE = 0x8,
  EMPTY = 0x10,
  PRESENT = 0x20;
const ATRMATCH = 0x40,
  EXCLUSIVE = 0x80,
  INUSE = 0x100,
  MUTE = 0x200;
const C_UNKNOWN = 0x1,
  C_ABSENT = 0x2,
  C_SWALLOWED = 0x8,
  C_POWERED_CARD = 0x34; // PRESENT|POWERED|NEGOTIABLE
const C_MUTE = 0x4 | C_SWALLOWED;

const snap = (readerState: number, sharing = 0, eventCounter = 0): ReaderSnapshot => ({
  name: 'R',
  readerState,
  sharing,
  eventCounter,
  atr: Buffer.alloc(0),
});
const ev = (cur: number, s: ReaderSnapshot | undefined, prior = 0): [number, boolean] => {
  const r = evaluateReader(cur, prior, s);
  return [r.eventState, r.changed];
};

describe('row: name no longer in the array (reader removed during the call)', () => {
  it('UNKNOWN|UNAVAILABLE, changed unless the caller already knew UNKNOWN', () => {
    expect(ev(PRESENT, undefined)).toEqual([UNKNOWN | UNAVAILABLE | CHANGED, true]);
    expect(ev(UNKNOWN | UNAVAILABLE, undefined)).toEqual([UNKNOWN | UNAVAILABLE, false]);
  });
});

describe('row: name present and the caller has UNKNOWN (the reader came back)', () => {
  it('changed, UNKNOWN cleared', () => {
    expect(ev(UNKNOWN | UNAVAILABLE, snap(C_ABSENT))).toEqual([EMPTY | CHANGED, true]);
    expect(ev(UNKNOWN, snap(C_POWERED_CARD), UNKNOWN)).toEqual([PRESENT | CHANGED, true]);
  });
});

describe('row: event counter', () => {
  it('changed when the caller knows a non-zero counter that differs; the high word is always the counter', () => {
    expect(ev((5 << 16) | PRESENT, snap(C_POWERED_CARD, 0, 5))).toEqual([(5 << 16) | PRESENT, false]);
    expect(ev((5 << 16) | PRESENT, snap(C_POWERED_CARD, 0, 6))).toEqual([(6 << 16) | PRESENT | CHANGED, true]);
    expect(ev(PRESENT, snap(C_POWERED_CARD, 0, 6))).toEqual([(6 << 16) | PRESENT, false]);
    expect(ev((0xffff << 16) | EMPTY, snap(C_ABSENT, 0, 0))).toEqual([EMPTY | CHANGED, true]);
  });
});

describe('row: reader in error (readerState & SCARD_UNKNOWN)', () => {
  it('ev becomes UNAVAILABLE, counter word included; changed unless the caller knew', () => {
    expect(ev((3 << 16) | PRESENT, snap(C_UNKNOWN, 0, 3))).toEqual([UNAVAILABLE | CHANGED, true]);
    expect(ev(UNAVAILABLE, snap(C_UNKNOWN, 0, 3))).toEqual([UNAVAILABLE, false]);
  });
  it('the rows after it still apply (sharing, UNAWARE)', () => {
    expect(ev(UNAVAILABLE, snap(C_UNKNOWN, -1))).toEqual([UNAVAILABLE | EXCLUSIVE, false]);
    expect(ev(UNAVAILABLE | INUSE, snap(C_UNKNOWN, 0))).toEqual([UNAVAILABLE | CHANGED, true]);
    expect(ev(0, snap(C_UNKNOWN, 0))).toEqual([UNAVAILABLE | CHANGED, true]);
  });
  it('the caller has UNAVAILABLE but the reader is fine: cleared, changed', () => {
    expect(ev(PRESENT | UNAVAILABLE, snap(C_POWERED_CARD))).toEqual([PRESENT | CHANGED, true]);
  });
});

describe('row: readerState & ABSENT', () => {
  it('EMPTY; PRESENT, UNAWARE, IGNORE, UNKNOWN, UNAVAILABLE, ATRMATCH, MUTE, INUSE cleared; changed if the caller had PRESENT', () => {
    expect(ev(PRESENT, snap(C_ABSENT))).toEqual([EMPTY | CHANGED, true]);
    expect(ev(EMPTY, snap(C_ABSENT))).toEqual([EMPTY, false]);
    expect(ev(EMPTY, snap(C_ABSENT), PRESENT | IGNORE | ATRMATCH | MUTE | INUSE)).toEqual([EMPTY, false]);
  });
});

describe('row: readerState & PRESENT', () => {
  it('PRESENT; EMPTY, IGNORE, UNKNOWN, UNAVAILABLE, MUTE cleared; changed if the caller had EMPTY', () => {
    expect(ev(EMPTY, snap(C_POWERED_CARD))).toEqual([PRESENT | CHANGED, true]);
    expect(ev(PRESENT, snap(C_POWERED_CARD))).toEqual([PRESENT, false]);
    expect(ev(PRESENT, snap(C_POWERED_CARD), EMPTY | IGNORE | MUTE)).toEqual([PRESENT, false]);
  });
  it('SWALLOWED: MUTE, changed if the caller lacked it', () => {
    expect(ev(PRESENT, snap(C_MUTE))).toEqual([PRESENT | MUTE | CHANGED, true]);
    expect(ev(PRESENT | MUTE, snap(C_MUTE))).toEqual([PRESENT | MUTE, false]);
  });
  it('not SWALLOWED but the caller had MUTE: changed', () => {
    expect(ev(PRESENT | MUTE, snap(C_POWERED_CARD))).toEqual([PRESENT | CHANGED, true]);
  });
});

describe('rows: readerSharing', () => {
  it('-1: EXCLUSIVE, INUSE cleared, changed if the caller had INUSE', () => {
    expect(ev(PRESENT | INUSE, snap(C_POWERED_CARD, -1))).toEqual([PRESENT | EXCLUSIVE | CHANGED, true]);
    expect(ev(PRESENT | EXCLUSIVE, snap(C_POWERED_CARD, -1))).toEqual([PRESENT | EXCLUSIVE, false]);
  });
  it('≥ 1 with a card: INUSE, EXCLUSIVE cleared, changed if the caller had EXCLUSIVE', () => {
    expect(ev(PRESENT | EXCLUSIVE, snap(C_POWERED_CARD, 2))).toEqual([PRESENT | INUSE | CHANGED, true]);
    expect(ev(PRESENT | INUSE, snap(C_POWERED_CARD, 1))).toEqual([PRESENT | INUSE, false]);
  });
  it('≥ 1 without a card (a direct handle): no INUSE', () => {
    expect(ev(EMPTY, snap(C_ABSENT, 1))).toEqual([EMPTY, false]);
  });
  it('0: INUSE and EXCLUSIVE cleared, changed if the caller had either', () => {
    expect(ev(PRESENT | INUSE, snap(C_POWERED_CARD, 0))).toEqual([PRESENT | CHANGED, true]);
    expect(ev(PRESENT | EXCLUSIVE, snap(C_POWERED_CARD, 0))).toEqual([PRESENT | CHANGED, true]);
    expect(ev(PRESENT, snap(C_POWERED_CARD, 0))).toEqual([PRESENT, false]);
  });
});

describe('row: the caller is UNAWARE (current state 0)', () => {
  it('always changed: the trace in docs/protocol.md gives 0x00020022 for a card reader with counter 2', () => {
    expect(ev(0, snap(C_POWERED_CARD, 0, 2))).toEqual([0x00020022, true]);
    expect(ev(0, snap(C_ABSENT))).toEqual([EMPTY | CHANGED, true]);
  });
});

describe('flag names', () => {
  it('names the low-word flags of an event state, and card states', () => {
    expect(stateFlagNames(0x00020022)).toEqual(['CHANGED', 'PRESENT']);
    expect(stateFlagNames(0x03ff)).toEqual([
      'IGNORE',
      'CHANGED',
      'UNKNOWN',
      'UNAVAILABLE',
      'EMPTY',
      'PRESENT',
      'ATRMATCH',
      'EXCLUSIVE',
      'INUSE',
      'MUTE',
    ]);
    expect(stateFlagNames(0)).toEqual([]);
    expect(cardStateNames(0x34)).toEqual(['PRESENT', 'POWERED', 'NEGOTIABLE']);
    expect(cardStateNames(0x0c)).toEqual(['PRESENT', 'SWALLOWED']);
  });
});
