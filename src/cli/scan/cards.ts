// `pcsc scan -c`: every reader once, with its card state, ATR and names (pcsc_scan -c).

import { Context, selectReader, type BackendName } from '../../core/index.js';
import { readerFields, type NameLookup, type ReaderEvent } from '../../core/pcsc/monitor-events.js';

/** One reader of `scan -c`: its name and the fields of a status event. */
export type CardListEntry = { name: string } & Pick<
  ReaderEvent,
  'index' | 'eventNumber' | 'card' | 'state' | 'atr' | 'names'
>;

export interface CardListResult {
  readers: CardListEntry[];
  daemon: { protocol: string; socket: string };
}

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
  const time = new Date().toISOString();
  const readers = states.map((r) => {
    const {
      reader,
      time: _t,
      ...f
    } = readerFields(time, r.reader, all.indexOf(r.reader), r.eventState, r.atr, opts.names);
    return { name: reader, ...f };
  });
  return { readers, daemon: { protocol: ctx.info.protocol ?? '', socket: ctx.info.socket ?? '' } };
}
