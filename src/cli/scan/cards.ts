// `pcsc scan -c`: every reader once, with its card state, ATR and names (pcsc_scan -c).

import { Context, readerStatus, selectReader, type BackendName, type NameLookup } from '../../core/index.js';
import { answered } from '../backend.js';
import type { CardListResult } from './result.js';

export interface CardListOptions {
  socket?: string | undefined;
  backend?: BackendName | 'auto' | undefined;
  reader?: string | undefined;
  names?: NameLookup | undefined;
  signal?: AbortSignal;
}

export async function listCardsOnce(opts: CardListOptions): Promise<CardListResult> {
  await using ctx = await Context.establish({ socket: opts.socket, backend: opts.backend, signal: opts.signal });
  const all = await ctx.listReaders();
  const chosen = opts.reader !== undefined ? [selectReader(all, opts.reader)] : all;
  const states = chosen.length
    ? await ctx.getStatusChange(
        chosen.map((reader) => ({ reader })),
        { timeout: 0, signal: opts.signal },
      )
    : [];
  const readers = states.map((r) => {
    const { reader, ...f } = readerStatus(r, all.indexOf(r.reader), opts.names);
    return { name: reader, ...f };
  });
  return { readers, ...answered(ctx) };
}
