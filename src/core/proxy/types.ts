// What the proxy and spy report: one record per call a client made (decoded), and lifecycle events.

import type { Activation } from './activation.js';
import type { CardProtocol, Disposition, ShareMode } from '../scard/types.js';

export interface ProxyOptions {
  /** Socket path the proxy listens on. */
  listen: string;
  /** pcscd's socket path. */
  upstream: string;
  /**
   * Mode of the listening socket (default 0600: the proxy's user only). Whoever can connect
   * uses the readers and cards as the proxy's user (docs/proxy.md, "Security").
   */
  mode?: number;
  /** A listening socket systemd passed (socket activation): served instead of binding `listen`. */
  activation?: Activation;
  /** Give 4:2 clients 100-byte reader names (pcsc-lite 1.6.5–1.8.3) instead of 128. */
  legacyNames?: boolean;
  /**
   * Entries in the reader-state arrays sent to clients of 4:2 to 4:5 (default 16, pcsc-lite's
   * PCSCLITE_MAX_READERS_CONTEXTS). A client reads exactly as many as its library was built with:
   * 48 for Fedora's, whose pcsc-lite is patched to 48 (docs/protocol.md#the-array).
   */
  clientSlots?: number;
  /** Bound on each daemon reply, milliseconds (default 300 s: on-card key generation is slow). */
  requestTimeout?: number;
  /** Show PINs and keys in call records (the commands docs/apdu.md#secrets lists, masked as `pcsc apdu` masks them). */
  showSecrets?: boolean;
  /**
   * How long a notification is held back after a WAIT (and after a 4:6 SIZE) so that it does not
   * come between the requests libpcsclite sends at once and their replies. Default 100 ms.
   */
  holdNotificationsMs?: number;
  /** Called after every client call (spy). */
  onCall?: (call: ProxyCall) => void;
  /** Client connects and disconnects, upstream failures. */
  onEvent?: (event: ProxyEvent) => void;
}

/** One client call as the spy shows it. Bytes are upper-case hex; handles and codes 0x-prefixed hex. */
export interface ProxyCall {
  /** ISO 8601 time the request arrived. */
  time: string;
  /** The client connection's number (1, 2, …) within this proxy run. */
  client: number;
  /** The client's process id, when found (spy, Linux: found from the socket's peer in /proc; docs/clients.md). */
  pid?: number;
  /** The client's program ("pcsc_scan", "scdaemon"), when found. */
  process?: string;
  /** Protocol the client speaks, once it said ("4:4"). */
  clientProtocol?: string;
  /** pcsc-lite's name of the command (SCARD_TRANSMIT, CMD_WAIT_READER_STATE_CHANGE …), or NOTIFICATION. */
  command: string;
  hContext?: string;
  hCard?: string;
  reader?: string;
  share?: ShareMode;
  preferredProtocols?: CardProtocol[];
  protocol?: CardProtocol | null;
  disposition?: Disposition;
  /** Command APDU, PIN bytes shown as `**` unless secrets are shown. */
  apdu?: string;
  /** Response APDU without the status word. */
  response?: string;
  sw?: string;
  swMeaning?: string;
  /** The APDU had secret bytes that are masked. */
  redacted?: boolean;
  controlCode?: string;
  data?: string;
  attrId?: string;
  /** Readers in a reader-state array sent to the client. */
  readers?: string[];
  readerEvents?: number;
  /** The version a client asked for (CMD_VERSION). */
  requested?: string;
  /** Return code, when the reply carries one. */
  rv?: string;
  rvName?: string;
  durationUs: number;
  /** What the proxy did beyond forwarding (synthesised, translated, failed). */
  note?: string;
}

export type ProxyEvent =
  /** A client connected; with the spy on Linux, its process (pid, uid, program, command line) when found. */
  | { kind: 'connected'; client: number; pid?: number; uid?: number; process?: string; argv?: string[] }
  | { kind: 'disconnected'; client: number; reason?: string }
  | { kind: 'upstream-error'; client: number; message: string }
  /** The proxy gave up on a client that broke a bound (docs/proxy.md, "Bounds"). */
  | { kind: 'dropped'; client: number; reason: string };
