// A simulated CCID reader behind the transport interface, written from CCID rev 1.1 §5–6 (not
// from the driver): it parses PC_to_RDR_* messages itself and builds RDR_to_PC_* replies byte by
// byte, for what QEMU's reader cannot do (several slots, T=1, APDU levels, time extension…).

import { CcidError, PcscError, Scard } from '../../../src/core/errors.js';
import { parseCcidDescriptor } from '../../../src/core/ccid/descriptor.js';
import type { CcidTransport, UsbCcidInterface } from '../../../src/core/ccid/transport.js';

export interface DescriptorFields {
  maxSlotIndex?: number;
  voltageSupport?: number;
  protocols?: number;
  defaultClockKHz?: number;
  maxDataRate?: number;
  maxIFSD?: number;
  features?: number;
  maxMessageLength?: number;
}

/** A 54-byte class descriptor, written field by field from CCID table 5.1-1. */
export function descriptorBytes(f: DescriptorFields = {}): Buffer {
  const b = Buffer.alloc(54);
  b[0] = 54;
  b[1] = 0x21;
  b[2] = 0x10;
  b[3] = 0x01;
  b[4] = f.maxSlotIndex ?? 0;
  b[5] = f.voltageSupport ?? 0x07;
  b.writeUInt32LE(f.protocols ?? 0x03, 6);
  b.writeUInt32LE(f.defaultClockKHz ?? 4000, 10);
  b.writeUInt32LE(8000, 14);
  b.writeUInt32LE(10752, 19);
  b.writeUInt32LE(f.maxDataRate ?? 344086, 23);
  b.writeUInt32LE(f.maxIFSD ?? 254, 28);
  b.writeUInt32LE(f.features ?? 0x000100fe, 40);
  b.writeUInt32LE(f.maxMessageLength ?? 271, 44);
  b[48] = 0xff;
  b[49] = 0xff;
  b[53] = 1;
  return b;
}

/** RDR_to_PC_* reply bytes (CCID §6.2). */
export function replyBytes(
  type: number,
  slot: number,
  seq: number,
  status: number,
  error: number,
  specific: number,
  data: Uint8Array = Buffer.alloc(0),
): Buffer {
  const h = Buffer.from([type, 0, 0, 0, 0, slot, seq, status, error, specific]);
  h.writeUInt32LE(data.length, 1);
  return Buffer.concat([h, data]);
}

export interface CardModel {
  atr: Buffer;
  /** Voltages at which the card answers (default all). */
  voltages?: number[];
  /** The card's answer to one XfrBlock payload. */
  xfr(data: Buffer, bwi: number, level: number): XfrOutcome;
}

export type XfrOutcome =
  Buffer | { error: number } | { reply: Buffer; chain?: number; timeExtensions?: number } | 'silent';

export interface SimSlot {
  card?: CardModel;
  powered: boolean;
  voltage?: number;
  params?: { protocol: number; data: Buffer };
}

export function simInfo(desc: DescriptorFields = {}, extra: Partial<UsbCcidInterface> = {}): UsbCcidInterface {
  return {
    id: '1-2:0',
    sysName: '1-2',
    busNumber: 1,
    address: 5,
    node: '/dev/bus/usb/001/005',
    vendorId: 0x1234,
    productId: 0x5678,
    deviceVersion: '1.0.0',
    manufacturer: 'Sim',
    product: 'Sim Reader',
    serial: 'S1',
    interfaceNumber: 0,
    interfaceName: 'CCID',
    interfaceClass: 0x0b,
    descriptor: parseCcidDescriptor(descriptorBytes(desc)),
    bulkIn: 0x82,
    bulkOut: 0x03,
    interruptIn: 0x81,
    packetSize: 64,
    ...extra,
  };
}

export class SimTransport implements CcidTransport {
  readonly info: UsbCcidInterface;
  readonly slots: SimSlot[];
  /** Every command message received. */
  readonly commands: Buffer[] = [];
  readonly classRequests: { request: number; value: number }[] = [];
  /** How a reply is cut into bulk-IN transfers (default: one transfer). */
  split: (msg: Buffer) => Buffer[] = (m) => [m];
  /** Messages to deliver before the next reply (stale answers, zero-length packets). */
  prefix: Buffer[] = [];
  private readonly bulk: Buffer[] = [];
  private readonly interrupt: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  unplugged = false;

  constructor(info: UsbCcidInterface, slots: SimSlot[]) {
    this.info = info;
    this.slots = slots;
  }

