// A card another program holds (exclusively, or in a transaction it does not end): who is connected
// to pcscd now (src/core/system/pcsc-clients.ts), the one line that names them, and the fix about
// those programs, never a guess at one that is not running. One implementation for doctor's
// pcscd.readers and the CLI's sharing-violation errors (apdu, scan).

import type { Fix } from '../../engine/types.js';
import { findPcscClients, clientList, type PcscClients } from '../../system/pcsc-clients.js';
import { asRoot, detectMachine } from '../../system/service.js';
import type { SystemProbe } from '../../system/types.js';
import { fix } from './util.js';

export interface BusyReport {
  /** "held by another program — connected to pcscd now: keepassxc (pid 2211), scdaemon (pid 1820)". */
  line: string;
  fix: Fix;
  /** Who is connected (absent off Linux, where the kernel does not say). */
  clients?: PcscClients;
}

/**
 * Who may hold a card on `socket` (the system path), and what to do. `exclude` leaves the caller's own process
 * out: it is connected while it asks.
 */
export async function busyReport(
  probe: SystemProbe,
  socket: string,
  opts: { exclude?: number[] } = {},
): Promise<BusyReport> {
  const found = probe.platform === 'linux' ? await findPcscClients(probe, socket, opts) : undefined;
  // A socket /proc/net/unix does not list (another network namespace, a fixture) tells nothing about who holds it.
  const clients = found?.listening ? found : undefined;
  return { line: busyLine(clients), fix: await holderFix(probe, clients), ...(clients ? { clients } : {}) };
}

export function busyLine(c: PcscClients | undefined): string {
  return `held by another program${busyWho(c)}`;
}

/** " — connected to pcscd now: keepassxc (pid 2211)": who the candidates are, to append to a report ("" off Linux). */
export function busyWho(c: PcscClients | undefined): string {
  if (!c) return '';
  if (c.method === 'count')
    return ` — ${c.connections} connection${c.connections === 1 ? '' : 's'} to pcscd now (install ss, from iproute2, to see whose)`;
  const parts: string[] = [];
  if (c.clients.length > 0) parts.push(clientList(c.clients));
  if (c.unattributed > 0)
    parts.push(
      `${c.unattributed} connection${c.unattributed === 1 ? '' : 's'} of ${c.rootWouldShow ? "other users' processes (sudo pcsc clients shows them)" : 'processes not visible here'}`,
    );
  if (parts.length === 0) return ' — no other program is connected to pcscd now';
  return ` — connected to pcscd now: ${parts.join('; ')}`;
}

export async function holderFix(probe: SystemProbe, c?: PcscClients): Promise<Fix> {
  const list = c?.clients ?? [];
  const machine = await detectMachine(probe);
  const see = c?.rootWouldShow ? asRoot(['pcsc', 'clients'], machine) : 'pcsc clients';
  const scd = list.filter((p) => p.known?.id === 'scdaemon');
  if (scd.length > 0) {
    // gpgconf talks to the agent of the user who runs it: another user's scdaemon is theirs to stop.
    const others = scd.filter((p) => probe.uid !== undefined && p.uid !== probe.uid);
    return fix(
      `GnuPG's scdaemon is connected to pcscd (${scd.map((p) => `pid ${p.pid}`).join(', ')}): unless scdaemon.conf says pcsc-shared it opens cards exclusively. Stop it${others.length > 0 ? ` (as its user: ${others.map((p) => p.user).join(', ')})` : ''}, and make it share the card (see the gnupg.scdaemon check).`,
      ['gpgconf --kill scdaemon'],
    );
  }
  if (list.length > 0) {
    const how = list.map((p) => `${p.command} (pid ${p.pid}): ${p.known ? p.known.share : 'close it or end it'}`);
    const release = [...new Set(list.flatMap((p) => (p.known?.release ? [p.known.release] : [])))];
    return fix(
      `One of the programs connected to pcscd holds the card. ${how.join('; ')}. Unplugging the reader also ends any hold.`,
      [...release, see],
    );
  }
  const hidden =
    c && c.unattributed > 0
      ? c.rootWouldShow
        ? ' Other users own the connections: see which programs as root.'
        : ''
      : '';
  return fix(
    `Another program holds the card (exclusively, or in a transaction it does not end).${hidden} Close the program that uses it (a browser or mail client with a PKCS#11 module, a password manager, a script), or unplug the reader and plug it in again to end its hold.`,
    c ? [see] : [],
  );
}
