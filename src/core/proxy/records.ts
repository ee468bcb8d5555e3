// Builds the spy's record of one call from the facts the dispatcher gathered: command names as
// pcsc-lite spells them, handles and codes as hex, APDUs split into data and status word.

import { toHex } from '../bytes/hex.js';
import { isSecretCommand, redactCommandHex } from '../card/redact.js';
import { describeSw } from '../card/sw.js';
import { hex32, scardName } from '../errors.js';
import { protocolName, Share, DispositionCode } from '../scard/constants.js';
import type { CardProtocol, Disposition, ShareMode } from '../scard/types.js';
import { Cmd } from '../pcscd/codes.js';
import type { ProxyCall } from './types.js';

/** What a handler learns about a call; `rv` stays a number until the record is built. */
export type CallFacts = Omit<Partial<ProxyCall>, 'rv' | 'rvName'> & { rv?: number };

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Cmd).map(([k, v]) => [v, (v < Cmd.VERSION ? 'SCARD_' : 'CMD_') + k]),
);

export function commandName(command: number | string): string {
  if (typeof command === 'string') return command;
  return NAMES[command] ?? `UNKNOWN_0x${command.toString(16).padStart(2, '0')}`;
}

export function callRecord(
  s: { id: number; versioned: boolean; protocol: string; peer?: { pid: number; command: string } | undefined },
  command: number | string,
  time: Date,
  t0: bigint,
  facts: CallFacts,
): ProxyCall {
  const { rv, ...rest } = facts;
  const durationUs = t0 === 0n ? 0 : Number((process.hrtime.bigint() - t0) / 1000n);
  return {
    time: time.toISOString(),
    client: s.id,
    ...(s.peer ? { pid: s.peer.pid, process: s.peer.command } : {}),
    ...(s.versioned ? { clientProtocol: s.protocol } : {}),
    command: commandName(command),
    ...rest,
    ...(rv === undefined ? {} : { rv: hex32(rv), rvName: scardName(rv) }),
    durationUs,
  };
}

const SHARE_NAMES = Object.fromEntries(Object.entries(Share).map(([k, v]) => [v, k])) as Record<number, ShareMode>;
const DISPOSITION_NAMES = Object.fromEntries(Object.entries(DispositionCode).map(([k, v]) => [v, k])) as Record<
  number,
  Disposition
>;

export const handle = (h: number): string => hex32(h);
export const shareName = (v: number): ShareMode | undefined => SHARE_NAMES[v];
export const dispositionName = (v: number): Disposition | undefined => DISPOSITION_NAMES[v];

export function protocolNames(mask: number): CardProtocol[] {
  const out: CardProtocol[] = [];
  for (const bit of [1, 2, 4, 8]) if (mask & bit) out.push(protocolName(bit) as CardProtocol);
  return out;
}

/** Command APDU facts, with PIN bytes masked unless asked (as `pcsc apdu --json` masks them). */
export function commandFacts(apdu: Uint8Array, showSecrets: boolean): CallFacts {
  const redacted = !showSecrets && isSecretCommand(apdu);
  return { apdu: redactCommandHex(apdu, { show: showSecrets, sep: '' }), ...(redacted ? { redacted } : {}) };
}

/** Response APDU facts: data and status word with its meaning. */
export function responseFacts(resp: Uint8Array): CallFacts {
  if (resp.length < 2) return { response: toHex(resp) };
  const sw = ((resp[resp.length - 2] as number) << 8) | (resp[resp.length - 1] as number);
  return {
    response: toHex(resp.subarray(0, resp.length - 2)),
    sw: sw.toString(16).toUpperCase().padStart(4, '0'),
    swMeaning: describeSw(sw).meaning,
  };
}
