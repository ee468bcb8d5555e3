// "pcsc/proxy": a pcscd front for clients of any pcsc-lite version (protocol 4:2–4:6), translating
// what differs, with an optional record of every call (what `pcsc proxy` and `pcsc spy` run).

export { ProxyServer, probeUpstream, serveUntil, type ProxyRun, type ProxyStats } from './server.js';
export { defaultProxySocket, defaultSpySocket } from './paths.js';
export { boundPath, takeActivation, type Activation } from './activation.js';
export { systemdUnits, UNIT_LISTEN, UNIT_NAME, type SystemdUnits } from './systemd-units.js';
export { OWNER_ONLY, parseSocketMode } from './listen.js';
export type { ProxyCall, ProxyEvent, ProxyOptions } from './types.js';
export { CallSummary, type CallStats, type ClientSummary, type SpySummary } from './summary.js';
