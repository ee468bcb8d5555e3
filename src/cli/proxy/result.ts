// `pcsc proxy --json` and `pcsc spy --json`: the shapes they print (docs/proxy.md documents them).

import type { ProxyCall, ProxyRun } from '../../core/proxy/index.js';

/** `pcsc proxy`: at the end, the sockets and how many clients were served. */
export type ProxyResult = ProxyRun;

/** One line of `pcsc spy --json` (NDJSON): one decoded call. */
export type SpyRecord = ProxyCall;

/** `pcsc spy`: the summary without --json; with --json the records were the output. */
export type SpyResult = ProxyRun | undefined;
