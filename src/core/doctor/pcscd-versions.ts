// Asks a daemon which client protocol versions it accepts: one connection per minor, a single CMD_VERSION
// each and no fallback (docs/protocol.md#cmd_version-answers), so the answers are the daemon's, not our
// negotiation's.

import { PcscdConnection } from '../pcscd/connection.js';
import { Size } from '../pcscd/codes.js';
import { decodeVersion, encodeVersion } from '../pcscd/messages/simple.js';
import type { VersionAnswer } from './protocol-model.js';

/** The minors released client libraries send (4:2 from 1.6.5 on … 4:6 from 2.5.0). */
export const PROBED_MINORS = [2, 3, 4, 5, 6] as const;

export async function probeVersions(
  path: string,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<VersionAnswer[]> {
  const timeout = opts.timeoutMs ?? 2000;
  const out: VersionAnswer[] = [];
  for (const minor of PROBED_MINORS) {
    const conn = await PcscdConnection.open(path, timeout);
    try {
      conn.write(encodeVersion({ major: 4, minor }));
      const r = decodeVersion(
        await conn.read(Size.VERSION, { timeout, signal: opts.signal, what: 'reply to CMD_VERSION' }),
      );
      out.push({ sent: minor, rv: r.rv >>> 0, major: r.major, minor: r.minor });
    } finally {
      conn.close();
    }
  }
  return out;
}
