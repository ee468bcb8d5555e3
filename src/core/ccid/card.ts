// A card handle on the USB backend: transmit through the slot's exchange engine, Escape as
// SCardControl, reader attributes, in-process transactions, reconnect and disconnect.

import { PcscError, Scard } from '../errors.js';
import { Attr, CM_IOCTL_GET_FEATURE_REQUEST, ctlCode, protocolMask } from '../scard/constants.js';
import { cardStateNames } from '../scard/types.js';
import { transmitFollowing } from '../card/t0.js';
import { runTransaction } from '../scard/transaction.js';
import type {
  Card,
  CardProtocol,
  CardStatus,
  Disposition,
  ReconnectOptions,
  ShareMode,
  TransmitOptions,
  WaitOptions,
} from '../scard/types.js';
import type { UsbContext } from './context.js';
import { escape as escapeCmd } from './messages.js';
import { transferError } from './exchange.js';
import type { SlotState } from './slot-state.js';

/** libccid's IOCTL_SMARTCARD_VENDOR_IFD_EXCHANGE: SCardControl data goes to the reader as PC_to_RDR_Escape. */
export const IOCTL_VENDOR_IFD_EXCHANGE = ctlCode(1);

export class UsbCard implements Card {
  readonly reader: string;
  private readonly ctx: UsbContext;
  private readonly state: SlotState;
  private shareMode: ShareMode;
  private counter: number;
  private resets: number;
  private gone = false;

  constructor(ctx: UsbContext, state: SlotState, reader: string, share: ShareMode) {
    this.ctx = ctx;
    this.state = state;
    this.reader = reader;
    this.shareMode = share;
    this.counter = state.eventCounter;
    this.resets = state.resets;
  }

  get share(): ShareMode {
    return this.shareMode;
  }

  get protocol(): CardProtocol | null {
    return this.state.slot.protocol;
  }

  /** The card this handle was made for is still there, unreset by another handle. */
  private valid(): void {
    if (this.gone) throw new PcscError(Scard.E_INVALID_HANDLE, 'card handle already disconnected');
    const r = this.state.slot.reader.gone;
    if (r) throw new PcscError(Scard.E_READER_UNAVAILABLE, `"${this.reader}" was unplugged`);
    if (this.state.eventCounter !== this.counter) throw new PcscError(Scard.W_REMOVED_CARD, 'the card was removed');
    if (this.state.resets !== this.resets)
      throw new PcscError(Scard.W_RESET_CARD, 'the card was reset by another handle');
  }

  transmit(apdu: Uint8Array, opts: TransmitOptions = {}): Promise<Buffer> {
    return transmitFollowing((a) => this.transmitOnce(a, opts), apdu, opts.raw);
  }

  /** One exchange with the card: its answer as is. */
  private async transmitOnce(apdu: Uint8Array, opts: TransmitOptions): Promise<Buffer> {
    this.valid();
    if (apdu.length === 0) throw new PcscError(Scard.E_INVALID_PARAMETER, 'empty APDU');
    if (this.shareMode === 'direct' && !this.state.slot.protocol)
      throw new PcscError(Scard.E_PROTO_MISMATCH, 'no active protocol (direct connection)');
    const owner = this.state.txOwner;
    if (owner && owner !== this)
      await this.state.lock(this, { timeout: opts.timeout, signal: opts.signal }).then(() => this.state.unlock(this));
    try {
      const r = await this.state.slot.transmit(apdu, { timeoutMs: opts.timeout, signal: opts.signal });
      if (opts.maxResponse !== undefined && r.length > opts.maxResponse) {
        throw new PcscError(Scard.E_INSUFFICIENT_BUFFER, `response needs ${r.length} bytes`);
      }
      return r;
    } catch (e) {
      if (e instanceof PcscError && e.code === Scard.W_REMOVED_CARD)
        await this.ctx.refreshSlot(this.state).catch(() => undefined);
      throw e;
    }
  }

  async control(code: number, data: Uint8Array = new Uint8Array(0), opts: TransmitOptions = {}): Promise<Buffer> {
    if (this.gone) throw new PcscError(Scard.E_INVALID_HANDLE, 'card handle already disconnected');
    const c = code >>> 0;
    // No PIN pad or other PC/SC v2 part 10 features are offered: an empty TLV list.
    if (c === CM_IOCTL_GET_FEATURE_REQUEST) return Buffer.alloc(0);
    if (c !== IOCTL_VENDOR_IFD_EXCHANGE)
      throw new PcscError(Scard.E_UNSUPPORTED_FEATURE, `control code 0x${c.toString(16).toUpperCase()}`);
    const s = this.state.slot;
    const r = await s.reader.command((seq) => escapeCmd(s.index, seq, data), {
      timeoutMs: opts.timeout,
      signal: opts.signal,
    });
    if (r.status.command === 'failed') throw transferError(r, 'Escape');
    return r.data;
  }

  async status(): Promise<CardStatus> {
    this.valid();
    await this.ctx.refreshSlot(this.state);
    this.valid();
    const snap = this.state.snapshot();
    return {
      reader: this.reader,
      state: cardStateNames(snap.readerState),
      eventCount: snap.eventCounter,
      protocol: this.protocol,
      atr: snap.atr,
    };
  }

