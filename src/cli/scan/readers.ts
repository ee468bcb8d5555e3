// `pcsc scan -r`: the readers once, and which daemon answered.

// Not the core's index: it also loads ssh-check, the proxy, the doctor engine and the USB
// transport (~25 ms of start-up that `scan -r` never uses; see bench/README.md).
import { establishContext } from '../../core/pcsc/establish.js';
import type { BackendName, ContextInfo } from '../../core/scard/types.js';

export interface ReaderListResult {
  readers: { name: string }[];
  /** Empty strings when the USB backend answered (no daemon). */
  daemon: { protocol: string; socket: string };
}

export async function listReadersOnce(opts: {
  socket?: string | undefined;
  backend?: BackendName | 'auto' | undefined;
  signal?: AbortSignal | undefined;
}): Promise<ReaderListResult> {
  await using ctx = await establishContext({ socket: opts.socket, backend: opts.backend, signal: opts.signal });
  const names = await ctx.listReaders();
  const info: ContextInfo = ctx.info;
  return {
    readers: names.map((name) => ({ name })),
    daemon: { protocol: info.protocol ?? '', socket: info.socket ?? '' },
  };
}
