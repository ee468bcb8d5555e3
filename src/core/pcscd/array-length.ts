// How long a daemon's reader-state array is (docs/protocol.md#the-array), which nothing in the
// reply says: its entry count (PCSCLITE_MAX_READERS_CONTEXTS, 16 upstream, 48 in Fedora's builds)
// and, on 4:2, its entry size. CMD_GET_READERS_STATE is sent with a CMD_VERSION right behind it:
// pcscd answers a connection's requests in order, each whole, and every release from 1.6.5 answers
// CMD_VERSION at any point of a connection (docs/protocol.md#cmd_version-answers), so the array ends
// where the version_struct reply starts. That reply ({4, minor, 0}: first byte 4) can never be
// taken for the start of an entry, which is a printable reader name or zeros.

import { PROTOCOL_MAJOR, Size } from './codes.js';
import type { PcscdConnection } from './connection.js';
import { encodeGetReadersState, encodeVersion, encodeVersionStruct, type VersionMsg } from './messages/simple.js';

/**
 * How long the stream may stay quiet once the array has begun: a daemon that does not answer the
 * CMD_VERSION behind it (none of pcsc-lite's releases) is measured by this silence instead.
 */
export const ARRAY_QUIET_MS = 200;

/** Bytes beyond which no array is believed (256 entries of the widest layout). */
const MAX_ARRAY_BYTES = 256 * 184;

export interface ArrayLengthOptions {
  /** The lengths the array may have, given its entry sizes (e.g. whole 184-byte entries, at least 16). */
  isLength: (bytes: number) => boolean;
  /** Bytes to await first, with `timeout` (pcscd may take time to set readers up): the smallest entry. */
  first: number;
  /** The version this connection negotiated: sent again, and its reply (rv 0) marks the end. */
  sent: number;
  /** The daemon's answer to it (major and minor) during negotiation. */
  daemon: Pick<VersionMsg, 'major' | 'minor'>;
  timeout: number;
  signal?: AbortSignal | undefined;
  /**
   * How long the stream may stay quiet once the array has begun (default ARRAY_QUIET_MS). A
   * connection that goes on being used passes its whole timeout: a reply that came after the
   * measurement gave up would sit in front of the next request's answer.
   */
  quietMs?: number;
}

/** The array's length in bytes, and what ended it: the CMD_VERSION reply, or silence (see ARRAY_QUIET_MS). */
export interface ArrayLength {
  bytes: number;
  endedBy: 'reply' | 'silence';
}

/**
 * Sends CMD_GET_READERS_STATE and CMD_VERSION on a connection that negotiated `sent`, and returns
 * the length of the array: where the CMD_VERSION reply comes at a length `isLength` allows. A daemon
 * that does not answer the second request gets the bytes received before ARRAY_QUIET_MS of silence
 * (the caller checks them like any length); undefined when nothing came.
 */
export async function readArrayLength(conn: PcscdConnection, o: ArrayLengthOptions): Promise<ArrayLength | undefined> {
  conn.write(Buffer.concat([encodeGetReadersState(), encodeVersion({ major: PROTOCOL_MAJOR, minor: o.sent })]));
  const end = encodeVersionStruct({ major: o.daemon.major, minor: o.daemon.minor, rv: 0 });
  const chunks: Buffer[] = [];
  let have = 0;
  let deadline = Infinity;
  /**
   * Reads until `have` is `upTo`; false when no byte came for ARRAY_QUIET_MS first (nothing consumed
   * then: a daemon may trickle its reply in small writes). Once the array has begun, the whole
   * measurement is bounded by `timeout` as well.
   */
  const fill = async (upTo: number): Promise<boolean> => {
    for (;;) {
      const left = have === 0 ? o.timeout : Math.min(o.quietMs ?? ARRAY_QUIET_MS, deadline - Date.now());
      if (left <= 0) return false;
      const before = conn.buffered;
      const b = await conn.readOrIdle(upTo - have, left, o.signal);
      if (b) {
        if (have === 0) deadline = Date.now() + o.timeout;
        chunks.push(b);
        have += b.length;
        return true;
      }
      if (have === 0 || conn.buffered === before) return false;
    }
  };
  if (!(await fill(o.first))) return undefined;
  for (let at = o.first; at <= MAX_ARRAY_BYTES; at++) {
    if (!o.isLength(at)) continue;
    // Lengths may lie closer together than the reply is long (two entry sizes on 4:2): look at the
    // bytes from `at` on without going past them, since the reply may start there.
    if (have < at + Size.VERSION && !(await fill(at + Size.VERSION)))
      return { bytes: have + conn.buffered, endedBy: 'silence' };
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    chunks.splice(0, chunks.length, all);
    if (all.subarray(at, at + Size.VERSION).equals(end)) return { bytes: at, endedBy: 'reply' };
  }
  return undefined;
}
