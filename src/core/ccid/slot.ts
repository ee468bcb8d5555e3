// One CCID slot: card presence, activation with voltage selection (ISO 7816-3 §6.2.4), the
// ATR, protocol and parameter selection (PPS, SetParameters, T=1 IFSD) and the exchange engine.

import { PcscError, Scard } from '../errors.js';
import { parseAtrParams, type AtrParams } from '../card/atr-params.js';
import {
  extendedApdu,
  shortApdu,
  t0Character,
  t0Tpdu,
  t1Link,
  t1Tpdu,
  transferError,
  xfr,
  type Exchange,
} from './exchange.js';
import {
  encodeProtocolData,
  getParameters,
  getSlotStatus,
  powerOff,
  powerOn,
  SlotError,
  setParameters,
  type IccStatus,
  type ReplyMessage,
  type VoltageName,
} from './messages.js';
import { cardWaitMs, ppsConfirmed, ppsRequest, protocolData, usableFidi } from './params.js';
import { DEFAULT_REPLY_MS, type CcidReader, type CommandOptions } from './reader.js';
import { T1Protocol } from './t1.js';

export type SlotProtocol = 'T=0' | 'T=1';

export interface PowerOptions {
  /** Force one voltage; default: the reader chooses (automatic voltage) or ISO order 1.8 V → 3 V → 5 V. */
  voltage?: VoltageName;
  signal?: AbortSignal | undefined;
}

export class CcidSlot {
  readonly reader: CcidReader;
  readonly index: number;
  /** The ATR of the current activation; empty when the card is not powered. */
  atr: Buffer = Buffer.alloc(0);
  atrParams: AtrParams | undefined;
  private atrError: Error | undefined;
  protocol: SlotProtocol | null = null;
  voltage: VoltageName | undefined;
  /** Fi/Di in force after PPS. */
  fidi = 0x11;
  private engine: Exchange | undefined;
  private waitMs = DEFAULT_REPLY_MS;

  constructor(reader: CcidReader, index: number) {
    this.reader = reader;
    this.index = index;
  }

  async status(opts: CommandOptions = {}): Promise<IccStatus> {
    const r = await this.reader.command((seq) => getSlotStatus(this.index, seq), { timeoutMs: 2000, ...opts });
    if (r.status.command === 'failed' && r.status.error !== SlotError.ICC_MUTE) throw transferError(r, 'GetSlotStatus');
    if (r.status.icc !== 'active') this.forget();
    return r.status.icc;
  }

  private forget(): void {
    this.atr = Buffer.alloc(0);
    this.atrParams = undefined;
    this.atrError = undefined;
    this.protocol = null;
    this.engine = undefined;
  }

  /** Activates the card (a warm reset when it is already active) and returns its ATR. */
  async powerUp(opts: PowerOptions = {}): Promise<Buffer> {
    this.forget();
    const d = this.reader.descriptor;
    const order: VoltageName[] = opts.voltage
      ? [opts.voltage]
      : d.autoVoltage || d.voltages.length === 0
        ? ['auto']
        : (['1.8V', '3V', '5V'] as const).filter((v) => d.voltages.includes(v));
    let last: ReplyMessage | undefined;
    for (const v of order) {
      const r = await this.reader.command((seq) => powerOn(this.index, seq, v), {
        timeoutMs: DEFAULT_REPLY_MS * 2,
        signal: opts.signal,
      });
      last = r;
      if (r.status.icc === 'absent') throw new PcscError(Scard.E_NO_SMARTCARD, 'no card in the reader');
      if (r.status.command === 'ok' && r.data.length > 0) {
        this.atr = r.data;
        this.voltage = v;
        // A malformed ATR is still shown (scan prints it); only connecting needs it parsed.
        try {
          this.atrParams = parseAtrParams(this.atr);
        } catch (e) {
          this.atrError = e as Error;
        }
        return this.atr;
      }
      // Wrong class or mute at this voltage: deactivate before trying the next one (ISO 7816-3 §6.2.4).
      await this.reader.command((seq) => powerOff(this.index, seq), { timeoutMs: 2000 }).catch(() => undefined);
    }
    if (last && last.status.command === 'failed' && last.status.error !== SlotError.ICC_MUTE)
      throw transferError(last, 'IccPowerOn');
    throw new PcscError(Scard.W_UNRESPONSIVE_CARD, 'the card does not answer to reset (no ATR)');
  }

  async powerDown(): Promise<void> {
    this.forget();
    const r = await this.reader.command((seq) => powerOff(this.index, seq), { timeoutMs: 2000 });
    if (r.status.command === 'failed') throw transferError(r, 'IccPowerOff');
  }

