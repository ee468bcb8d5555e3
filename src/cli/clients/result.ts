// `pcsc clients --json`: who is connected to pcscd's socket now (docs/clients.md#json documents it).

import type { PcscClients } from '../../core/doctor/index.js';

/**
 * The socket looked at, whether anything listens there, how connections were paired with processes,
 * every client (with `via`: the pid of the `pcsc proxy`/`pcsc spy` it came through) and how many
 * connections stay unattributed.
 */
export type ClientsResult = PcscClients;
