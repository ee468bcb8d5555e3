// `pcsc proxy --json` and `pcsc spy --json`: the shapes they print (docs/proxy.md documents them).

import type { ProxyCall, ProxyRun, SpySummary, SystemdUnits } from '../../core/proxy/index.js';
import type { PrintedUnits } from './systemd.js';

/** `pcsc proxy --print-systemd`: both units and how to install them; with --unit, that unit alone. */
export type PrintSystemdResult = PrintedUnits | SystemdUnits['socket'];

/** `pcsc proxy`: at the end, the sockets and how many clients were served (or --print-systemd's units). */
export type ProxyResult = ProxyRun | PrintSystemdResult;

/** One line of `pcsc spy --json` (NDJSON): one decoded call, or at exit the per-call summary. */
export type SpyRecord = ProxyCall | { summary: SpySummary };

/** `pcsc spy`: the summary without --json; with --json the records were the output. */
export type SpyResult = ProxyRun | undefined;
