// A card handle on pcscd (docs/protocol.md#structs, docs/protocol.md#calls): transmit, control, status, attributes,
// transactions, reconnect and disconnect, with libpcsclite's 100 ms sharing-violation retries.

import { PcscError, ProtocolError, Scard } from '../errors.js';
import { DispositionCode, Protocol, Share, protocolMask, protocolName, protocolValue } from '../scard/constants.js';
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
import { LOCK_POLL_MS, MAX_BUFFER_SIZE, MAX_BUFFER_SIZE_EXTENDED, Size } from './codes.js';
import type { PcscdContext } from './context.js';
import { decodeAttrib, encodeGetAttrib, encodeSetAttrib } from './messages/attrib.js';
import { decodeControl, encodeControl } from './messages/control.js';
import {
  decodeDisposition,
  decodeHandle,
  decodeReconnect,
  encodeBeginTransaction,
  encodeDisconnect,
  encodeEndTransaction,
  encodeReconnect,
  encodeStatus,
} from './messages/simple.js';
import { decodeTransmit, encodeTransmit, transmitDataLength } from './messages/transmit.js';
import { getU32 } from './messages/wire.js';

/** libpcsclite sends sizeof(SCARD_IO_REQUEST) on LP64; the daemon does not check it. */
const PCI_LENGTH = 16;
/** Default bound on a card's answer: on-card key generation can take a minute. */
const CARD_TIMEOUT_MS = 120_000;
/** Default bound on waiting for another process's transaction or exclusive hold to end. */
const LOCK_TIMEOUT_MS = 60_000;

export class PcscdCard implements Card {
  readonly reader: string;
  private readonly ctx: PcscdContext;
  private readonly hCard: number;
  private shareMode: ShareMode;
  private active: CardProtocol | null;
  private gone = false;

  constructor(ctx: PcscdContext, hCard: number, reader: string, share: ShareMode, activeProtocol: number) {
    this.ctx = ctx;
    this.hCard = hCard;
    this.reader = reader;
    this.shareMode = share;
    this.active = protocolName(activeProtocol);
  }

  get share(): ShareMode {
    return this.shareMode;
  }

  get protocol(): CardProtocol | null {
    return this.active;
  }

  get handle(): number {
    return this.hCard;
  }

  transmit(apdu: Uint8Array, opts: TransmitOptions = {}): Promise<Buffer> {
    return transmitFollowing((a) => this.transmitOnce(a, opts), apdu, opts.raw);
  }

