// `pcsc clients`: every process connected to pcscd's socket now. The body of src/commands/clients.ts,
// shared with the fast path (src/cli/fast.ts).

// Imported statically: this module is itself loaded on use (by the command or the fast path), and a
// bundler keeps every export of what a dynamic import names (the doctor's checks came along).
import { asRoot, createProbe, detectMachineNow, findPcscClients } from '../../core/doctor/index.js';
import { PcscError, Scard, UsageError } from '../../core/index.js';
import { resolveSocketPath } from '../../core/internal.js';
import type { CommandIo } from '../command-io.js';
import type { ClientsResult } from './result.js';

export interface ClientsFlags {
  socket?: string | undefined;
}

export async function runClients(flags: ClientsFlags, io: CommandIo): Promise<ClientsResult> {
  const probe = createProbe();
  if (probe.platform !== 'linux')
    throw new UsageError('pcsc clients needs Linux: other systems do not say which process holds a socket');
  const socket = resolveSocketPath({ path: flags.socket, env: process.env }).path;
  const result = await findPcscClients(probe, socket, { exclude: [process.pid] });
  if (!result.listening) throw new PcscError(Scard.E_NO_SERVICE, `nothing listens at ${socket}`);
  if (!io.jsonEnabled()) {
    const { renderClients } = await import('./render.js');
    // asRoot needs the elevation alone: from the paths and the uid (the probe is the live system's),
    // not detectMachine's /proc walk for a runsvdir, which a listing without connections never reads.
    for (const l of renderClients(result, asRoot(['pcsc', 'clients'], detectMachineNow()))) io.log(l);
  }
  return result;
}
