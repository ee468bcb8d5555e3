// Asks a daemon which client protocol versions it accepts: one connection per minor, a single CMD_VERSION
// each and no fallback (docs/protocol.md#cmd_version-answers), so the answers are the daemon's, not our
// negotiation's.

import { PcscdConnection } from '../pcscd/connection.js';
import { MAX_READERS_CONTEXTS, Size } from '../pcscd/codes.js';
import { readArrayLength } from '../pcscd/array-length.js';
import { decodeVersion, encodeVersion } from '../pcscd/messages/simple.js';
import { Session } from '../pcscd/session.js';
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

/**
 * The entries of the daemon's reader-state array for clients up to 4:5: its build's
 * PCSCLITE_MAX_READERS_CONTEXTS (16 upstream in every release, 48 in Fedora's; docs/proxy.md,
 * "Reader slots"). A client reads exactly its own build's count, so another count puts it out of
 * step. Undefined when the daemon speaks neither 4:4 nor 4:5, or the reply is not whole entries.
 */
export async function probeArraySlots(
  path: string,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<number | undefined> {
  const timeout = opts.timeoutMs ?? 2000;
  const s = await Session.open({
    path,
    maxMinor: 5,
    requestTimeout: timeout,
    connectTimeout: timeout,
    signal: opts.signal,
  });
  try {
    if (s.minor < 4) return undefined;
    const size = s.layout.entrySize;
    const whole = (n: number): boolean => n >= MAX_READERS_CONTEXTS * size && n % size === 0;
    const bytes = (
      await readArrayLength(s.conn, {
        isLength: whole,
        first: size,
        sent: s.minor,
        daemon: s.daemonVersion,
        timeout,
        signal: opts.signal,
      })
    )?.bytes;
    return bytes !== undefined && whole(bytes) ? bytes / size : undefined;
  } finally {
    s.close();
  }
}
