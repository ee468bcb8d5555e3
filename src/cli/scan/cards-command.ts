// `pcsc scan -c`: every reader once, with its card state, ATR and names, printed (or returned for
// --json). The body of that branch of src/commands/scan.ts, shared with the fast path (src/cli/fast.ts).

import type { CommandIo } from '../command-io.js';
import { makeStyle } from '../style.js';
import { scanNameLookup } from './atr-names.js';
import { listCardsOnce } from './cards.js';
import { renderReaderBlock } from './render.js';
import type { CardListResult } from './result.js';

export interface CardsFlags {
  socket?: string | undefined;
  backend: string;
  reader?: string | undefined;
  'no-analysis': boolean;
}

export async function runCards(flags: CardsFlags, io: CommandIo): Promise<CardListResult> {
  const style = await makeStyle();
  const names = await scanNameLookup(flags['no-analysis']);
  const result = await listCardsOnce({
    socket: flags.socket,
    backend: flags.backend as 'pcscd' | 'usb' | 'auto',
    reader: flags.reader,
    names,
    signal: io.signal,
  });
  if (!io.jsonEnabled()) {
    if (result.readers.length === 0) io.log('No reader found.');
    for (const r of result.readers)
      for (const l of renderReaderBlock({ ...r, reader: r.name, time: '' }, { style, analysis: false })) io.log(l);
  }
  return result;
}
