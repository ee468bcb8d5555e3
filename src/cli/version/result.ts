// `pcsc version --json`: the shape it prints (README.md, `pcsc --version` and `pcsc completion`, documents it).

import type { SocketChoice } from '../../core/internal.js';

/** Where the socket path came from: --socket, PCSCLITE_CSOCK_NAME, the default, or the legacy default. */
export type SocketSource = SocketChoice['source'];

/** The daemon as --verbose found it: the protocol we agreed on, or why none. */
export type VersionDaemon =
  | { protocol: string; daemonVersion: string; socket: string; source: SocketSource }
  | { error: string; socket: string; source: SocketSource };

export interface VersionResult {
  version: string;
  node: string;
  platform: string;
  daemon?: VersionDaemon;
}
