// `pcsc scan -r`: the readers once, and which daemon answered.

import { Context, type ContextInfo } from '../../core/index.js';

export interface ReaderListResult {
  readers: { name: string }[];
  daemon: { protocol: string; socket: string };
  /** Which backend answered (pcscd, or usb when the readers were driven directly). */
  backend: 'pcscd' | 'usb';
}

export async function listReadersOnce(opts: { socket?: string | undefined; backend?: 'pcscd' | 'usb' | 'auto' }): Promise<ReaderListResult> {
  await using ctx = await Context.establish({ socket: opts.socket, backend: opts.backend });
  const names = await ctx.listReaders();
  const info: ContextInfo = ctx.info;
  return { readers: names.map((name) => ({ name })), daemon: { protocol: info.protocol ?? '', socket: info.socket ?? '' }, backend: info.backend };
}
