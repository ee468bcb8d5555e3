// CCID rev 1.1 §5.1: the Smart Card Device Class descriptor (type 0x21, 54 bytes), and finding
// it, with its interface and endpoints, in a raw USB configuration descriptor (USB 2.0 §9.6.3).

import { ProtocolError } from './messages.js';

export const CCID_DESCRIPTOR_TYPE = 0x21;
export const CCID_DESCRIPTOR_LENGTH = 54;
export const SMART_CARD_CLASS = 0x0b;

/** dwFeatures bits (CCID §5.1, table 5.1-1). */
export const Feature = {
  AUTO_CONFIG_ATR: 0x00000002,
  AUTO_ACTIVATION: 0x00000004,
  AUTO_VOLTAGE: 0x00000008,
  AUTO_CLOCK: 0x00000010,
  AUTO_BAUD: 0x00000020,
  AUTO_PARAMETER_NEGOTIATION: 0x00000040,
  AUTO_PPS: 0x00000080,
  CLOCK_STOP: 0x00000100,
  NAD_OTHER_THAN_00: 0x00000200,
  AUTO_IFSD: 0x00000400,
  LEVEL_TPDU: 0x00010000,
  LEVEL_SHORT_APDU: 0x00020000,
  LEVEL_EXTENDED_APDU: 0x00040000,
  WAKE_UP_ON_INSERT: 0x00100000,
} as const;
const LEVEL_MASK = 0x00070000;

/** How the reader exchanges data with the card (dwFeatures bits 16–18; none set = character). */
export type ExchangeLevel = 'character' | 'tpdu' | 'short-apdu' | 'extended-apdu';

export interface CcidDescriptor {
  bcdCCID: number;
  /** Slots are numbered 0..maxSlotIndex. */
  maxSlotIndex: number;
  /** bVoltageSupport: 1 = 5 V, 2 = 3 V, 4 = 1.8 V. */
  voltageSupport: number;
  voltages: ('5V' | '3V' | '1.8V')[];
  /** dwProtocols: bit 0 T=0, bit 1 T=1. */
  protocols: number;
  defaultClockKHz: number;
  maximumClockKHz: number;
  numClockSupported: number;
  dataRate: number;
  maxDataRate: number;
  numDataRatesSupported: number;
  maxIFSD: number;
  synchProtocols: number;
  mechanical: number;
  features: number;
  exchangeLevel: ExchangeLevel;
  autoParameters: boolean;
  autoVoltage: boolean;
  autoPps: boolean;
  autoIfsd: boolean;
  maxMessageLength: number;
  classGetResponse: number;
  classEnvelope: number;
  lcdLayout: number;
  pinSupport: number;
  maxBusySlots: number;
}

export function exchangeLevel(features: number): ExchangeLevel {
  const lv = features & LEVEL_MASK;
  if (lv & Feature.LEVEL_EXTENDED_APDU) return 'extended-apdu';
  if (lv & Feature.LEVEL_SHORT_APDU) return 'short-apdu';
  if (lv & Feature.LEVEL_TPDU) return 'tpdu';
  return 'character';
}

export function parseCcidDescriptor(raw: Uint8Array): CcidDescriptor {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (b.length < CCID_DESCRIPTOR_LENGTH)
    throw new ProtocolError(`CCID class descriptor of ${b.length} bytes (54 expected)`);
  if (b[0] !== CCID_DESCRIPTOR_LENGTH)
    throw new ProtocolError(`CCID class descriptor says bLength ${b[0]} (54 expected)`);
  const features = b.readUInt32LE(40);
  const voltageSupport = b[5] as number;
  return {
    bcdCCID: b.readUInt16LE(2),
    maxSlotIndex: b[4] as number,
    voltageSupport,
    voltages: (['5V', '3V', '1.8V'] as const).filter((_, i) => (voltageSupport >> i) & 1),
    protocols: b.readUInt32LE(6),
    defaultClockKHz: b.readUInt32LE(10),
    maximumClockKHz: b.readUInt32LE(14),
    numClockSupported: b[18] as number,
    dataRate: b.readUInt32LE(19),
    maxDataRate: b.readUInt32LE(23),
    numDataRatesSupported: b[27] as number,
    maxIFSD: b.readUInt32LE(28),
    synchProtocols: b.readUInt32LE(32),
    mechanical: b.readUInt32LE(36),
    features,
    exchangeLevel: exchangeLevel(features),
    autoParameters: (features & Feature.AUTO_CONFIG_ATR) !== 0,
    autoVoltage: (features & Feature.AUTO_VOLTAGE) !== 0,
    autoPps: (features & (Feature.AUTO_PPS | Feature.AUTO_PARAMETER_NEGOTIATION)) !== 0,
    autoIfsd: (features & Feature.AUTO_IFSD) !== 0,
    maxMessageLength: b.readUInt32LE(44),
    classGetResponse: b[48] as number,
    classEnvelope: b[49] as number,
    lcdLayout: b.readUInt16LE(50),
    pinSupport: b[52] as number,
    maxBusySlots: b[53] as number,
  };
}

