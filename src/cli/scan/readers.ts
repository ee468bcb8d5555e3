// `pcsc scan -r`: the readers once, and which daemon answered.

import { Context, type BackendName } from '../../core/index.js';
import { answered } from '../backend.js';
import type { ReaderListResult } from './result.js';

export async function listReadersOnce(opts: {
  socket?: string | undefined;
  backend?: BackendName | 'auto' | undefined;
  signal?: AbortSignal | undefined;
}): Promise<ReaderListResult> {
  await using ctx = await Context.establish({ socket: opts.socket, backend: opts.backend, signal: opts.signal });
  const names = await ctx.listReaders();
  return {
    readers: names.map((name) => ({ name })),
    ...answered(ctx),
  };
}