  /** One SCARD_TRANSMIT: the card's answer as is. */
  private async transmitOnce(apdu: Uint8Array, opts: TransmitOptions): Promise<Buffer> {
    if (apdu.length === 0) throw new PcscError(Scard.E_INVALID_PARAMETER, 'empty APDU');
    if (apdu.length > MAX_BUFFER_SIZE_EXTENDED) {
      throw new PcscError(
        Scard.E_INSUFFICIENT_BUFFER,
        `APDU of ${apdu.length} bytes exceeds ${MAX_BUFFER_SIZE_EXTENDED}`,
      );
    }
    const proto = this.active;
    if (!proto) throw new PcscError(Scard.E_PROTO_MISMATCH, 'no active protocol (direct connection without a card?)');
    // Aborted already: nothing is sent, and the connection stays usable.
    if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'transmit aborted');
    // Daemons before 1.9.8 close the connection above 65548 and need at least 2.
    const capacity = Math.max(2, Math.min(opts.maxResponse ?? MAX_BUFFER_SIZE_EXTENDED, MAX_BUFFER_SIZE_EXTENDED));
    const req = encodeTransmit(
      {
        hCard: this.hCard,
        sendPciProtocol: protocolValue(proto),
        sendPciLength: PCI_LENGTH,
        recvPciProtocol: Protocol.ANY,
        recvPciLength: PCI_LENGTH,
        recvLength: capacity,
      },
      apdu,
    );
    const wait = { timeout: opts.timeout ?? CARD_TIMEOUT_MS, signal: opts.signal };
    // The hot path: one promise for struct and data, no object but the answer; the retry loop
    // only after a sharing violation.
    const more = (head: Buffer): number => transmitDataLength(head, capacity, this.hCard);
    const send = (): Promise<Buffer | Refusal> =>
      this.exchange((s) => s.callReply(req, Size.TRANSMIT, more, transmitAnswer, 'reply to SCARD_TRANSMIT', wait));
    const first = await send();
    if (Buffer.isBuffer(first)) return first;
    if (first.rv !== Scard.E_SHARING_VIOLATION) throw new PcscError(first.rv, first.detail);
    return this.retrying(opts, () => send().then((r) => (Buffer.isBuffer(r) ? { value: r } : r)));
  }

  async control(code: number, data: Uint8Array = new Uint8Array(0), opts: TransmitOptions = {}): Promise<Buffer> {
    if (data.length > MAX_BUFFER_SIZE_EXTENDED) {
      throw new PcscError(
        Scard.E_INSUFFICIENT_BUFFER,
        `control data of ${data.length} bytes exceeds ${MAX_BUFFER_SIZE_EXTENDED}`,
      );
    }
    if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'control aborted');
    const capacity = Math.min(opts.maxResponse ?? MAX_BUFFER_SIZE_EXTENDED, MAX_BUFFER_SIZE_EXTENDED);
    const req = encodeControl(this.hCard, code >>> 0, data, capacity);
    const timeout = opts.timeout ?? CARD_TIMEOUT_MS;
    const out = await this.exchange<Outcome<Buffer>>(async (s) => {
      const r = decodeControl(await s.call(req, Size.CONTROL, 'SCARD_CONTROL', { timeout, signal: opts.signal }));
      if (r.rv !== Scard.S_SUCCESS)
        return {
          rv: r.rv,
          detail:
            r.rv === Scard.E_INSUFFICIENT_BUFFER
              ? `answer needs ${r.bytesReturned} bytes`
              : `control 0x${(code >>> 0).toString(16).toUpperCase()}`,
        };
      if (r.bytesReturned > capacity)
        throw new ProtocolError(
          `CONTROL reply announces ${r.bytesReturned} bytes, more than the ${capacity} asked for`,
        );
      return { value: await s.readMore(r.bytesReturned, 'control answer') };
    });
    return unwrap(out);
  }

  async status(): Promise<CardStatus> {
    return this.retrying<CardStatus>({}, async () => {
      const entries = await this.ctx.fetchStates();
      const e = entries.find((x) => x.name === this.reader);
      if (!e) return { rv: Scard.E_READER_UNAVAILABLE, detail: `reader "${this.reader}" is gone` };
      const r = await this.exchange(async (s) =>
        decodeHandle(await s.call(encodeStatus(this.hCard), Size.STATUS, 'SCARD_STATUS', { timeout: s.quickTimeout })),
      );
      if (r.rv !== Scard.S_SUCCESS) return { rv: r.rv, detail: 'status' };
      return {
        value: {
          reader: this.reader,
          state: cardStateNames(e.readerState),
          eventCount: e.eventCounter & 0xffff,
          protocol: protocolName(e.protocol),
          atr: e.atr,
        },
      };
    });
  }

  async getAttribute(id: number): Promise<Buffer> {
    const r = unwrap(
      await this.exchange(async (s) => ({
        value: decodeAttrib(await s.call(encodeGetAttrib(this.hCard, id >>> 0), Size.GETSET, 'SCARD_GET_ATTRIB')),
      })),
    );
    if (r.rv !== Scard.S_SUCCESS)
      throw new PcscError(r.rv, `attribute 0x${(id >>> 0).toString(16).toUpperCase().padStart(8, '0')}`);
    if (r.attrLen > MAX_BUFFER_SIZE)
      throw new ProtocolError(`GET_ATTRIB reply announces ${r.attrLen} bytes (at most ${MAX_BUFFER_SIZE} fit)`);
    return r.value;
  }

  async setAttribute(id: number, value: Uint8Array): Promise<void> {
    if (value.length > MAX_BUFFER_SIZE)
      throw new PcscError(
        Scard.E_INSUFFICIENT_BUFFER,
        `attribute value of ${value.length} bytes exceeds ${MAX_BUFFER_SIZE}`,
      );
    const r = unwrap(
      await this.exchange(async (s) => ({
        value: decodeAttrib(
          await s.call(encodeSetAttrib(this.hCard, id >>> 0, value), Size.GETSET, 'SCARD_SET_ATTRIB'),
        ),
      })),
    );
    if (r.rv !== Scard.S_SUCCESS)
      throw new PcscError(r.rv, `setting attribute 0x${(id >>> 0).toString(16).toUpperCase().padStart(8, '0')}`);
  }

  async beginTransaction(opts: WaitOptions = {}): Promise<void> {
    await this.retrying({ timeout: opts.timeout ?? LOCK_TIMEOUT_MS, signal: opts.signal }, () =>
      this.exchange(async (s) => {
        const r = decodeHandle(await s.call(encodeBeginTransaction(this.hCard), Size.BEGIN, 'SCARD_BEGIN_TRANSACTION'));
        return r.rv === Scard.S_SUCCESS ? { value: undefined } : { rv: r.rv, detail: 'beginning a transaction' };
      }),
    );
  }

  async endTransaction(disposition: Disposition = 'leave'): Promise<void> {
    const r = unwrap(
      await this.exchange(async (s) => ({
        value: decodeDisposition(
          await s.call(
            encodeEndTransaction(this.hCard, DispositionCode[disposition]),
            Size.END,
            'SCARD_END_TRANSACTION',
          ),
        ),
      })),
    );
    if (r.rv !== Scard.S_SUCCESS) throw new PcscError(r.rv, 'ending the transaction');
  }

  transaction<T>(fn: (card: Card) => Promise<T>, opts: WaitOptions & { disposition?: Disposition } = {}): Promise<T> {
    return runTransaction(this, fn, opts);
  }

  async reconnect(opts: ReconnectOptions = {}): Promise<CardProtocol | null> {
    const share = opts.share ?? this.shareMode;
    const init = DispositionCode[opts.initialization ?? 'leave'];
    const req = encodeReconnect({
      hCard: this.hCard,
      shareMode: Share[share],
      preferredProtocols: protocolMask(opts.protocols ?? ['T=0', 'T=1']),
      initialization: init,
    });
    const r = await this.retrying({ timeout: LOCK_TIMEOUT_MS, signal: opts.signal }, () =>
      this.exchange<Outcome<ReturnType<typeof decodeReconnect>>>(async (s) => {
        const m = decodeReconnect(await s.call(req, Size.RECONNECT, 'SCARD_RECONNECT', { signal: opts.signal }));
        return m.rv === Scard.S_SUCCESS ? { value: m } : { rv: m.rv, detail: `reconnecting to "${this.reader}"` };
      }),
    );
    this.shareMode = share;
    this.active = protocolName(r.activeProtocol);
    return this.active;
  }

  async disconnect(disposition: Disposition = 'leave'): Promise<void> {
    if (this.gone) return;
    const r = unwrap(
      await this.exchange(async (s) => ({
        value: decodeDisposition(
          await s.call(encodeDisconnect(this.hCard, DispositionCode[disposition]), Size.DISCONNECT, 'SCARD_DISCONNECT'),
        ),
      })),
    );
    if (r.rv !== Scard.S_SUCCESS) throw new PcscError(r.rv, 'disconnecting');
    this.gone = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.ctx.session.conn.closed) await this.disconnect().catch(() => undefined);
  }

  /** One exchange on the context's connection; a handle already disconnected fails locally. */
  private exchange<T>(fn: (s: PcscdContext['session']) => Promise<T>): Promise<T> {
    if (this.gone) return Promise.reject(new PcscError(Scard.E_INVALID_HANDLE, 'card handle already disconnected'));
    return this.ctx.run(() => fn(this.ctx.session));
  }

  /** Repeats while another handle holds the card (SCARD_E_SHARING_VIOLATION), every 100 ms. */
  private async retrying<T>(
    opts: { timeout?: number; signal?: AbortSignal | undefined },
    attempt: () => Promise<Outcome<T>>,
  ): Promise<T> {
    const deadline = Date.now() + (opts.timeout ?? LOCK_TIMEOUT_MS);
    for (;;) {
      if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'aborted');
      const r = await attempt();
      if (!('rv' in r)) return r.value;
      if (r.rv !== Scard.E_SHARING_VIOLATION || Date.now() + LOCK_POLL_MS > deadline)
        throw new PcscError(r.rv, r.detail);
      if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, r.detail);
      await new Promise((res) => setTimeout(res, LOCK_POLL_MS));
    }
  }
}

type Outcome<T> = { value: T } | { rv: number; detail: string };

type Refusal = { rv: number; detail: string };

/** The R-APDU, or why the daemon refused (rv ≠ 0: no data follows the struct). */
function transmitAnswer(head: Buffer, tail: Buffer): Buffer | Refusal {
  if (tail.length > 0 || getU32(head, 28) === Scard.S_SUCCESS) return tail;
  const m = decodeTransmit(head);
  return {
    rv: m.rv,
    detail: m.rv === Scard.E_INSUFFICIENT_BUFFER ? `response needs ${m.recvLength} bytes` : 'transmit',
  };
}

function unwrap<T>(o: Outcome<T>): T {
  if ('rv' in o) throw new PcscError(o.rv, o.detail);
  return o.value;
}
