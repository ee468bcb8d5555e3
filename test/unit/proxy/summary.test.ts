// The spy's per-call summary at exit (src/core/proxy/summary.ts): per client and all together, each function's
// calls, errors (a return code other than SCARD_S_SUCCESS), total and mean time; notifications are not calls.

import { describe, expect, it } from 'vitest';
import { CallSummary } from '../../../src/core/proxy/summary.js';
import type { ProxyCall } from '../../../src/core/proxy/types.js';

const call = (client: number, command: string, durationUs: number, rvName?: string, pid?: number): ProxyCall => ({
  time: '2026-12-07T00:00:00.000Z',
  client,
  command,
  durationUs,
  ...(rvName ? { rv: '0x0', rvName } : {}),
  ...(pid !== undefined ? { pid, process: `p${pid}` } : {}),
});

describe('CallSummary', () => {
  it('counts calls and errors per client and in total, with total and mean time, most time first', () => {
    const s = new CallSummary();
    s.add(call(1, 'SCARD_CONNECT', 100, 'SCARD_E_SHARING_VIOLATION', 2211));
    s.add(call(1, 'SCARD_CONNECT', 300, 'SCARD_S_SUCCESS', 2211));
    s.add(call(1, 'SCARD_TRANSMIT', 1000, 'SCARD_S_SUCCESS', 2211));
    s.add(call(2, 'SCARD_CONNECT', 200, 'SCARD_E_NO_SMARTCARD', 1820));
    s.add(call(2, 'NOTIFICATION', 5000));
    const r = s.result();
    expect(r.clients).toEqual([
      {
        client: 1,
        pid: 2211,
        process: 'p2211',
        calls: [
          { command: 'SCARD_TRANSMIT', calls: 1, errors: 0, totalUs: 1000, meanUs: 1000 },
          { command: 'SCARD_CONNECT', calls: 2, errors: 1, totalUs: 400, meanUs: 200 },
        ],
      },
      {
        client: 2,
        pid: 1820,
        process: 'p1820',
        calls: [{ command: 'SCARD_CONNECT', calls: 1, errors: 1, totalUs: 200, meanUs: 200 }],
      },
    ]);
    expect(r.total).toEqual([
      { command: 'SCARD_TRANSMIT', calls: 1, errors: 0, totalUs: 1000, meanUs: 1000 },
      { command: 'SCARD_CONNECT', calls: 3, errors: 2, totalUs: 600, meanUs: 200 },
    ]);
  });

  it('a reply without a return code is not an error', () => {
    const s = new CallSummary();
    s.add(call(1, 'CMD_GET_READERS_STATE', 50));
    expect(s.result().total).toEqual([
      { command: 'CMD_GET_READERS_STATE', calls: 1, errors: 0, totalUs: 50, meanUs: 50 },
    ]);
  });
});
