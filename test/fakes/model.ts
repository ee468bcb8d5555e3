// The fake daemon's world (docs/protocol.md#reader-states, docs/protocol.md#connections): reader slots,
// cards, card handles, transaction locks and the two event counters, with no socket code. The server in
// fake-pcscd.ts drives it.

import { readerState as entryStruct, pack } from './structs.js';
import { RV, type Behaviour } from './releases.js';

export interface FakeCard {
  atr: Uint8Array;
  /** The protocol the card negotiates: 1 (T=0) or 2 (T=1, default). */
  protocol?: number;
  /** Answer to one APDU (default: the scripted test card). */
  respond?: (apdu: Buffer) => Buffer | Promise<Buffer>;
  /** Power-up fails: readerState PRESENT|SWALLOWED, connect gives W_UNRESPONSIVE_CARD. */
  mute?: boolean;
}

export interface ControlAnswer {
  rv?: number;
  data?: Uint8Array;
}

export interface FakeReader {
  name: string;
  card?: FakeCard;
  /** SCardControl handler; default answers GET_FEATURE_REQUEST with no features, else UNSUPPORTED. */
  control?: (code: number, data: Buffer) => ControlAnswer;
  /**
   * Attributes the "driver" knows; ATR_STRING and the two DEVICE names are built in
   * (docs/protocol.md#getset_struct).
   */
  attributes?: Record<number, Uint8Array>;
  /** Attribute ids that SET_ATTRIB may write. */
  writable?: number[];
  /** Reader communication error: readerState SCARD_UNKNOWN. */
  failed?: boolean;
  /** Initial per-reader event counter (to test wrapping). */
  eventCounter?: number;
}

export const CardStateBits = {
  UNKNOWN: 0x01,
  ABSENT: 0x02,
  PRESENT: 0x04,
  SWALLOWED: 0x08,
  POWERED: 0x10,
  NEGOTIABLE: 0x20,
} as const;
const READER_NOT_INITIALIZED = 34;

export class Slot {
  reader: FakeReader | null = null;
  card: FakeCard | null = null;
  eventCounter = 0;
  /** Negotiated protocol; 0 until someone connects, and again after re-insertion. */
  protocol = 0;
  /** hCard holding the transaction lock, 0 if none. */
  lock = 0;
  attributes = new Map<number, Buffer>();

  get used(): boolean {
    return this.reader !== null;
  }

  get readerState(): number {
    if (!this.reader) return 0;
    if (this.reader.failed) return CardStateBits.UNKNOWN;
    if (!this.card) return CardStateBits.ABSENT;
    if (this.card.mute) return CardStateBits.PRESENT | CardStateBits.SWALLOWED;
    return CardStateBits.PRESENT | CardStateBits.POWERED | CardStateBits.NEGOTIABLE;
  }

  bump(): void {
    this.eventCounter = (this.eventCounter + 1) & 0xffff;
  }
}

export interface HandleRec {
  hCard: number;
  connId: number;
  hContext: number;
  slot: Slot;
  share: number;
  /** Pending event this handle has not been told about: REMOVED_CARD or RESET_CARD. */
  event: number;
}

export class World {
  readonly b: Behaviour;
  slots: Slot[];
  readonly handles = new Map<number, HandleRec>();
  /** Daemon-wide reader add/remove counter (docs/protocol.md#event-counters): starts at 1, never 0. */
  readerEvents = 1;
  /** Called on every change a registered client must hear about. */
  onChange: () => void = () => undefined;
  private readonly fixedSlots: number;

  constructor(b: Behaviour, slots: number) {
    this.b = b;
    this.fixedSlots = slots;
    this.slots = Array.from({ length: b.growingArray ? 2 : slots }, () => new Slot());
  }

  find(name: string): Slot | undefined {
    return this.slots.find((s) => s.reader?.name === name);
  }

