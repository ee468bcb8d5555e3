// The hint after "Service not available" (SCARD_E_NO_SERVICE), fitted to this machine from cheap
// synchronous looks: the init system, root or not, the socket that failed (--socket, else
// PCSCLITE_CSOCK_NAME, else the default) and whether the system's socket file exists. Loaded only
// when that error happens, so start-up does not pay for it.

import { statSync } from 'node:fs';
import { detectMachineNow, noServiceHint } from '../core/doctor/index.js';
import type { PcscError } from '../core/index.js';
import { DEFAULT_SOCKET, resolveSocketPath } from '../core/internal.js';

export function serviceHint(err: PcscError, socket: string | undefined): string {
  const cause = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  if (cause === 'EACCES') return 'You may not connect to that socket: run `pcsc doctor`.';
  let systemSocket = false;
  try {
    systemSocket = statSync(DEFAULT_SOCKET).isSocket();
  } catch {
    // no socket file: nothing listens there
  }
  return noServiceHint(
    detectMachineNow(),
    resolveSocketPath({ path: socket, env: process.env }),
    systemSocket,
    DEFAULT_SOCKET,
  );
}
