// `pcsc scan -r`: list the readers once and print them (or return them for --json). The body of
// that branch of src/commands/scan.ts, shared with the fast path (src/cli/fast.ts).

import type { CommandIo } from '../command-io.js';
import type { ReaderListResult } from './result.js';

export interface ReadersFlags {
  socket?: string | undefined;
  backend: string;
}

export async function runReaders(flags: ReadersFlags, io: CommandIo): Promise<ReaderListResult> {
  const { listReadersOnce } = await import('./readers.js');
  const result = await listReadersOnce({
    socket: flags.socket,
    backend: flags.backend as 'pcscd' | 'usb' | 'auto',
    signal: io.signal,
  });
  if (!io.jsonEnabled()) {
    const { renderReaderList } = await import('./render-readers.js');
    for (const line of renderReaderList(result)) io.log(line);
  }
  return result;
}
