// `pcsc scan -c`: every reader once, with its card state, ATR and names (pcsc_scan -c).

import { Context, selectReader, type BackendName, type NameLookup } from '../../core/index.js';
import { readerStatus, readerUsbPathAt } from '../../core/internal.js';
import { answered } from '../backend.js';
import type { CardListResult } from './result.js';

export interface CardListOptions {
  socket?: string | undefined;
  backend?: BackendName | 'auto' | undefined;
  reader?: string | undefined;
  names?: NameLookup | undefined;
  signal?: AbortSignal;
}

/** How long -c waits for one reader's USB path (a reader busy in another program's transaction). */
const USB_PATH_WAIT_MS = 2000;

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
  // The USB path is the driver's (pcscd's readers); the USB backend has no driver to ask. Asked on
  // connections of their own, bounded: pcscd holds a connect while another program's transaction lasts.
  const socket = ctx.info.socket;
  const readers = [];
  for (const r of states) {
    const { reader, ...f } = readerStatus(r, all.indexOf(r.reader), opts.names);
    const usb = socket
      ? await readerUsbPathAt(socket, reader, {
          timeoutMs: USB_PATH_WAIT_MS,
          ...(opts.signal ? { signal: opts.signal } : {}),
        })
      : undefined;
    readers.push({ name: reader, ...(usb && 'usbPath' in usb ? { usbPath: usb.usbPath.path } : {}), ...f });
  }
  return { readers, ...answered(ctx) };
}
