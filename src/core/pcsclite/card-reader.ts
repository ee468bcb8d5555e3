// node-pcsclite's CardReader on the library's API: a `status` event on every change of the reader's
// state (its own context waits on it, as node-pcsclite's thread does), `end` when it goes away or
// is closed, and callback versions of connect, disconnect, transmit and control on a second context.
// Behaviour measured against @pokusew/pcsclite 0.6 on the test rig: docs/node-pcsclite.md.

import { EventEmitter } from 'node:events';
import {
  ctlCode,
  isPcscError,
  Scard,
  type Card,
  type Context,
  type ReaderState,
  type TransmitOptions,
} from '../index.js';
import {
  disposition,
  protocolChoices,
  protocolNumber,
  READER_CONSTANTS,
  shareMode,
  type ReaderConstants,
} from './constants.js';
import { callError, callErrorMessage, NOT_CONNECTED, waitLost } from './messages.js';

/** What a `status` event carries: dwEventState whole (counter word included) and the ATR (empty without a card). */
export interface Status {
  state: number;
  atr?: Buffer;
}

/** reader.connect's options: SCARD_SHARE_* (default exclusive) and a SCARD_PROTOCOL_* mask (default T=0 | T=1). */
export interface ConnectOptions {
  share_mode?: number;
  protocol?: number;
}

export type Callback<T> = (err: Error | null | undefined, value: T) => void;

/** What a reader needs from its PCSCLite: contexts, and a call when it has ended. */
export interface ReaderHost {
  establish(): Promise<Context>;
  ended(reader: CardReader): void;
}

const RAW: TransmitOptions = { raw: true };
/** pcsc-lite's SCARD_PROTOCOL_ANY_OLD: "whatever the card uses", accepted as a send PCI. */
const PROTOCOL_ANY_OLD = 0x1000;