export interface EndpointInfo {
  address: number;
  /** 0 control, 1 isochronous, 2 bulk, 3 interrupt. */
  transferType: number;
  maxPacketSize: number;
}

export interface InterfaceInfo {
  number: number;
  alternate: number;
  interfaceClass: number;
  subclass: number;
  protocol: number;
  /** iInterface string index. */
  stringIndex: number;
  endpoints: EndpointInfo[];
  /** The CCID class descriptor bytes, wherever they sit among this interface's descriptors. */
  ccid?: Buffer;
}

/**
 * Walks a configuration descriptor. A CCID descriptor normally follows its interface descriptor;
 * some readers put it after the endpoints, so any 54-byte type-0x21 descriptor before the next
 * interface belongs to the current one.
 */
export function parseConfiguration(raw: Uint8Array): InterfaceInfo[] {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (b.length < 9 || b[1] !== 0x02) throw new ProtocolError('not a USB configuration descriptor');
  const total = Math.min(b.readUInt16LE(2), b.length);
  const out: InterfaceInfo[] = [];
  let cur: InterfaceInfo | undefined;
  for (let i = 0; i < total;) {
    const len = b[i] as number;
    if (len < 2 || i + len > total)
      throw new ProtocolError(`bad descriptor length ${len} at offset ${i} of the configuration`);
    const type = b[i + 1] as number;
    if (type === 0x04 && len >= 9) {
      cur = {
        number: b[i + 2] as number,
        alternate: b[i + 3] as number,
        interfaceClass: b[i + 5] as number,
        subclass: b[i + 6] as number,
        protocol: b[i + 7] as number,
        stringIndex: b[i + 8] as number,
        endpoints: [],
      };
      out.push(cur);
    } else if (type === 0x05 && len >= 7 && cur) {
      cur.endpoints.push({
        address: b[i + 2] as number,
        transferType: (b[i + 3] as number) & 3,
        maxPacketSize: b.readUInt16LE(i + 4) & 0x7ff,
      });
    } else if (type === CCID_DESCRIPTOR_TYPE && len === CCID_DESCRIPTOR_LENGTH && cur && !cur.ccid) {
      cur.ccid = Buffer.from(b.subarray(i, i + len));
    }
    i += len;
  }
  return out;
}

/** The endpoints a CCID interface uses (CCID §5.2): bulk OUT, bulk IN, optional interrupt IN. */
export function ccidEndpoints(
  ifc: InterfaceInfo,
): { bulkOut: number; bulkIn: number; interruptIn?: number; packetSize: number } | undefined {
  const bulkOut = ifc.endpoints.find((e) => e.transferType === 2 && !(e.address & 0x80));
  const bulkIn = ifc.endpoints.find((e) => e.transferType === 2 && e.address & 0x80);
  const intr = ifc.endpoints.find((e) => e.transferType === 3 && e.address & 0x80);
  if (!bulkOut || !bulkIn) return undefined;
  return {
    bulkOut: bulkOut.address,
    bulkIn: bulkIn.address,
    ...(intr ? { interruptIn: intr.address } : {}),
    packetSize: bulkIn.maxPacketSize || 64,
  };
}

/** An interface class the backend drives: 0x0B, or vendor class 0xFF for a reader a driver lists. */
export function isReaderClass(interfaceClass: number, knownVendorReader: boolean): boolean {
  return interfaceClass === SMART_CARD_CLASS || (knownVendorReader && interfaceClass === 0xff);
}

/**
 * The pipes of an interface the backend drives, or undefined: a reader class (isReaderClass), first
 * alternate setting, a CCID descriptor and bulk pipes (ICCD readers, control transfers only, are
 * left out).
 */
export function drivableEndpoints(ifc: InterfaceInfo, knownVendorReader: boolean): ReturnType<typeof ccidEndpoints> {
  if (ifc.alternate !== 0 || !ifc.ccid || !isReaderClass(ifc.interfaceClass, knownVendorReader)) return undefined;
  return ccidEndpoints(ifc);
}

export function isDrivableInterface(ifc: InterfaceInfo, knownVendorReader: boolean): boolean {
  return drivableEndpoints(ifc, knownVendorReader) !== undefined;
}
