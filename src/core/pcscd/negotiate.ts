// CMD_VERSION negotiation (docs/protocol.md#cmd_version-answers, docs/protocol.md#negotiation): decides, from
// one reply, whether to accept, retry on the same connection with the daemon's own version, or give up.

import { SCARD_CODES, Scard, hex32 } from '../errors.js';
import { OLDEST_MINOR, NEWEST_MINOR, PROTOCOL_MAJOR } from './codes.js';
import type { VersionMsg } from './messages/simple.js';

export type VersionStep =
  { kind: 'accept'; minor: number } | { kind: 'retry'; minor: number } | { kind: 'fail'; rv: number; detail: string };

/** The two mismatch codes daemons use (1D up to 1.8.25, 1E from 1.8.26). */
const MISMATCH = new Set<number>([Scard.E_NO_SERVICE, Scard.E_SERVICE_STOPPED]);

/** Whether a minor is one we speak, within the newest one the caller lets us offer. */
export function speaks(minor: number, maxMinor = NEWEST_MINOR): boolean {
  return minor >= OLDEST_MINOR && minor <= Math.min(maxMinor, NEWEST_MINOR);
}

/**
 * @param sentMinor the minor just sent (major is always 4)
 * @param reply the daemon's version_struct reply: its own version and whether it accepted ours
 * @param retried whether sentMinor was already a retry with the daemon's version
 * @param maxMinor the newest minor the caller allows (a retry never goes above it)
 */
export function versionStep(
  sentMinor: number,
  reply: VersionMsg,
  retried: boolean,
  maxMinor = NEWEST_MINOR,
): VersionStep {
  const theirs = `${reply.major}:${reply.minor}`;
  if (reply.rv === Scard.S_SUCCESS) {
    // 2.4.1 accepts 4:6 with rv 0 but replies 4:5 and speaks 4:5: take the smaller minor.
    if (reply.major !== PROTOCOL_MAJOR) {
      return { kind: 'fail', rv: Scard.E_SERVICE_STOPPED, detail: `pcscd accepted us but speaks protocol ${theirs}` };
    }
    return { kind: 'accept', minor: Math.min(sentMinor, reply.minor) };
  }
  if (
    MISMATCH.has(reply.rv) &&
    reply.major === PROTOCOL_MAJOR &&
    speaks(reply.minor, maxMinor) &&
    !retried &&
    reply.minor !== sentMinor
  ) {
    return { kind: 'retry', minor: reply.minor };
  }
  if (reply.rv === Scard.E_NO_SERVICE && reply.major === PROTOCOL_MAJOR && reply.minor === sentMinor) {
    // No daemon refuses its own version: this is `pcsc proxy` saying its pcscd cannot be reached.
    return { kind: 'fail', rv: Scard.E_NO_SERVICE, detail: 'the daemon behind this socket is not reachable' };
  }
  if (!MISMATCH.has(reply.rv) && !SCARD_CODES.has(reply.rv)) {
    // No daemon answers CMD_VERSION with anything but 0, 1D or 1E (docs/protocol.md#cmd_version-answers):
    // this is not a reply.
    return {
      kind: 'fail',
      rv: Scard.F_COMM_ERROR,
      detail: `pcscd's answer to CMD_VERSION is garbage (rv ${hex32(reply.rv)})`,
    };
  }
  return {
    kind: 'fail',
    rv: MISMATCH.has(reply.rv) ? Scard.E_SERVICE_STOPPED : reply.rv,
    detail: `pcscd speaks protocol ${theirs} and refused ${PROTOCOL_MAJOR}:${sentMinor}`,
  };
}