  private push(q: Buffer[], ...b: Buffer[]): void {
    q.push(...b);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  notify(msg: Buffer): void {
    this.push(this.interrupt, msg);
  }

  unplug(): void {
    this.unplugged = true;
    this.push(this.bulk);
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.unplugged) throw new PcscError(Scard.E_READER_UNAVAILABLE, 'the reader was unplugged (bulk OUT)');
    const m = Buffer.from(data);
    this.commands.push(m);
    const replies = this.handle(m);
    const out: Buffer[] = [...this.prefix];
    this.prefix = [];
    for (const r of replies) out.push(...this.split(r));
    this.push(this.bulk, ...out);
  }

  private async take(q: Buffer[], timeoutMs: number): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (q.length === 0) {
      if (this.unplugged) throw new PcscError(Scard.E_READER_UNAVAILABLE, 'the reader was unplugged (bulk IN)');
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return q.shift() as Buffer;
  }

  async read(_max: number, timeoutMs: number): Promise<Buffer> {
    const b = await this.take(this.bulk, timeoutMs);
    if (!b) throw new CcidError('USB bulk IN timed out', 'ETIMEDOUT', 'timeout');
    return b;
  }

  async readInterrupt(timeoutMs: number): Promise<Buffer | null> {
    return this.take(this.interrupt, timeoutMs);
  }

  async classRequest(request: number, value: number): Promise<void> {
    this.classRequests.push({ request, value });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The reader's side of CCID §6.1: one command in, zero or more replies out. */
  private handle(m: Buffer): Buffer[] {
    const type = m[0] as number;
    const slotNo = m[5] as number;
    const seq = m[6] as number;
    const data = m.subarray(10, 10 + m.readUInt32LE(1));
    const slot = this.slots[slotNo];
    const icc = (s: SimSlot): number => (!s.card ? 2 : s.powered ? 0 : 1);
    const status = (s: SimSlot, failed = false): number => icc(s) | (failed ? 0x40 : 0);
    if (!slot) return [replyBytes(0x81, slotNo, seq, 0x42, 5, 0)];
    switch (type) {
      case 0x65:
        return [replyBytes(0x81, slotNo, seq, status(slot), 0, 0)];
      case 0x62: {
        if (!slot.card) return [replyBytes(0x80, slotNo, seq, 0x42, 0xfe, 0)];
        const v = m[7] as number;
        if (v !== 0 && slot.card.voltages && !slot.card.voltages.includes(v))
          return [replyBytes(0x80, slotNo, seq, 0x41, 0xfe, 0)];
        slot.powered = true;
        slot.voltage = v;
        return [replyBytes(0x80, slotNo, seq, 0, 0, 0, slot.card.atr)];
      }
      case 0x63:
        slot.powered = false;
        return [replyBytes(0x81, slotNo, seq, status(slot), 0, 0)];
      case 0x61: {
        slot.params = { protocol: m[7] as number, data: Buffer.from(data) };
        return [replyBytes(0x82, slotNo, seq, status(slot), 0, m[7] as number, data)];
      }
      case 0x6c:
        return [
          replyBytes(
            0x82,
            slotNo,
            seq,
            status(slot),
            0,
            slot.params?.protocol ?? 0,
            slot.params?.data ?? Buffer.alloc(5),
          ),
        ];
      case 0x6b:
        return [replyBytes(0x83, slotNo, seq, status(slot), 0, 0, Buffer.concat([Buffer.from('esc:'), data]))];
      case 0x72:
        return [replyBytes(0x81, slotNo, seq, status(slot), 0, 0)];
      case 0x6f: {
        if (!slot.card) return [replyBytes(0x80, slotNo, seq, 0x42, 0xfe, 0)];
        if (!slot.powered) return [replyBytes(0x80, slotNo, seq, 0x41, 0xfb, 0)];
        const o = slot.card.xfr(Buffer.from(data), m[7] as number, m.readUInt16LE(8));
        if (o === 'silent') return [];
        if (Buffer.isBuffer(o)) return [replyBytes(0x80, slotNo, seq, 0, 0, 0, o)];
        if ('error' in o) return [replyBytes(0x80, slotNo, seq, 0x40, o.error, 0)];
        const ext = Array.from({ length: o.timeExtensions ?? 0 }, () => replyBytes(0x80, slotNo, seq, 0x80, 2, 0));
        return [...ext, replyBytes(0x80, slotNo, seq, 0, 0, o.chain ?? 0, o.reply)];
      }
      default:
        return [replyBytes(0x81, slotNo, seq, status(slot, true), 0, 0)];
    }
  }
}
