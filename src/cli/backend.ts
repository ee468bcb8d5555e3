// Which backend answered, said once: the stderr line when `--backend auto` fell back to USB (never silent), and
// the `backend`/`daemon` fields of the JSON results (no empty strings: `daemon` only when pcscd answered).

import type { BackendName, Context } from '../core/index.js';
import { termSafe } from './escape.js';

let noted = false;

/** Writes the context's fallback note (ContextInfo.fallback) to stderr, once per run, --json or not. */
export function noteFallback(ctx: Context): void {
  if (!ctx.info.fallback || noted) return;
  noted = true;
  process.stderr.write(`pcsc: ${termSafe(ctx.info.fallback)}\n`);
}

/** The JSON fields that say who answered. */
export interface Answered {
  backend: BackendName;
  /** pcscd's protocol and socket; absent when the USB backend answered. */
  daemon?: { protocol: string; socket: string };
}

export function answered(ctx: Context): Answered {
  noteFallback(ctx);
  const { backend, protocol, socket } = ctx.info;
  return backend === 'pcscd' && protocol !== undefined && socket !== undefined
    ? { backend, daemon: { protocol, socket } }
    : { backend };
}
