// The USB backend's PC/SC context: readers named as pcscd + libccid name them, status changes
// from the interrupt pipe (or polling), the PnP pseudo-reader from re-enumeration, connections.

import { PcscError, Scard } from '../errors.js';
import { evaluateReader } from '../scard/evaluate.js';
import { protocolMask } from '../scard/constants.js';
import type {
  Card,
  ConnectOptions,
  Context,
  ContextInfo,
  ReaderState,
  ReaderStateQuery,
  WaitOptions,
} from '../scard/types.js';
import { readerState, StateFlag } from '../scard/types.js';
import { UsbCard } from './card.js';
import { loadDrivers, nameReaders, type DriverEntry, type NamedSlot } from './names.js';
import { CcidReader } from './reader.js';
import { SlotState } from './slot-state.js';
import { CcidSlot } from './slot.js';
import type { CcidTransport, UsbCcidInterface } from './transport.js';

const PNP_NAME = '\\\\?PnP?\\Notification';
/** How often a wait re-reads slot status (readers without an interrupt pipe) and re-enumerates. */
const POLL_MS = 500;
const ENUM_MS = 1000;

/** The USB side the context needs; tests replace it with a simulated reader. */
export interface UsbIo {
  list(): Promise<UsbCcidInterface[]>;
  open(i: UsbCcidInterface): Promise<CcidTransport>;
  drivers(): DriverEntry[];
}

export interface UsbContextOptions {
  io?: UsbIo;
}

async function defaultIo(): Promise<UsbIo> {
  const t = await import('./transport.js');
  await t.loadUsb();
  let drivers: DriverEntry[] | undefined;
  const getDrivers = (): DriverEntry[] => (drivers ??= loadDrivers());
  // libccid's own bundle is the class driver: its VID:PID list names the vendor-class CCID readers too.
  const known = (): Set<number> => new Set(getDrivers().map((d) => ((d.vendorId << 16) | d.productId) >>> 0));
  return {
    list: () => t.listCcidInterfaces({ knownVendorReaders: known() }),
    open: (i) => t.openCcid(i),
    drivers: getDrivers,
  };
}

interface OpenReader {
  reader: CcidReader;
  slots: SlotState[];
}

export class UsbContext implements Context {
  readonly info: ContextInfo = { backend: 'usb' };
  private readonly io: UsbIo;
  private named: NamedSlot[] = [];
  private readonly open = new Map<string, OpenReader>();
  private readerEvents = 0;
  private enumerated = false;
  private released = false;
  private wakers = new Set<() => void>();
  private cancelled = false;

  private constructor(io: UsbIo) {
    this.io = io;
  }

  static async establish(opts: UsbContextOptions = {}): Promise<UsbContext> {
    return new UsbContext(opts.io ?? (await defaultIo()));
  }

  private check(): void {
    if (this.released) throw new PcscError(Scard.E_INVALID_HANDLE, 'context already released');
  }

  /** Re-enumerates; counts reader arrivals and departures for the PnP entry. */
  private async enumerate(): Promise<NamedSlot[]> {
    const named = nameReaders(await this.io.list(), this.io.drivers());
    const before = new Set(this.named.map((n) => n.name));
    const after = new Set(named.map((n) => n.name));
    if (this.enumerated && (before.size !== after.size || [...after].some((n) => !before.has(n)))) {
      this.readerEvents = (this.readerEvents + 1) & 0xffff;
    }
    this.enumerated = true;
    this.named = named;
    for (const [id, o] of this.open) {
      if (!named.some((n) => n.iface.id === id)) {
        this.open.delete(id);
        await o.reader.close().catch(() => undefined);
      }
    }
    return named;
  }

  async listReaders(): Promise<string[]> {
    this.check();
    return (await this.enumerate()).map((n) => n.name);
  }

  private wake(): void {
    for (const w of this.wakers) w();
  }

