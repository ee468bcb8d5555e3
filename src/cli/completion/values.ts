// What `pcsc completion --values KIND` prints at TAB time (src/cli/completion/command.ts): a file of
// its own, so that printing the scripts does not load the PC/SC client.
import type { DynamicValues } from '../completion.js';
import { Context } from '../../core/index.js';

/** Reader names from pcscd, or none: completion must never hang, so the whole ask is bounded to 1 s. */
export async function dynamicValues(
  kind: DynamicValues,
  socket: string | undefined,
): Promise<{ values: string[]; late: boolean }> {
  if (kind !== 'readers') return { values: [], late: false };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ values: string[]; late: boolean }>(
    (resolve) => (timer = setTimeout(() => resolve({ values: [], late: true }), 1000)),
  );
  const ask = (async () => {
    await using ctx = await Context.establish({ backend: 'pcscd', socket, requestTimeout: 1000 });
    return { values: await ctx.listReaders(), late: false };
  })().catch(() => ({ values: [], late: false }));
  try {
    return await Promise.race([ask, late]);
  } finally {
    clearTimeout(timer);
  }
}
