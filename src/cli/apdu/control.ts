// `pcsc apdu --control CODE [HEX]`: SCardControl, with the PC/SC part 10 feature list decoded
// (and the reader's TLV properties fetched when it offers them).

import {
  CM_IOCTL_GET_FEATURE_REQUEST,
  ctlCode,
  decodeFeatures,
  decodeTlvProperties,
  FEATURE_GET_TLV_PROPERTIES,
  toHex,
  UsageError,
  type Card,
} from '../../core/index.js';
import { featuresJson, us, type ControlJson } from './result.js';

/**
 * `features` (CM_IOCTL_GET_FEATURE_REQUEST), 0x-prefixed hex (a whole control code, as
 * pcsc-lite's headers print them), or a decimal function number n for SCARD_CTL_CODE(n).
 */
export function parseControlCode(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'features' || t === 'feature-request') return CM_IOCTL_GET_FEATURE_REQUEST;
  if (/^0x[0-9a-f]{1,8}$/.test(t)) return parseInt(t.slice(2), 16) >>> 0;
  if (/^\d{1,7}$/.test(t)) return ctlCode(Number(t));
  throw new UsageError(
    `--control: "${text}" is not a control code; write features, 0x42000D48, or a function number such as 3400`,
    'EUSAGE',
  );
}

export function controlCodeText(code: number): string {
  return '0x' + (code >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

export async function controlExchange(card: Card, code: number, data: Buffer): Promise<ControlJson> {
  const start = process.hrtime.bigint();
  const response = await card.control(code, data);
  const out: ControlJson = {
    code: controlCodeText(code),
    command: toHex(data),
    response: toHex(response),
    durationUs: us(process.hrtime.bigint() - start),
  };
  if (code !== CM_IOCTL_GET_FEATURE_REQUEST) return out;
  let list;
  try {
    list = decodeFeatures(response);
  } catch {
    return out; // a malformed list is still shown as raw bytes
  }
  out.features = featuresJson(list);
  const tlv = list.find((f) => f.tag === FEATURE_GET_TLV_PROPERTIES);
  if (tlv) {
    try {
      out.properties = decodeTlvProperties(await card.control(tlv.controlCode));
    } catch {
      // Properties are extra information: a reader that lists the feature but fails it still gets its list shown.
    }
  }
  return out;
}