  async getAttribute(id: number): Promise<Buffer> {
    if (this.gone) throw new PcscError(Scard.E_INVALID_HANDLE, 'card handle already disconnected');
    const s = this.state.slot;
    const info = s.reader.transport.info;
    const d = s.reader.descriptor;
    const u32 = (v: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v >>> 0);
      return b;
    };
    const str = (v: string | undefined): Buffer => Buffer.from(`${v ?? ''}\0`, 'latin1');
    switch (id >>> 0) {
      case Attr.ATR_STRING:
        return Buffer.from(s.atr);
      case Attr.VENDOR_NAME:
        return str(info.manufacturer);
      case Attr.VENDOR_IFD_TYPE:
        return str(info.product);
      case Attr.VENDOR_IFD_SERIAL_NO:
        return str(info.serial);
      case Attr.VENDOR_IFD_VERSION: {
        const [a, b, c] = info.deviceVersion.split('.').map(Number);
        return u32(((a ?? 0) << 24) | ((b ?? 0) << 16) | (c ?? 0));
      }
      case Attr.CHANNEL_ID:
        return u32((0x0020 << 16) | ((info.busNumber & 0xff) << 8) | (info.address & 0xff));
      case Attr.MAXINPUT:
        return u32(Math.max(0, d.maxMessageLength - 10));
      case Attr.DEFAULT_CLK:
        return u32(d.defaultClockKHz);
      case Attr.MAX_CLK:
        return u32(d.maximumClockKHz);
      case Attr.DEFAULT_DATA_RATE:
        return u32(d.dataRate);
      case Attr.MAX_DATA_RATE:
        return u32(d.maxDataRate);
      case Attr.MAX_IFSD:
        return u32(d.maxIFSD);
      case Attr.ASYNC_PROTOCOL_TYPES:
        return u32(d.protocols);
      case Attr.CURRENT_PROTOCOL_TYPE:
        return u32(s.protocol === 'T=0' ? 1 : s.protocol === 'T=1' ? 2 : 0);
      case Attr.ICC_PRESENCE:
        return Buffer.from([this.state.present ? 2 : 0]);
      case Attr.ICC_INTERFACE_STATUS:
        return Buffer.from([s.atr.length > 0 ? 1 : 0]);
      case Attr.DEVICE_FRIENDLY_NAME:
        return str(this.reader);
      case Attr.DEVICE_SYSTEM_NAME:
        return str(info.node);
      default:
        throw new PcscError(
          Scard.E_UNSUPPORTED_FEATURE,
          `attribute 0x${(id >>> 0).toString(16).toUpperCase().padStart(8, '0')}`,
        );
    }
  }

  async setAttribute(id: number, _value: Uint8Array): Promise<void> {
    throw new PcscError(
      Scard.E_UNSUPPORTED_FEATURE,
      `setting attribute 0x${(id >>> 0).toString(16).toUpperCase().padStart(8, '0')}`,
    );
  }

  async beginTransaction(opts: WaitOptions = {}): Promise<void> {
    this.valid();
    await this.state.lock(this, opts);
  }

  async endTransaction(disposition: Disposition = 'leave'): Promise<void> {
    if (this.gone) throw new PcscError(Scard.E_INVALID_HANDLE, 'card handle already disconnected');
    if (this.state.txOwner !== this)
      throw new PcscError(Scard.E_NOT_TRANSACTED, 'no transaction is open on this handle');
    try {
      await this.dispose(disposition);
    } finally {
      this.state.unlock(this);
    }
  }

  transaction<T>(fn: (card: Card) => Promise<T>, opts: WaitOptions & { disposition?: Disposition } = {}): Promise<T> {
    return runTransaction(this, fn, opts);
  }

  /** Carries out a disposition on the card: a reset or power-off is seen by the other handles. */
  private async dispose(d: Disposition): Promise<void> {
    const s = this.state.slot;
    if (d === 'leave' || !this.state.present) return;
    if (d === 'reset') await s.powerUp();
    else await s.powerDown();
    this.state.resets++;
    this.resets = this.state.resets;
  }

  async reconnect(opts: ReconnectOptions = {}): Promise<CardProtocol | null> {
    if (this.gone) throw new PcscError(Scard.E_INVALID_HANDLE, 'card handle already disconnected');
    const s = this.state;
    await this.ctx.refreshSlot(s);
    if (!s.present) throw new PcscError(Scard.E_NO_SMARTCARD, `no card in "${this.reader}"`);
    const share = opts.share ?? this.shareMode;
    const others = s.sharing === -1 ? 0 : s.sharing - 1;
    if (share === 'exclusive' && others > 0)
      throw new PcscError(Scard.E_SHARING_VIOLATION, 'other handles use the card');
    const init = opts.initialization ?? 'leave';
    if (init !== 'leave' || s.slot.atr.length === 0) {
      await s.slot.powerUp({ signal: opts.signal });
      s.resets++;
    }
    const wanted = protocolMask(opts.protocols ?? ['T=0', 'T=1']);
    if (!s.slot.protocol && (share !== 'direct' || wanted !== 0))
      await s.slot.selectProtocol(wanted, { signal: opts.signal });
    this.counter = s.eventCounter;
    this.resets = s.resets;
    s.sharing = share === 'exclusive' ? -1 : others + 1;
    this.shareMode = share;
    return this.protocol;
  }

  async disconnect(disposition: Disposition = 'leave'): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    this.state.unlock(this);
    this.state.sharing = this.state.sharing === -1 ? 0 : Math.max(0, this.state.sharing - 1);
    if (disposition !== 'leave' && !this.state.slot.reader.gone) await this.dispose(disposition).catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.disconnect().catch(() => undefined);
  }
}
