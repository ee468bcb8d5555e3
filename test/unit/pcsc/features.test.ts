// PC/SC part 10 feature list and TLV properties.
import { describe, expect, it } from 'vitest';
import {
  decodeFeatures,
  decodeTlvProperties,
  type FeatureName,
  type TlvPropertyName,
} from '../../../src/core/pcsc/features.js';
import { hex as h } from '../../helpers/hex.js';

describe('decodeFeatures', () => {
  it('reads tag, length 4, big-endian control code', () => {
    // Two features as a CCID reader lists them: VERIFY_PIN_DIRECT and GET_TLV_PROPERTIES.
    const f = decodeFeatures(h('06 04 42 33 00 06  12 04 42 33 00 12'));
    expect(f).toEqual([
      { tag: 6, name: 'VERIFY_PIN_DIRECT', controlCode: 0x42330006 },
      { tag: 0x12, name: 'GET_TLV_PROPERTIES', controlCode: 0x42330012 },
    ]);
  });
  it('names unknown tags and accepts an empty list', () => {
    expect(decodeFeatures(h('7F 04 00 00 00 01'))[0]?.name).toBe('UNKNOWN_0x7F');
    expect(decodeFeatures(h(''))).toEqual([]);
  });
  it('refuses a malformed list', () => {
    expect(() => decodeFeatures(h('06 02 42 33'))).toThrow(/tag 0x06 has length 2/);
    expect(() => decodeFeatures(h('06 04 42 33 00'))).toThrow(/length 4/);
    expect(() => decodeFeatures(h('06'))).toThrow(/cut off at byte 0/);
  });
});

describe('decodeTlvProperties', () => {
  it('reads little-endian integers and the firmware string', () => {
    const p = decodeTlvProperties(h('0A 04 00 00 01 00  0B 02 E6 08  06 01 04  08 03 31 2E 30'));
    expect(p).toEqual([
      { tag: 10, name: 'dwMaxAPDUDataSize', value: 65536 },
      { tag: 11, name: 'wIdVendor', value: 0x08e6 },
      { tag: 6, name: 'bMinPINSize', value: 4 },
      { tag: 8, name: 'sFirmwareID', value: '1.0' },
    ]);
  });
  it('refuses a value that runs past the end', () => {
    expect(() => decodeTlvProperties(h('0A 04 00 00'))).toThrow(/announces 4 bytes, 2 remain/);
  });
});

// Checked by the type checker (npm run lint: tsc over test/): the names are closed sets, so a
// misspelt name in a caller's comparison is a compile error, not a comparison that is never true.
describe('feature and property names are string unions', () => {
  it('accepts the names of the lists and the unknown forms, and no other string', () => {
    const known: FeatureName[] = ['VERIFY_PIN_DIRECT', 'UNKNOWN_0x7F'];
    const props: TlvPropertyName[] = ['bMaxPINSize', 'unknown42'];
    // @ts-expect-error not a PC/SC part 10 feature
    const misspelt: FeatureName = 'VERIFY_PIN_DIRCT';
    // @ts-expect-error not a TLV property
    const wrong: TlvPropertyName = 'maxPinSize';
    expect([...known, ...props, misspelt, wrong]).toHaveLength(6);
    expect(decodeFeatures(h('06 04 42 33 00 06'))[0]?.name satisfies FeatureName | undefined).toBe('VERIFY_PIN_DIRECT');
  });
});
