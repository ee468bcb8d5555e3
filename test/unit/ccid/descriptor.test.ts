// CCID rev 1.1 §5.1 class descriptor and the configuration walk, on QEMU's real descriptor.

import { describe, expect, it } from 'vitest';
import {
  ccidEndpoints,
  exchangeLevel,
  isDrivableInterface,
  parseCcidDescriptor,
  parseConfiguration,
} from '../../../src/core/ccid/descriptor.js';
import { descriptorBytes } from './sim.js';
import { hex } from '../../helpers/hex.js';

const QEMU_CONFIG = hex(
  '09025d00010100e032 0904000003 0b00000436211001000701000000a00f000000000100008025000000c2010000fe0000000000000000000000fe04010012000100ffff00000101' +
    '0705810340 00ff 0705820240 0000 0705030240 0000',
);

describe('the CCID class descriptor', () => {
  it("decodes QEMU's reader", () => {
    const [ifc] = parseConfiguration(QEMU_CONFIG);
    expect(ifc).toMatchObject({ number: 0, alternate: 0, interfaceClass: 0x0b, stringIndex: 4 });
    expect(ccidEndpoints(ifc!)).toEqual({ bulkOut: 0x03, bulkIn: 0x82, interruptIn: 0x81, packetSize: 64 });
    const d = parseCcidDescriptor(ifc!.ccid!);
    expect(d).toMatchObject({
      bcdCCID: 0x0110,
      maxSlotIndex: 0,
      voltageSupport: 7,
      voltages: ['5V', '3V', '1.8V'],
      protocols: 1,
      defaultClockKHz: 4000,
      maximumClockKHz: 65536,
      dataRate: 9600,
      maxDataRate: 115200,
      maxIFSD: 254,
      features: 0x000104fe,
      exchangeLevel: 'tpdu',
      autoParameters: true,
      autoVoltage: true,
      autoPps: true,
      autoIfsd: true,
      maxMessageLength: 65554,
      classGetResponse: 0xff,
      classEnvelope: 0xff,
      pinSupport: 1,
      maxBusySlots: 1,
    });
  });

  it('reads the exchange level from dwFeatures', () => {
    expect(exchangeLevel(0)).toBe('character');
    expect(exchangeLevel(0x00010000)).toBe('tpdu');
    expect(exchangeLevel(0x00020000)).toBe('short-apdu');
    expect(exchangeLevel(0x00040000)).toBe('extended-apdu');
    const d = parseCcidDescriptor(descriptorBytes({ features: 0x00040000, maxSlotIndex: 2, voltageSupport: 2 }));
    expect(d).toMatchObject({
      exchangeLevel: 'extended-apdu',
      autoParameters: false,
      autoVoltage: false,
      autoPps: false,
      autoIfsd: false,
      maxSlotIndex: 2,
      voltages: ['3V'],
    });
  });

  it('refuses a descriptor of the wrong size', () => {
    expect(() => parseCcidDescriptor(Buffer.alloc(20))).toThrow(/20 bytes \(54 expected\)/);
    const b = descriptorBytes();
    b[0] = 53;
    expect(() => parseCcidDescriptor(b)).toThrow(/bLength 53/);
  });

  it('finds a CCID descriptor placed after the endpoints, and ignores interfaces without bulk pipes', () => {
    const cfg = Buffer.concat([
      Buffer.from('090200000201000032', 'hex'),
      Buffer.from('0904000003ff000000', 'hex'),
      Buffer.from('07058103400008', 'hex'),
      Buffer.from('07058202400000', 'hex'),
      Buffer.from('07050302400000', 'hex'),
      descriptorBytes(),
      Buffer.from('090401000100000000', 'hex'),
      Buffer.from('0705840340000a', 'hex'),
    ]);
    cfg.writeUInt16LE(cfg.length, 2);
    const ifcs = parseConfiguration(cfg);
    expect(ifcs.map((i) => i.number)).toEqual([0, 1]);
    expect(ifcs[0]?.ccid?.length).toBe(54);
    expect(ifcs[0]?.interfaceClass).toBe(0xff);
    expect(ifcs[1]?.ccid).toBeUndefined();
    expect(ccidEndpoints(ifcs[1]!)).toBeUndefined();
  });

  it('drives class 0x0B interfaces, and vendor-class ones only for readers a driver lists', () => {
    const [qemu] = parseConfiguration(QEMU_CONFIG);
    expect(isDrivableInterface(qemu!, false)).toBe(true);
    const vendor = { ...qemu!, interfaceClass: 0xff };
    expect(isDrivableInterface(vendor, false)).toBe(false);
    expect(isDrivableInterface(vendor, true)).toBe(true);
    expect(isDrivableInterface({ ...qemu!, interfaceClass: 0x03 }, true)).toBe(false);
    expect(isDrivableInterface({ ...qemu!, alternate: 1 }, false)).toBe(false);
    const { ccid: _c, ...noDescriptor } = qemu!;
    expect(isDrivableInterface(noDescriptor, false)).toBe(false);
    // ICCD: the CCID descriptor but no bulk pipes.
    expect(
      isDrivableInterface({ ...qemu!, endpoints: qemu!.endpoints.filter((e) => e.transferType !== 2) }, false),
    ).toBe(false);
  });

  it('refuses a broken configuration', () => {
    expect(() => parseConfiguration(Buffer.from('0904', 'hex'))).toThrow(/not a USB configuration/);
    const bad = Buffer.from(QEMU_CONFIG);
    bad[9] = 0x70;
    expect(() => parseConfiguration(bad)).toThrow(/bad descriptor length 112 at offset 9/);
  });
});