  /** Opens (claims) the interface behind a reader name, once, and learns each slot's state. */
  private async slotState(name: string): Promise<SlotState | undefined> {
    let n = this.named.find((x) => x.name === name);
    if (!n) n = (await this.enumerate()).find((x) => x.name === name);
    if (!n) return undefined;
    let o = this.open.get(n.iface.id);
    if (!o) {
      const transport = await this.io.open(n.iface);
      const reader = new CcidReader(transport, n.iface.descriptor);
      const names = this.named.filter((x) => x.iface.id === n.iface.id);
      const opened: OpenReader = {
        reader,
        slots: names.map((x) => new SlotState(x.name, new CcidSlot(reader, x.slot))),
      };
      this.open.set(n.iface.id, opened);
      for (const s of opened.slots) await this.refresh(s);
      reader.onNotification((note) => {
        if (note.type === 'slot-change') {
          note.slots.forEach((bits, i) => {
            const s = opened.slots[i];
            // A notification only prompts a fresh look, as pcscd polls on it: one queued before
            // we opened (QEMU keeps the one from boot) must not count as a card swap.
            if (s && (bits.changed || bits.present !== s.present))
              void this.refresh(s).then(
                () => this.wake(),
                () => this.wake(),
              );
          });
        } else {
          this.wake();
        }
      });
      o = opened;
    }
    return o.slots.find((s) => s.name === name);
  }

  /**
   * Reads the slot status; a newly present card is powered to learn its ATR, as pcscd does.
   * One refresh at a time per slot: a poll must not report a new card before the refresh that
   * saw it first has read its ATR.
   */
  private refresh(s: SlotState): Promise<boolean> {
    const run = s.refreshing.then(() => this.look(s));
    s.refreshing = run.catch(() => false);
    return run;
  }

  private async look(s: SlotState): Promise<boolean> {
    const icc = await s.slot.status();
    let present = icc !== 'absent';
    const arriving = present && !s.present;
    if (arriving) s.mute = false;
    // A new card is powered before it becomes visible: a wait that looked in between (or after a
    // power-up that failed for a passing reason, such as a slow bus) would report an insertion
    // without its ATR. A failure other than mute/removed leaves the slot as it was: the next look
    // tries again.
    if (present && (arriving || s.slot.atr.length === 0) && !s.mute) {
      try {
        if (s.sharing === 0 || arriving) await s.slot.powerUp();
      } catch (e) {
        if (e instanceof PcscError && e.code === Scard.W_UNRESPONSIVE_CARD) s.mute = true;
        else if (e instanceof PcscError && e.code === Scard.E_NO_SMARTCARD) present = false;
        else throw e;
      }
    }
    return s.update(present);
  }

