// Reader names as pcscd + libccid give them, from an Info.plist or the USB strings.

import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  baseName,
  friendlyName,
  loadDrivers,
  nameReaders,
  parseInfoPlist,
  usbStringName,
} from '../../../src/core/ccid/names.js';
import { simInfo } from './sim.js';

const PLIST = `<?xml version="1.0"?><plist version="1.0"><dict>
<key>CFBundleName</key><string>CCIDCLASSDRIVER</string>
<key>ifdVendorID</key><array><string>0x08E6</string><string>0x1234</string></array>
<key>ifdProductID</key><array><string>0x4433</string><string>0x5678</string></array>
<key>ifdFriendlyName</key><array><string>Gemalto Gemplus USB SmartCard Reader 433-Swap</string><string>Sim &amp; Co Reader</string></array>
</dict></plist>`;

describe('reader names', () => {
  it('reads friendly names from an Info.plist', () => {
    const d = parseInfoPlist(PLIST);
    expect(d).toEqual([
      { vendorId: 0x08e6, productId: 0x4433, name: 'Gemalto Gemplus USB SmartCard Reader 433-Swap', classDriver: true },
      { vendorId: 0x1234, productId: 0x5678, name: 'Sim & Co Reader', classDriver: true },
    ]);
    expect(
      friendlyName(
        [...d, { vendorId: 0x1234, productId: 0x5678, name: 'Specific', classDriver: false }],
        0x1234,
        0x5678,
      ),
    ).toBe('Specific');
    expect(friendlyName(d, 1, 2)).toBeUndefined();
  });

  it('finds bundles in driver directories', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcsc-drivers-'));
    mkdirSync(join(dir, 'ifd-ccid.bundle/Contents'), { recursive: true });
    writeFileSync(join(dir, 'ifd-ccid.bundle/Contents/Info.plist'), PLIST);
    mkdirSync(join(dir, 'broken.bundle'));
    try {
      expect(loadDrivers([dir, join(dir, 'missing')]).map((x) => x.name)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('falls back to the USB strings', () => {
    expect(usbStringName({ manufacturer: 'QEMU', product: 'QEMU USB CCID', vendorId: 1, productId: 2 })).toBe(
      'QEMU USB CCID',
    );
    expect(usbStringName({ manufacturer: 'ACME', product: 'Reader', vendorId: 1, productId: 2 })).toBe('ACME Reader');
    expect(usbStringName({ vendorId: 0x1a, productId: 0xb })).toBe('USB CCID reader 001A:000B');
  });

  it('adds [interface] and (serial) as pcscd does, and numbers readers and slots', () => {
    const drivers = parseInfoPlist(PLIST);
    const a = simInfo(
      { maxSlotIndex: 1 },
      { interfaceName: 'CCID Interface', serial: '1-0000:00:03.0-1', vendorId: 0x08e6, productId: 0x4433 },
    );
    expect(baseName(a, drivers)).toBe(
      'Gemalto Gemplus USB SmartCard Reader 433-Swap [CCID Interface] (1-0000:00:03.0-1)',
    );
    const b = simInfo({}, { id: '1-3:0', interfaceName: 'Reader S1 interface', serial: 'S1' });
    expect(baseName(b, drivers)).toBe('Sim & Co Reader [Reader S1 interface]');
    const c = simInfo(
      {},
      {
        id: '1-4:0',
        interfaceName: undefined,
        serial: undefined,
        vendorId: 9,
        productId: 9,
        manufacturer: 'X',
        product: 'Y',
      },
    );
    expect(nameReaders([a, b, c], drivers).map((n) => n.name)).toEqual([
      'Gemalto Gemplus USB SmartCard Reader 433-Swap [CCID Interface] (1-0000:00:03.0-1) 00 00',
      'Gemalto Gemplus USB SmartCard Reader 433-Swap [CCID Interface] (1-0000:00:03.0-1) 00 01',
      'Sim & Co Reader [Reader S1 interface] 01 00',
      'X Y 02 00',
    ]);
  });
});