  addReader(r: FakeReader): void {
    if (this.find(r.name)) throw new Error(`fake pcscd: reader "${r.name}" exists`);
    let slot = this.slots.find((s) => !s.used);
    if (!slot) {
      if (!this.b.growingArray) throw new Error(`fake pcscd: all ${this.fixedSlots} reader slots are used`);
      this.slots.push(new Slot(), new Slot());
      slot = this.slots[this.slots.length - 2] as Slot;
    }
    slot.reader = r;
    slot.card = r.card ?? null;
    slot.eventCounter = r.eventCounter ?? (r.card ? 1 : 0);
    slot.protocol = 0;
    slot.lock = 0;
    slot.attributes = new Map(Object.entries(r.attributes ?? {}).map(([k, v]) => [Number(k), Buffer.from(v)]));
    this.countReaderEvent();
    this.onChange();
  }

  removeReader(name: string): void {
    const slot = this.mustFind(name);
    for (const h of this.handles.values()) if (h.slot === slot) h.event = RV.REMOVED_CARD;
    // Handles keep the detached slot; a reader added later gets a fresh one in the same place.
    this.slots[this.slots.indexOf(slot)] = new Slot();
    slot.card = null;
    slot.lock = 0;
    this.countReaderEvent();
    this.onChange();
  }

  insertCard(name: string, card: FakeCard): void {
    const slot = this.mustFind(name);
    if (slot.card) this.removeCard(name);
    slot.card = card;
    slot.protocol = 0;
    slot.bump();
    this.onChange();
  }

  removeCard(name: string): void {
    const slot = this.mustFind(name);
    if (!slot.card) return;
    slot.card = null;
    slot.protocol = 0;
    slot.lock = 0;
    slot.bump();
    for (const h of this.handles.values()) if (h.slot === slot) h.event = RV.REMOVED_CARD;
    this.onChange();
  }

  /** -1 exclusive, else the number of handles (docs/protocol.md#reader_state). */
  sharing(slot: Slot): number {
    let n = 0;
    for (const h of this.handles.values()) {
      if (h.slot !== slot) continue;
      if (h.share === 1) return -1;
      n++;
    }
    return n;
  }

  /** A card reset by one handle: every other handle on the reader learns it on its next call. */
  resetBy(hCard: number, slot: Slot): void {
    for (const h of this.handles.values())
      if (h.slot === slot && h.hCard !== hCard && !h.event) h.event = RV.RESET_CARD;
    slot.protocol = slot.protocol && slot.card ? slot.protocol : 0;
  }

  /**
   * Drops a handle; a handle that held the lock resets the card for the others
   * (docs/protocol.md#partial-reads-errors-and-closing).
   */
  dropHandle(h: HandleRec, disposition: number): void {
    this.handles.delete(h.hCard);
    const heldLock = h.slot.lock === h.hCard;
    if (heldLock) h.slot.lock = 0;
    if (h.slot.card && (disposition === 1 || disposition === 2 || disposition === 3)) this.resetBy(h.hCard, h.slot);
    if (this.sharing(h.slot) === 0) h.slot.protocol = h.slot.card ? h.slot.protocol : 0;
  }

  entry(slot: Slot | null): Buffer {
    const s = entryStruct(this.b.nameSize);
    if (!slot) return pack(s, {});
    const card = slot.card;
    return pack(s, {
      readerName: slot.reader?.name ?? '',
      eventCounter: slot.eventCounter,
      readerState: slot.readerState,
      readerSharing: slot.used ? this.sharing(slot) : 0,
      cardAtr: card && !card.mute ? card.atr : Buffer.alloc(0),
      cardAtrLength: !slot.used ? READER_NOT_INITIALIZED : card && !card.mute ? card.atr.length : 0,
      cardProtocol: slot.protocol,
    });
  }

  private countReaderEvent(): void {
    this.readerEvents = this.readerEvents >= 32767 ? 1 : this.readerEvents + 1;
  }

  private mustFind(name: string): Slot {
    const s = this.find(name);
    if (!s) throw new Error(`fake pcscd: no reader "${name}"`);
    return s;
  }
}
