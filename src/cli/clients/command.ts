// `pcsc clients`: every process connected to pcscd's socket now. The body of src/commands/clients.ts,
// shared with the fast path (src/cli/fast.ts).

import type { CommandIo } from '../command-io.js';
import type { ClientsResult } from './result.js';

export interface ClientsFlags {
  socket?: string | undefined;
}

export async function runClients(flags: ClientsFlags, io: CommandIo): Promise<ClientsResult> {
  const { PcscError, Scard, UsageError } = await import('../../core/index.js');
  const { resolveSocketPath } = await import('../../core/internal.js');
  const { createProbe, findPcscClients, detectMachine, asRoot } = await import('../../core/doctor/index.js');
  const probe = createProbe();
  if (probe.platform !== 'linux')
    throw new UsageError('pcsc clients needs Linux: other systems do not say which process holds a socket');
  const socket = resolveSocketPath({ path: flags.socket, env: process.env }).path;
  const result = await findPcscClients(probe, socket, { exclude: [process.pid] });
  if (!result.listening) throw new PcscError(Scard.E_NO_SERVICE, `nothing listens at ${socket}`);
  if (!io.jsonEnabled()) {
    const { renderClients } = await import('./render.js');
    for (const l of renderClients(result, asRoot(['pcsc', 'clients'], await detectMachine(probe)))) io.log(l);
  }
  return result;
}
