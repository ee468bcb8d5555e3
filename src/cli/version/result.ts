// `pcsc version --json`: the shape it prints (README.md, `pcsc --version` and `pcsc completion`, documents it).

import type { SocketChoice } from '../../core/internal.js';

/** Where the socket path came from: --socket, PCSCLITE_CSOCK_NAME, the default, or the legacy default. */
export type SocketSource = SocketChoice['source'];

/**
 * The daemon as --verbose found it, or why none answered. `protocol` is the pcscd protocol spoken
 * ("4:4"), `daemonProtocol` the one the daemon's reply announced (2.4.1 accepts any minor ≥ 4 and
 * answers 4:5), `daemonVersion` the pcscd release serving the socket ("2.0.3"), null with
 * `daemonVersionUnknown` saying why when it cannot be known.
 */
export type VersionDaemon =
  | {
      protocol: string;
      daemonProtocol: string;
      daemonVersion: string | null;
      daemonVersionUnknown?: string;
      /** The serving pcscd's pid and binary, when found. */
      pid: number | null;
      binary: string | null;
      socket: string;
      source: SocketSource;
    }
  | { error: string; socket: string; source: SocketSource };

export interface VersionResult {
  version: string;
  node: string;
  platform: string;
  daemon?: VersionDaemon;
}
