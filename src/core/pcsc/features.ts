// PC/SC Part 10 (IFDs with secure PIN entry): the reader feature list that
// CM_IOCTL_GET_FEATURE_REQUEST returns, and the FEATURE_GET_TLV_PROPERTIES answer.

import { ProtocolError } from '../errors.js';

export const FEATURE_NAMES = {
  0x01: 'VERIFY_PIN_START',
  0x02: 'VERIFY_PIN_FINISH',
  0x03: 'MODIFY_PIN_START',
  0x04: 'MODIFY_PIN_FINISH',
  0x05: 'GET_KEY_PRESSED',
  0x06: 'VERIFY_PIN_DIRECT',
  0x07: 'MODIFY_PIN_DIRECT',
  0x08: 'MCT_READER_DIRECT',
  0x09: 'MCT_UNIVERSAL',
  0x0a: 'IFD_PIN_PROPERTIES',
  0x0b: 'ABORT',
  0x0c: 'SET_SPE_MESSAGE',
  0x0d: 'VERIFY_PIN_DIRECT_APP_ID',
  0x0e: 'MODIFY_PIN_DIRECT_APP_ID',
  0x0f: 'WRITE_DISPLAY',
  0x10: 'GET_KEY',
  0x11: 'IFD_DISPLAY_PROPERTIES',
  0x12: 'GET_TLV_PROPERTIES',
  0x13: 'CCID_ESC_COMMAND',
  0x20: 'EXECUTE_PACE',
} as const satisfies Readonly<Record<number, string>>;

/** A PC/SC part 10 feature's name (FEATURE_… without the prefix), or `UNKNOWN_0xNN` for a tag not in the list. */
export type FeatureName = (typeof FEATURE_NAMES)[keyof typeof FEATURE_NAMES] | `UNKNOWN_0x${string}`;

/** The PC/SC part 10 feature tag of the reader's TLV properties. */
export const FEATURE_GET_TLV_PROPERTIES = 0x12;

/** One PC/SC part 10 feature a reader offers, and the control code that runs it. */
export interface Feature {
  tag: number;
  /** FEATURE_… name without the prefix, or `UNKNOWN_0xNN`. */
  name: FeatureName;
  /** The control code to pass to SCardControl for this feature. */
  controlCode: number;
}

/** Tag, length 4, then the control code big-endian; anything else is a malformed answer. */
export function decodeFeatures(bytes: Uint8Array): Feature[] {
  const out: Feature[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (i + 2 > bytes.length) throw new ProtocolError(`feature list: a TLV header is cut off at byte ${i}`);
    const tag = bytes[i] as number;
    const len = bytes[i + 1] as number;
    if (len !== 4 || i + 2 + len > bytes.length) {
      throw new ProtocolError(`feature list: tag 0x${hex(tag)} has length ${len} at byte ${i}; each entry is 4 bytes`);
    }
    const code =
      (((bytes[i + 2] as number) << 24) |
        ((bytes[i + 3] as number) << 16) |
        ((bytes[i + 4] as number) << 8) |
        (bytes[i + 5] as number)) >>>
      0;
    const name: FeatureName = (FEATURE_NAMES as Readonly<Record<number, FeatureName>>)[tag] ?? `UNKNOWN_0x${hex(tag)}`;
    out.push({ tag, name, controlCode: code });
    i += 2 + len;
  }
  return out;
}

const PROPERTY_NAMES = {
  1: 'wLcdLayout',
  2: 'bEntryValidationCondition',
  3: 'bTimeOut2',
  4: 'wLcdMaxCharacters',
  5: 'wLcdMaxLines',
  6: 'bMinPINSize',
  7: 'bMaxPINSize',
  8: 'sFirmwareID',
  9: 'bPPDUSupport',
  10: 'dwMaxAPDUDataSize',
  11: 'wIdVendor',
  12: 'wIdProduct',
} as const satisfies Readonly<Record<number, string>>;

/** A TLV property's name as PC/SC part 10 spells it (`bMaxPINSize`, …), or `unknownN` for tag N not in the list. */
export type TlvPropertyName = (typeof PROPERTY_NAMES)[keyof typeof PROPERTY_NAMES] | `unknown${number}`;

/** One of a reader's TLV properties (FEATURE_GET_TLV_PROPERTIES). */
export interface TlvProperty {
  tag: number;
  name: TlvPropertyName;
  /** Little-endian integer for b/w/dw properties, text for sFirmwareID, hex otherwise. */
  value: number | string;
}

/** Tag, length, value; integers are little-endian (unlike the feature list). */
export function decodeTlvProperties(bytes: Uint8Array): TlvProperty[] {
  const out: TlvProperty[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (i + 2 > bytes.length) throw new ProtocolError(`TLV properties: a header is cut off at byte ${i}`);
    const tag = bytes[i] as number;
    const len = bytes[i + 1] as number;
    if (i + 2 + len > bytes.length)
      throw new ProtocolError(`TLV properties: tag ${tag} announces ${len} bytes, ${bytes.length - i - 2} remain`);
    const v = bytes.subarray(i + 2, i + 2 + len);
    const name: TlvPropertyName = (PROPERTY_NAMES as Readonly<Record<number, TlvPropertyName>>)[tag] ?? `unknown${tag}`;
    let value: number | string;
    if (name.startsWith('s')) value = Buffer.from(v).toString('latin1');
    else if (len >= 1 && len <= 4) value = v.reduceRight((acc, b) => acc * 256 + b, 0);
    else value = Buffer.from(v).toString('hex').toUpperCase();
    out.push({ tag, name, value });
    i += 2 + len;
  }
  return out;
}

function hex(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, '0');
}
