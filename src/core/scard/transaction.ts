// Card.transaction(fn) for every backend: SCardBeginTransaction, fn, SCardEndTransaction, the end
// also when fn throws (its error wins over a failing end).

import type { Card, Disposition, WaitOptions } from './types.js';

export async function runTransaction<T>(
  card: Card,
  fn: (card: Card) => Promise<T>,
  opts: WaitOptions & { disposition?: Disposition } = {},
): Promise<T> {
  await card.beginTransaction(opts);
  let result: T;
  try {
    result = await fn(card);
  } catch (e) {
    await card.endTransaction(opts.disposition).catch(() => undefined);
    throw e;
  }
  await card.endTransaction(opts.disposition);
  return result;
}
