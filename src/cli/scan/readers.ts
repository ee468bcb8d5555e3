// `pcsc scan -r`: the readers once, and which daemon answered.

import { Context, type ContextInfo } from '../../core/index.js';

export interface ReaderListResult {
  readers: { name: string }[];
  /** Empty strings when the USB backend answered (no daemon). */
  daemon: { protocol: string; socket: string };
}

export async function listReadersOnce(opts: { socket?: string | undefined; backend?: 'pcscd' | 'usb' | 'auto' }): Promise<ReaderListResult> {
  await using ctx = await Context.establish({ socket: opts.socket, backend: opts.backend });
  const names = await ctx.listReaders();
  const info: ContextInfo = ctx.info;
  return { readers: names.map((name) => ({ name })), daemon: { protocol: info.protocol ?? '', socket: info.socket ?? '' } };
}