// The SCARD_* constants come from the interface of the same name below (declaration merging).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class CardReader extends EventEmitter {
  readonly name: string;
  /**
   * The state of the last `status` event; set after its listeners ran. Typed `number` as in
   * node-pcsclite's index.d.ts (so `reader.state ^ status.state` type-checks as there), but, as
   * there, not set before the first `status`: reading it then gives undefined.
   */
  declare state: number;
  connected = false;
  /** Resolves once the reader has ended (`end` emitted). */
  readonly ended: Promise<void>;
  private markEnded!: () => void;
  private readonly host: ReaderHost;
  private watcher: Context | null = null;
  private cardContext: Promise<Context> | null = null;
  private card: Card | null = null;
  private closing = false;
  private isEnded = false;
  private openError: unknown = undefined;
  private closedByApp = false;
  private gone = false;

  constructor(name: string, host: ReaderHost) {
    super();
    this.name = name;
    this.host = host;
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
  }

  /** SCARD_CTL_CODE(code): pcsc-lite's control code numbering (0x42000000 + code). */
  SCARD_CTL_CODE(code: number): number {
    return ctlCode(code);
  }

  /**
   * @internal Opens the context that waits on the reader's state. PCSCLite awaits it before
   * emitting `reader`: a reader it announces is on the daemon that listed it, and fails with it.
   */
  async open(): Promise<void> {
    try {
      this.watcher = await this.host.establish();
    } catch (e) {
      this.openError = e;
    }
  }

  /** @internal The reader left pcscd's list: ends it, and its card connection with it. */
  removed(): void {
    this.gone = true;
    this.close();
  }

  /** @internal Starts waiting on the reader's state; PCSCLite calls it before emitting `reader`. */
  start(): void {
    // Errors a listener throws (an `error` event nobody listens to) end the process, as with node-pcsclite.
    void this.watch();
  }

  private async watch(): Promise<void> {
    let current = 0;
    for (;;) {
      let state: ReaderState | undefined;
      try {
        if (this.openError !== undefined) throw this.openError;
        this.watcher ??= await this.host.establish();
        if (this.closing) break;
        [state] = await this.watcher.getStatusChange([{ reader: this.name, currentState: current }]);
      } catch (e) {
        // Cancelled by close(), or the reader is gone: node-pcsclite ends without an error then.
        const gone = isPcscError(e, Scard.E_UNKNOWN_READER) || isPcscError(e, Scard.E_NO_READERS_AVAILABLE);
        if (this.closing || gone) break;
        this.end(callError('SCardGetStatusChange', this.openError === undefined ? waitLost(e) : e));
        return;
      }
      if (this.closing || !state) break;
      // Outside the try: what a listener throws is the app's own error (it ends the process, as
      // with node-pcsclite), never a reader error.
      if (state.eventState !== current) {
        const status: Status = { state: state.eventState, atr: state.atr };
        this.emit('status', status);
        this.state = state.eventState;
      }
      current = state.eventState;
    }
    this.end();
  }

  private end(error?: Error): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.closing = true;
    this.release(!this.closedByApp);
    try {
      if (error) this.emit('error', error);
    } finally {
      this.removeAllListeners('status');
      this.host.ended(this);
      this.markEnded();
      this.emit('end');
    }
  }

  /**
   * Closes the watching context and, when the reader or pcscd is gone, the card's too. After the
   * app's own close() the card connection stays usable, as node-pcsclite's handle does (an idle
   * context never keeps the process alive).
   */
  private release(card: boolean): void {
    void this.watcher?.release().catch(() => undefined);
    this.watcher = null;
    if (!card) return;
    const cardContext = this.cardContext;
    this.cardContext = null;
    this.card = null;
    this.connected = false;
    void cardContext?.then((c) => c.release()).catch(() => undefined);
  }

  /** Stops watching the reader (`end` follows); a card connection stays until disconnect(). */
  close(): number {
    if (this.closing) return 0;
    this.closedByApp = !this.gone;
    this.closing = true;
    // Before the watcher exists, watch() sees `closing` once it has its context and ends.
    if (this.watcher) void this.watcher.cancel().catch(() => undefined);
    return 0;
  }

  private context(): Promise<Context> {
    this.cardContext ??= this.host.establish();
    const c = this.cardContext;
    // A context that could not be established is not kept: the next connect tries again.
    c.catch(() => {
      if (this.cardContext === c) this.cardContext = null;
    });
    return c;
  }

  connect(options: ConnectOptions | Callback<number> | undefined, cb?: Callback<number>): void {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    const opts = options ?? {};
    const share = opts.share_mode || READER_CONSTANTS.SCARD_SHARE_EXCLUSIVE;
    const mask = opts.protocol ?? READER_CONSTANTS.SCARD_PROTOCOL_T0 | READER_CONSTANTS.SCARD_PROTOCOL_T1;
    if (!Number.isInteger(share) || share < 0) throw new Error('First argument must be an integer');
    if (!Number.isInteger(mask) || mask < 0) throw new Error('Second argument must be an integer');
    if (typeof cb !== 'function') throw new Error('Third argument must be a callback function');
    const done = cb;
    if (this.connected) {
      (done as () => void)();
      return;
    }
    const mode = shareMode(share);
    const protocols = protocolChoices(mask);
    if (!mode || !protocols) {
      const err = new Error(callErrorMessage('SCardConnect', Scard.E_INVALID_VALUE));
      process.nextTick(() => done(err, undefined as unknown as number));
      return;
    }
    this.context()
      .then((ctx) => ctx.connect(this.name, { share: mode, protocols }))
      .then(
        (card) => {
          this.card = card;
          this.connected = true;
          done(null, protocolNumber(card.protocol));
        },
        (e: unknown) => done(callError('SCardConnect', e), undefined as unknown as number),
      );
  }

  disconnect(dispositionOrCb: number | Callback<void> | undefined, cb?: Callback<void>): void {
    let d = dispositionOrCb;
    if (typeof d === 'function') {
      cb = d;
      d = undefined;
    }
    const how = typeof d === 'number' ? d : READER_CONSTANTS.SCARD_UNPOWER_CARD;
    if (typeof cb !== 'function') throw new Error('Second argument must be a callback function');
    const done = cb;
    const card = this.card;
    if (!this.connected || !card) {
      done(undefined, undefined);
      return;
    }
    const name = disposition(how);
    if (!name) {
      const err = new Error(callErrorMessage('SCardDisconnect', Scard.E_INVALID_VALUE));
      process.nextTick(() => done(err, undefined));
      return;
    }
    card.disconnect(name).then(
      () => {
        if (this.card === card) {
          this.card = null;
          this.connected = false;
        }
        done(null, undefined);
      },
      (e: unknown) => done(callError('SCardDisconnect', e), undefined),
    );
  }

  transmit(data: Buffer, resLen: number, protocol: number, cb: Callback<Buffer>): void {
    if (!this.connected || !this.card) {
      cb(new Error(NOT_CONNECTED), undefined as unknown as Buffer);
      return;
    }
    if (!Buffer.isBuffer(data)) throw new Error('First argument must be a Buffer');
    if (!Number.isInteger(resLen) || resLen < 0) throw new Error('Second argument must be an integer');
    if (!Number.isInteger(protocol) || protocol < 0) throw new Error('Third argument must be an integer');
    if (typeof cb !== 'function') throw new Error('Fourth argument must be a callback function');
    // pcscd refuses a send PCI whose protocol is not the card's (RAW and ANY_OLD aside); the
    // library always sends with the card's own, so the check is made here.
    const own = protocolNumber(this.card.protocol);
    if (protocol !== own && protocol !== READER_CONSTANTS.SCARD_PROTOCOL_RAW && protocol !== PROTOCOL_ANY_OLD) {
      const err = new Error(callErrorMessage('SCardTransmit', Scard.E_PROTO_MISMATCH));
      process.nextTick(() => cb(err, undefined as unknown as Buffer));
      return;
    }
    // node-pcsclite's transmit is raw: the card's answer as it came (no 61xx/6Cxx follow-up).
    this.card.transmit(data, { ...RAW, maxResponse: resLen }).then(
      (r) => cb(null, r),
      (e: unknown) => cb(callError('SCardTransmit', e), undefined as unknown as Buffer),
    );
  }

  control(data: Buffer, controlCode: number, resLen: number, cb: Callback<Buffer>): void {
    if (!this.connected || !this.card) {
      cb(new Error(NOT_CONNECTED), undefined as unknown as Buffer);
      return;
    }
    if (!Buffer.isBuffer(data)) throw new Error('First argument must be a Buffer');
    if (!Number.isInteger(controlCode) || controlCode < 0) throw new Error('Second argument must be an integer');
    if (!Number.isInteger(resLen) || resLen < 0) throw new Error('Third argument must be a Buffer');
    if (typeof cb !== 'function') throw new Error('Fourth argument must be a callback function');
    this.card.control(controlCode, data, { maxResponse: resLen }).then(
      (r) => cb(null, r),
      (e: unknown) => cb(callError('SCardControl', e), undefined as unknown as Buffer),
    );
  }
}

// The constants live on the prototype, as node-pcsclite's native class has them.
Object.assign(CardReader.prototype, READER_CONSTANTS);
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface CardReader extends ReaderConstants {}
