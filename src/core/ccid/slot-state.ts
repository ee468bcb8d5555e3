// What the USB backend knows about one opened slot between calls: presence, ATR, the card event
// counter (insertions + removals) and in-process sharing, as pcscd keeps them per reader.

import { PcscError, Scard } from '../errors.js';
import type { ReaderSnapshot } from '../scard/evaluate.js';
import { CardState } from '../scard/types.js';
import type { CcidSlot } from './slot.js';

export class SlotState {
  readonly name: string;
  readonly slot: CcidSlot;
  present = false;
  mute = false;
  eventCounter = 0;
  /** Bumped when one handle resets the card, so the other handles learn it (W_RESET_CARD). */
  resets = 0;
  /** -1 exclusive, 0 unused, n shared handles. */
  sharing = 0;
  /** The card handle holding a transaction, and who waits for it. */
  txOwner: object | undefined;
  /** The refresh in progress (UsbContext runs one at a time per slot). */
  refreshing: Promise<unknown> = Promise.resolve();
  private txWaiters: (() => void)[] = [];

  constructor(name: string, slot: CcidSlot) {
    this.name = name;
    this.slot = slot;
  }

  snapshot(): ReaderSnapshot {
    let rs: number;
    if (!this.present) rs = CardState.ABSENT;
    else if (this.mute) rs = CardState.PRESENT | CardState.SWALLOWED;
    else if (this.slot.atr.length === 0) rs = CardState.PRESENT;
    else rs = CardState.PRESENT | CardState.POWERED | (this.slot.protocol ? CardState.SPECIFIC : CardState.NEGOTIABLE);
    return {
      name: this.name,
      eventCounter: this.eventCounter & 0xffff,
      readerState: rs,
      sharing: this.sharing,
      atr: this.present ? this.slot.atr : Buffer.alloc(0),
    };
  }

  private known = false;

  /**
   * Updates presence from a GetSlotStatus; each insertion and each removal counts one event,
   * but not the card found at the first look (pcscd starts its counter at 0 the same way).
   */
  update(present: boolean): boolean {
    if (!this.known) {
      this.known = true;
      this.present = present;
      return false;
    }
    if (present === this.present) return false;
    this.eventCounter++;
    this.present = present;
    return true;
  }

  /** Waits until no other handle holds a transaction, then takes it for `owner`. */
  async lock(owner: object, opts: { timeout?: number | undefined; signal?: AbortSignal | undefined }): Promise<void> {
    const deadline = Date.now() + (opts.timeout ?? 60_000);
    while (this.txOwner && this.txOwner !== owner) {
      if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'cancelled while waiting for a transaction');
      const left = deadline - Date.now();
      if (left <= 0) throw new PcscError(Scard.E_SHARING_VIOLATION, 'another handle holds a transaction on this card');
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 100));
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.txWaiters.push(done);
      });
    }
    this.txOwner = owner;
  }

  unlock(owner: object): boolean {
    if (this.txOwner !== owner) return false;
    this.txOwner = undefined;
    const w = this.txWaiters;
    this.txWaiters = [];
    for (const f of w) f();
    return true;
  }
}