  async getStatusChange(queries: readonly ReaderStateQuery[], opts: WaitOptions = {}): Promise<ReaderState[]> {
    this.check();
    this.cancelled = false;
    const n = queries.length;
    const cur = queries.map((q) => (q.currentState ?? 0) >>> 0);
    const active = cur.map((c) => (c & StateFlag.IGNORE) === 0);
    const pnp = queries.map((q, i) => (active[i] as boolean) && q.reader.toLowerCase() === PNP_NAME.toLowerCase());
    const ev = new Array<number>(n).fill(0);
    const changed = new Array<boolean>(n).fill(false);
    const atr = new Array<Buffer>(n).fill(Buffer.alloc(0));
    const result = (): ReaderState[] =>
      queries.map((q, i) => readerState(q.reader, ev[i] as number, changed[i] as boolean, atr[i] as Buffer));
    if (!active.some(Boolean)) return result();
    const deadline =
      opts.timeout === undefined || !Number.isFinite(opts.timeout) ? Infinity : Date.now() + Math.max(0, opts.timeout);

    await this.enumerate();
    const states = new Map<number, SlotState>();
    for (let i = 0; i < n; i++) {
      if (!active[i] || pnp[i]) continue;
      const s = await this.slotState(queries[i]?.reader as string);
      if (!s) throw new PcscError(Scard.E_UNKNOWN_READER, `no reader named "${queries[i]?.reader}"`);
      states.set(i, s);
    }
    const startCount = this.named.length;
    const startEvents = this.readerEvents;
    let lastEnum = Date.now();

    for (;;) {
      for (let i = 0; i < n; i++) {
        if (!active[i]) continue;
        if (pnp[i]) {
          ev[i] = ((this.readerEvents << 16) | ((ev[i] as number) & 0xffff)) >>> 0;
          const known = (cur[i] as number) >>> 16;
          if (
            (known !== 0 && known !== this.readerEvents) ||
            this.named.length !== startCount ||
            this.readerEvents !== startEvents
          )
            changed[i] = true;
          continue;
        }
        const s = states.get(i) as SlotState;
        const gone = !this.named.some((x) => x.name === s.name);
        const r = evaluateReader(cur[i] as number, ev[i] as number, gone ? undefined : s.snapshot());
        ev[i] = r.eventState;
        if (r.changed) changed[i] = true;
        atr[i] = !gone && s.present ? s.slot.atr : Buffer.alloc(0);
      }
      if (changed.some(Boolean)) return result();
      if (this.cancelled) throw new PcscError(Scard.E_CANCELLED, 'cancelled');
      if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'wait aborted');
      const left = deadline - Date.now();
      if (left <= 0) throw new PcscError(Scard.E_TIMEOUT, 'no reader state change');
      await this.sleep(Math.min(left, POLL_MS), opts.signal);
      // Readers without an interrupt pipe, and notifications a reader did not send or we missed
      // (pcscd polls too): a GetSlotStatus every POLL_MS.
      for (const s of states.values()) {
        const o = [...this.open.values()].find((x) => x.slots.includes(s));
        if (o && !o.reader.gone) await this.refresh(s).catch(() => undefined);
      }
      if (Date.now() - lastEnum >= ENUM_MS || [...this.open.values()].some((o) => o.reader.gone)) {
        lastEnum = Date.now();
        await this.enumerate();
      }
    }
  }

  private sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakers.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async connect(reader: string, opts: ConnectOptions = {}): Promise<Card> {
    this.check();
    const share = opts.share ?? 'shared';
    const s = await this.slotState(reader);
    if (!s) throw new PcscError(Scard.E_UNKNOWN_READER, `no reader named "${reader}"`);
    if (s.sharing === -1 || (share === 'exclusive' && s.sharing > 0)) {
      throw new PcscError(Scard.E_SHARING_VIOLATION, `"${reader}" is held by another handle of this process`);
    }
    const wanted = protocolMask(opts.protocols ?? ['T=0', 'T=1']);
    if (share !== 'direct' || wanted !== 0) {
      await this.refresh(s);
      if (!s.present) throw new PcscError(Scard.E_NO_SMARTCARD, `no card in "${reader}"`);
      if (s.mute) throw new PcscError(Scard.W_UNRESPONSIVE_CARD, `the card in "${reader}" does not answer to reset`);
      if (s.slot.atr.length === 0) await s.slot.powerUp({ signal: opts.signal });
      const p = s.slot.protocol;
      if (!p || !((wanted >> (p === 'T=0' ? 0 : 1)) & 1)) {
        if (p && s.sharing > 0) throw new PcscError(Scard.E_SHARING_VIOLATION, `the card is in use with ${p}`);
        await s.slot.selectProtocol(wanted, { signal: opts.signal });
      }
    }
    s.sharing = share === 'exclusive' ? -1 : s.sharing + 1;
    return new UsbCard(this, s, reader, share);
  }

  /** @internal Called by a card handle to re-learn a slot's state. */
  refreshSlot(s: SlotState): Promise<boolean> {
    return this.refresh(s);
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    this.wake();
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.cancelled = true;
    this.wake();
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((o) => o.reader.close().catch(() => undefined)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}
