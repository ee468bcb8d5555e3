// Assertions on the core's typed errors, shared by the integration tests.

import { expect } from 'vitest';
import { PcscError, scardName } from '../../../src/core/errors.js';

/** Awaits p, expects a PcscError with `code`, and returns it (compared by name: readable diffs). */
export async function rejectsWithScard(p: Promise<unknown>, code: number): Promise<PcscError> {
  const outcome = await p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (outcome.ok) throw new Error(`expected ${scardName(code)}, but the call succeeded with ${String(outcome.v)}`);
  expect(outcome.e).toBeInstanceOf(PcscError);
  const err = outcome.e as PcscError;
  expect(err.scardName).toBe(scardName(code));
  return err;
}

/** Whether a promise has settled yet, without waiting for it. */
export function tracked<T>(p: Promise<T>): { promise: Promise<T>; readonly settled: boolean } {
  let settled = false;
  const promise = p.finally(() => {
    settled = true;
  });
  // The caller awaits `promise` later; keep an early rejection from counting as unhandled.
  promise.catch(() => undefined);
  return {
    promise,
    get settled() {
      return settled;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
