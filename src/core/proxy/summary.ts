// The spy's per-call summary (as pcsc-spy prints at exit): for each client connection and for all of them, each
// PC/SC function's calls, errors (a return code other than SCARD_S_SUCCESS), total and mean time.

import type { ProxyCall } from './types.js';

export interface CallStats {
  /** pcsc-lite's name of the function (SCARD_TRANSMIT, CMD_VERSION …). */
  command: string;
  calls: number;
  errors: number;
  totalUs: number;
  meanUs: number;
}

export interface ClientSummary {
  client: number;
  pid?: number;
  process?: string;
  calls: CallStats[];
}

export interface SpySummary {
  /** One per client connection that made a call, in connection order. */
  clients: ClientSummary[];
  /** Every client together. */
  total: CallStats[];
}

type Acc = Map<string, { calls: number; errors: number; totalUs: number }>;

export class CallSummary {
  private readonly byClient = new Map<number, { pid?: number; process?: string; acc: Acc }>();
  private readonly all: Acc = new Map();

  add(c: ProxyCall): void {
    // Notifications are the daemon's, not a client's calls.
    if (c.command === 'NOTIFICATION') return;
    let entry = this.byClient.get(c.client);
    if (!entry) {
      entry = { acc: new Map() };
      this.byClient.set(c.client, entry);
    }
    if (c.pid !== undefined) entry.pid = c.pid;
    if (c.process !== undefined) entry.process = c.process;
    const failed = c.rv !== undefined && c.rvName !== 'SCARD_S_SUCCESS';
    for (const acc of [entry.acc, this.all]) {
      const s = acc.get(c.command) ?? { calls: 0, errors: 0, totalUs: 0 };
      s.calls++;
      if (failed) s.errors++;
      s.totalUs += c.durationUs;
      acc.set(c.command, s);
    }
  }

  result(): SpySummary {
    return {
      clients: [...this.byClient].map(([client, e]) => ({
        client,
        ...(e.pid !== undefined ? { pid: e.pid } : {}),
        ...(e.process !== undefined ? { process: e.process } : {}),
        calls: stats(e.acc),
      })),
      total: stats(this.all),
    };
  }
}

/** Most time first, as pcsc-spy sorts. */
function stats(acc: Acc): CallStats[] {
  return [...acc]
    .map(([command, s]) => ({ command, ...s, meanUs: Math.round(s.totalUs / s.calls) }))
    .sort((a, b) => b.totalUs - a.totalUs || a.command.localeCompare(b.command));
}
