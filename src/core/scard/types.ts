// The backend-neutral PC/SC API: what the pcscd socket client and the USB CCID driver both offer.

/** Where a context runs: on pcscd, or straight on USB CCID readers. */
export type BackendName = 'pcscd' | 'usb';
/** How a connection shares the reader with others: shared, exclusive, or direct (the reader, no card needed). */
export type ShareMode = 'shared' | 'exclusive' | 'direct';
/** A card's active protocol as users write it; JSON uses the same strings. */
export type CardProtocol = 'T=0' | 'T=1' | 'RAW' | 'T=15';
/** Protocols a caller accepts when connecting. */
export type ProtocolChoice = 'T=0' | 'T=1' | 'RAW';
/** What to do with the card when disconnecting or ending a transaction. */
export type Disposition = 'leave' | 'reset' | 'unpower' | 'eject';

/** SCARD_STATE_* flags of dwCurrentState/dwEventState (low 16 bits; the high word is a counter). */
export const StateFlag = {
  UNAWARE: 0x0000,
  IGNORE: 0x0001,
  CHANGED: 0x0002,
  UNKNOWN: 0x0004,
  UNAVAILABLE: 0x0008,
  EMPTY: 0x0010,
  PRESENT: 0x0020,
  ATRMATCH: 0x0040,
  EXCLUSIVE: 0x0080,
  INUSE: 0x0100,
  MUTE: 0x0200,
  UNPOWERED: 0x0400,
} as const;
/** The name of an SCARD_STATE_* flag. */
export type StateFlagName = Exclude<keyof typeof StateFlag, 'UNAWARE'>;

const FLAG_ORDER = Object.entries(StateFlag).filter(([, v]) => v !== 0) as [StateFlagName, number][];

/** The names of the SCARD_STATE_* flags set in a state (the counter word is ignored), in bit order. */
export function stateFlagNames(eventState: number): StateFlagName[] {
  return FLAG_ORDER.filter(([, v]) => (eventState & v) !== 0).map(([k]) => k);
}

/** pcsc-lite's card state bitmask (READER_STATE.readerState, SCardStatus' low word). */
export const CardState = {
  UNKNOWN: 0x0001,
  ABSENT: 0x0002,
  PRESENT: 0x0004,
  SWALLOWED: 0x0008,
  POWERED: 0x0010,
  NEGOTIABLE: 0x0020,
  SPECIFIC: 0x0040,
} as const;
/** The name of a card state bit (SCARD_PRESENT, SCARD_POWERED, …). */
export type CardStateName = keyof typeof CardState;

const CARD_ORDER = Object.entries(CardState) as [CardStateName, number][];

/** The names of the card state bits set, in bit order. */
export function cardStateNames(state: number): CardStateName[] {
  return CARD_ORDER.filter(([, v]) => (state & v) !== 0).map(([k]) => k);
}

/** Which backend, protocol version and socket a context uses. */
export interface ContextInfo {
  backend: BackendName;
  /** The negotiated pcscd protocol ("4:4"); absent on the USB backend. */
  protocol?: string;
  /** The pcscd socket path; absent on the USB backend. */
  socket?: string;
  /**
   * The protocol version pcscd announced ("4:5"), which can be newer than the one spoken (`protocol`);
   * pcscd only. Not a pcsc-lite release: `pcsc version --verbose` finds that from the daemon's binary.
   */
  daemonProtocol?: string;
  /**
   * Set when backend `auto` fell back to USB, in one line: "pcscd is not running (no pcscd socket at
   * /run/pcscd/pcscd.comm); using USB readers directly". Programs should show it: the fallback is never silent.
   */
  fallback?: string;
}

/** One entry of a getStatusChange request. */
export interface ReaderStateQuery {
  reader: string;
  /**
   * What the caller last saw: the whole `eventState` of a previous result (counter word included),
   * or 0 / undefined for "unaware" (return at once with the current state).
   */
  currentState?: number;
}

/** One entry of a getStatusChange result, in the order of the request. */
export interface ReaderState {
  reader: string;
  /** dwEventState, whole: pass it back as the next currentState. */
  eventState: number;
  /** Names of the flags set in the low word of eventState. */
  flags: StateFlagName[];
  /**
   * High word of eventState: the reader's card event counter (insertions + removals), or for
   * the PnP entry the daemon-wide reader event counter (protocol 4:5+).
   */
  eventCount: number;
  changed: boolean;
  atr: Buffer;
}

/** A getStatusChange result entry as both backends build it: flags and counter read from eventState. */
export function readerState(reader: string, eventState: number, changed: boolean, atr: Buffer): ReaderState {
  return { reader, eventState, flags: stateFlagNames(eventState), eventCount: eventState >>> 16, changed, atr };
}

/** Bounds on a wait: a timeout in milliseconds and an AbortSignal. */
export interface WaitOptions {
  /** Milliseconds; undefined or Infinity waits until something changes (or signal aborts). */
  timeout?: number;
  signal?: AbortSignal;
}

