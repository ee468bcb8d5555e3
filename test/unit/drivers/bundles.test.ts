import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compareVersions, isLibccid, loadBundles, parseBundle } from '../../../src/core/drivers/bundles.js';
import { parsePlist } from '../../../src/core/drivers/plist.js';
import { createProbe } from '../../../src/core/system/probe.js';
import { fixtureTree } from '../../helpers/fixture-tree.js';

const ONE_READER = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>CFBundleExecutable</key><string>libifdvendor.so</string>
  <key>CFBundleShortVersionString</key><string> 4.2.1 </string>
  <!-- a comment with <tags> and -\\-dashes -->
  <key>ifdVendorID</key><string>0x076B</string>
  <key>ifdProductID</key><string>0x5422</string>
  <key>ifdFriendlyName</key><string>Vendor &amp; Co &lt;5422&gt;</string>
  <key>ifdCapabilities</key><integer>1</integer>
  <key>flag</key><true/>
  <key>empty</key><array/>
</dict>
</plist>
`;

describe('plist parser', () => {
  it('reads dicts, arrays, strings, numbers, booleans and entities', () => {
    expect(parsePlist(ONE_READER)).toEqual({
      CFBundleExecutable: 'libifdvendor.so',
      CFBundleShortVersionString: ' 4.2.1 ',
      ifdVendorID: '0x076B',
      ifdProductID: '0x5422',
      ifdFriendlyName: 'Vendor & Co <5422>',
      ifdCapabilities: 1,
      flag: true,
      empty: [],
    });
  });
  it('says what is wrong with malformed input', () => {
    expect(() => parsePlist('<dict></dict>')).toThrow(/no <plist>/);
    expect(() => parsePlist('<plist><dict><key>a</key><string>x</dict></plist>')).toThrow();
    expect(() => parsePlist('<plist><dict><string>x</string></dict></plist>')).toThrow(/expected <key>/);
  });
});

describe('driver bundles', () => {
  it('reads a single-reader bundle', () => {
    const b = parseBundle('vendor.bundle', '/x/Info.plist', ONE_READER);
    expect(b).toMatchObject({
      executable: 'libifdvendor.so',
      version: '4.2.1',
      readers: [{ vid: '076b', pid: '5422', name: 'Vendor & Co <5422>' }],
    });
    expect(isLibccid(b)).toBe(false);
    expect(b.error).toBeUndefined();
  });
  it('reports a broken Info.plist instead of throwing', () => {
    expect(parseBundle('bad.bundle', '/x', '<plist><dict>').error).toMatch(/does not parse/);
  });
  it('compares versions numerically', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('1.7.0', '1.7')).toBe(0);
    expect(compareVersions('1.5.2', '1.7.0')).toBe(-1);
  });

  const t = fixtureTree()
    .file('/usr/lib/pcsc/drivers/vendor.bundle/Contents/Info.plist', ONE_READER)
    .dir('/usr/lib/pcsc/drivers/empty.bundle')
    .link('/usr/lib64', 'usr/lib');
  afterAll(() => t.remove());
  it('finds bundles in drop directories, each directory once', async () => {
    const bundles = await loadBundles(createProbe({ root: t.root }), [
      '/usr/lib/pcsc/drivers',
      '/usr/lib64/pcsc/drivers',
      '/nope',
    ]);
    expect(bundles.map((b) => [b.name, b.error])).toEqual([
      ['empty.bundle', 'no readable Contents/Info.plist'],
      ['vendor.bundle', undefined],
    ]);
  });
});

describe("Debian's installed libccid Info.plist", () => {
  const path = '/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist';
  it('is installed', () => expect(existsSync(path), `${path} is missing: apt-get install libccid`).toBe(true));
  it('parses to the same readers and version as Python’s plistlib', () => {
    const ours = parseBundle('ifd-ccid.bundle', path, readFileSync(path, 'utf8'));
    const theirs = JSON.parse(
      execFileSync(
        'python3',
        [
          '-c',
          'import json,plistlib,sys; d=plistlib.load(open(sys.argv[1],"rb")); print(json.dumps([d["CFBundleShortVersionString"], d["ifdVendorID"], d["ifdProductID"], d["ifdFriendlyName"]]))',
          path,
        ],
        { encoding: 'utf8' },
      ),
    ) as [string, string[], string[], string[]];
    expect(ours.error).toBeUndefined();
    expect(isLibccid(ours)).toBe(true);
    expect(ours.version).toBe(theirs[0]);
    expect(ours.readers.length).toBe(theirs[1].length);
    expect(ours.readers.map((r) => `${r.vid}:${r.pid}:${r.name}`)).toEqual(
      theirs[1].map(
        (v, i) => `${v.slice(2).toLowerCase()}:${(theirs[2][i] as string).slice(2).toLowerCase()}:${theirs[3][i]}`,
      ),
    );
    expect(ours.readers).toContainEqual({ vid: '08e6', pid: '3437', name: 'Gemalto PC Twin Reader' });
  });
});