  /**
   * Chooses the protocol among `accepted` (bit 0 T=0, bit 1 T=1) as pcscd does: the card's
   * specific mode when TA2 is present, else its first offered protocol when accepted, else
   * another offered one through PPS. Sets the reader's parameters and builds the exchange.
   */
  async selectProtocol(accepted: number, opts: CommandOptions = {}): Promise<SlotProtocol> {
    const atr = this.atrParams;
    if (!atr) throw this.atrError ?? new PcscError(Scard.W_UNPOWERED_CARD, 'the card is not powered');
    const d = this.reader.descriptor;
    const readerProtos = d.protocols & 0x3;
    const offered = atr.protocols.filter((p) => p <= 1 && (readerProtos >> p) & 1 && (accepted >> p) & 1) as (0 | 1)[];
    let proto: 0 | 1 | undefined;
    if (atr.specific) {
      const p = atr.specific.protocol;
      if (p > 1 || !((accepted >> p) & 1))
        throw new PcscError(Scard.E_PROTO_MISMATCH, `the card is in specific mode T=${p}, which was not accepted`);
      if (!((readerProtos >> p) & 1))
        throw new PcscError(
          Scard.E_PROTO_MISMATCH,
          `the card is in specific mode T=${p}, which the reader does not support`,
        );
      proto = p as 0 | 1;
    } else {
      proto = offered.includes(atr.firstProtocol as 0 | 1) ? (atr.firstProtocol as 0 | 1) : offered[0];
    }
    if (proto === undefined) {
      throw new PcscError(
        Scard.E_PROTO_MISMATCH,
        `the card offers ${atr.protocols.map((p) => `T=${p}`).join(', ')}, the reader ${readerProtos & 1 ? 'T=0' : ''}${readerProtos === 3 ? ', ' : ''}${readerProtos & 2 ? 'T=1' : ''}`,
      );
    }

    // Fi/Di: a negotiable card needs PPS unless the reader does it; specific mode uses TA1 as is.
    let fidi = 0x11;
    const wanted = usableFidi(atr, d);
    if (atr.specific) fidi = atr.specific.implicitFidi ? 0x11 : atr.fidi;
    else if (d.autoPps) fidi = wanted;
    else if (
      (wanted !== 0x11 || proto !== atr.firstProtocol) &&
      (d.exchangeLevel === 'tpdu' || d.exchangeLevel === 'character')
    ) {
      const req = ppsRequest(proto, wanted);
      const r = await xfr(this.reader, this.index, req, { timeoutMs: 2000, ...opts }).catch(() => undefined);
      const ok = r ? ppsConfirmed(req, r.data) : undefined;
      if (ok === undefined && proto !== atr.firstProtocol) {
        throw new PcscError(Scard.E_PROTO_MISMATCH, `the card refused PPS for T=${proto}`);
      }
      fidi = ok ?? 0x11;
    }
    this.fidi = fidi;

    if (!(d.autoParameters && proto === atr.firstProtocol && fidi === wanted)) {
      const data = encodeProtocolData(protocolData(proto, atr, fidi, atr.ifsc));
      const r = await this.reader.command((seq) => setParameters(this.index, seq, proto, data), {
        timeoutMs: 2000,
        ...opts,
      });
      if (r.status.command === 'failed' && r.status.error !== SlotError.CMD_NOT_SUPPORTED)
        throw transferError(r, 'SetParameters');
    }
    this.waitMs = Math.max(DEFAULT_REPLY_MS, 2 * cardWaitMs(proto, atr, fidi, d.defaultClockKHz));
    this.engine = await this.buildEngine(proto, atr, opts);
    this.protocol = proto === 0 ? 'T=0' : 'T=1';
    return this.protocol;
  }

  private async buildEngine(proto: 0 | 1, atr: AtrParams, opts: CommandOptions): Promise<Exchange> {
    const d = this.reader.descriptor;
    switch (d.exchangeLevel) {
      case 'short-apdu':
        return shortApdu(this.reader, this.index);
      case 'extended-apdu':
        return extendedApdu(this.reader, this.index);
      case 'character':
        if (proto === 1)
          throw new PcscError(Scard.E_PROTO_MISMATCH, 'T=1 on a character-level reader is not supported');
        return t0Character(this.reader, this.index);
      case 'tpdu': {
        if (proto === 0) return t0Tpdu(this.reader, this.index);
        const ref = { current: opts };
        const t1 = new T1Protocol(
          t1Link(this.reader, this.index, () => ref.current),
          {
            ifsc: atr.ifsc,
            ifsd: Math.min(254, d.maxIFSD || 254),
            edc: atr.crc ? 'crc' : 'lrc',
          },
        );
        if (!d.autoIfsd) await t1.negotiateIfsd();
        return t1Tpdu(t1, ref);
      }
    }
  }

  /** The reader's current protocol parameters (GetParameters), for diagnostics. */
  async parameters(): Promise<ReplyMessage> {
    return this.reader.command((seq) => getParameters(this.index, seq), { timeoutMs: 2000 });
  }

  async transmit(apdu: Uint8Array, opts: CommandOptions = {}): Promise<Buffer> {
    if (!this.engine)
      throw new PcscError(Scard.W_UNPOWERED_CARD, 'the card is not powered, or no protocol was selected');
    return this.engine(apdu, { timeoutMs: opts.timeoutMs ?? this.waitMs, signal: opts.signal });
  }
}