/** How to connect to a card: share mode, accepted protocols, and an AbortSignal. */
export interface ConnectOptions {
  share?: ShareMode;
  /** Accepted protocols; default T=0 or T=1. May be empty only with share 'direct'. */
  protocols?: readonly ProtocolChoice[];
  signal?: AbortSignal;
}

/** How to reconnect: as connect, plus what to do with the card first. */
export interface ReconnectOptions extends ConnectOptions {
  initialization?: Exclude<Disposition, 'eject'>;
}

/** A card handle's status (SCardStatus): reader, card state, event counter, protocol and ATR. */
export interface CardStatus {
  reader: string;
  state: CardStateName[];
  eventCount: number;
  protocol: CardProtocol | null;
  atr: Buffer;
}

/** How to exchange with the card: whether to follow 61xx/6Cxx, response size, timeout and an AbortSignal. */
export interface TransmitOptions {
  /**
   * transmit only; `true`: one command, the card's answer as is. By default transmit follows ISO 7816-4's
   * procedure words: after 61xx it fetches the rest with GET RESPONSE (the data of every answer
   * joined, then the last status word), after 6Cxx it sends the command again with Le = SW2.
   */
  raw?: boolean;
  /** The largest response the caller accepts (default MAX_BUFFER_SIZE_EXTENDED = 65548). */
  maxResponse?: number;
  /**
   * Milliseconds to wait for the card's answer (default 120 s). On pcscd, a timeout or an abort
   * while the card works closes the context's connection: the daemon's reply would come later.
   */
  timeout?: number;
  signal?: AbortSignal;
}

/** A connection to a card (or, in direct mode, to the reader): transmit, control, attributes, transactions. */
export interface Card extends AsyncDisposable {
  /** The reader's name, as listReaders() gives it. */
  readonly reader: string;
  /** How this handle shares the reader (reconnect can change it). */
  readonly share: ShareMode;
  /** Active protocol after connect/reconnect; null in direct mode without a card. */
  readonly protocol: CardProtocol | null;
  /**
   * Sends a command APDU and returns the response APDU (data, then SW1 SW2). Follows 61xx with GET
   * RESPONSE and 6Cxx with a re-send unless `opts.raw`; `timeout` and `signal` bound each command.
   */
  transmit(apdu: Uint8Array, opts?: TransmitOptions): Promise<Buffer>;
  /**
   * SCardControl: sends `data` to the reader with a control code (CM_IOCTL_GET_FEATURE_REQUEST, a
   * feature's code from decodeFeatures, ctlCode(n)) and returns its answer.
   */
  control(code: number, data?: Uint8Array, opts?: TransmitOptions): Promise<Buffer>;
  /** SCardStatus: the reader, the card's state, protocol and ATR. */
  status(): Promise<CardStatus>;
  /** SCardGetAttrib: a reader attribute by its SCARD_ATTR_* id (named in `Attr`). */
  getAttribute(id: number): Promise<Buffer>;
  /** SCardSetAttrib: sets a reader attribute by its SCARD_ATTR_* id (named in `Attr`). */
  setAttribute(id: number, value: Uint8Array): Promise<void>;
  /**
   * SCardBeginTransaction: no other handle's command reaches the card until endTransaction.
   * While another program holds it, retries every 100 ms until `timeout` (default 60 s) or `signal`.
   */
  beginTransaction(opts?: WaitOptions): Promise<void>;
  /** SCardEndTransaction, leaving, resetting or unpowering the card (default leave). */
  endTransaction(disposition?: Disposition): Promise<void>;
  /** Runs fn inside BeginTransaction/EndTransaction; ends with `disposition` (default leave). */
  transaction<T>(fn: (card: Card) => Promise<T>, opts?: WaitOptions & { disposition?: Disposition }): Promise<T>;
  /** SCardReconnect: new share mode or protocols, optionally resetting the card; the protocol agreed. */
  reconnect(opts?: ReconnectOptions): Promise<CardProtocol | null>;
  /** SCardDisconnect, leaving the card as it is by default; a second call does nothing. */
  disconnect(disposition?: Disposition): Promise<void>;
}

/** A PC/SC context (SCARDCONTEXT): readers, their states, connections to cards. */
export interface Context extends AsyncDisposable {
  /** Which backend, protocol version and socket this context uses. */
  readonly info: ContextInfo;
  /** Reader names in the daemon's slot order; an empty array when there are none. */
  listReaders(): Promise<string[]>;
  /**
   * Waits until a reader's state differs from what the caller last saw (PC/SC
   * SCardGetStatusChange). Rejects with SCARD_E_TIMEOUT on timeout and SCARD_E_CANCELLED when
   * cancelled or aborted.
   */
  getStatusChange(states: readonly ReaderStateQuery[], opts?: WaitOptions): Promise<ReaderState[]>;
  /** SCardConnect: a card handle on the named reader (see chooseReader for which one). */
  connect(reader: string, opts?: ConnectOptions): Promise<Card>;
  /** Ends a getStatusChange that is waiting on this context (from any async flow). */
  cancel(): Promise<void>;
  /** SCardReleaseContext: ends the context and its card handles; later calls fail. A second call does nothing. */
  release(): Promise<void>;
}
