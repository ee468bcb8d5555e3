// Shared set-up for tests against the fake pcscd: readers, a context on the fake's socket, and a
// watch for unhandled promise rejections (a fault must never leave one behind).

import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { PcscdContext, type PcscdContextOptions } from '../../../src/core/pcscd/context.js';
import { FakePcscd, type FakeOptionsReader, type FakePcscdOptions } from '../../fakes/fake-pcscd.js';
import { FAKE_ATR } from '../../fakes/test-card.js';

export const READER = 'Fake Reader 00 00';
export const READER2 = 'Fake Reader 01 00';

export function withCard(name = READER): FakeOptionsReader {
  return { name, card: { atr: FAKE_ATR } };
}

export function empty(name = READER2): FakeOptionsReader {
  return { name };
}

/** Starts a fake daemon; every fake started this way is stopped after the file's tests. */
const started: FakePcscd[] = [];
export async function startFake(opts: FakePcscdOptions): Promise<FakePcscd> {
  const f = await FakePcscd.start(opts);
  started.push(f);
  return f;
}

export function establish(fake: FakePcscd, opts: Omit<PcscdContextOptions, 'socket'> = {}): Promise<PcscdContext> {
  return PcscdContext.establish({ socket: fake.path, requestTimeout: 3000, ...opts });
}

/** Installs the unhandled-rejection watch and the fake clean-up for the calling test file. */
export function guard(): { rejections: unknown[] } {
  const state = { rejections: [] as unknown[] };
  const onRejection = (r: unknown): void => {
    state.rejections.push(r);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
  });
  afterEach(async () => {
    // Let late rejections surface before judging.
    await new Promise((r) => setTimeout(r, 20));
    const seen = state.rejections.splice(0);
    expect(seen, 'unhandled promise rejections').toEqual([]);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await Promise.all(started.splice(0).map((f) => f.stop()));
  });
  return state;
}

/**
 * Resolves once the client has registered and the daemon has answered every request the client
 * makes before it waits (so a change made now happens during the wait, never before the first
 * fetch): 4:4 WAIT (it returns the array); 4:5 WAIT then 0x15 with PnP; ≤ 4:3 WAIT then 0x12 on
 * the side connection; 4:6 WAIT, then 0x16 0x17 0x16 on the side, then 0x15 with PnP.
 */
export async function clientWaiting(fake: FakePcscd, pnp = false): Promise<void> {
  const m = fake.b.minor;
  await fake.until(() => {
    if (fake.registered.length === 0) return false;
    const cmds = fake.requests.map((r) => r.cmd);
    const after = cmds.slice(cmds.lastIndexOf(0x13) + 1);
    if (m === 4) return true;
    if (m === 5) return !pnp || after.includes(0x15);
    if (m <= 3) return after.includes(0x12);
    return after.filter((c) => c === 0x16).length >= 2 && (!pnp || after.includes(0x15));
  }, 'the client waiting for a notification');
}

/** A promise's outcome (value or error) with a handler attached at once. */
export function settle<T>(p: Promise<T>): Promise<T | unknown> {
  return p.then(
    (v) => v,
    (e: unknown) => e,
  );
}
