// ISO/IEC 7816-4 §8.1.1 historical bytes: category indicator, compact-TLV objects, status
// indicator; plus PC/SC part 3's storage-card layout (80 4F 0C A0 00 00 03 06 SS NN NN …).

import { toHex } from '../bytes/hex.js';

const byteHex = (v: number): string => v.toString(16).toUpperCase().padStart(2, '0');

/** One COMPACT-TLV object of the historical bytes (ISO 7816-4), with its meaning. */
export interface CompactTlvObject {
  tag: number;
  /** Length announced by the object's first byte. */
  length: number;
  value: string;
  name: string;
  /** What the value says, one fact per line (our wording). */
  details: string[];
}

/** The historical bytes of a storage card as PC/SC part 3 codes them: RID, standard and card name. */
export interface PcscStorageCard {
  rid: string;
  /** SS: the standard the card follows. */
  standard: string;
  standardName: string;
  /** NN NN: the card name code. */
  cardName: string;
  cardNameText: string | null;
}

/** The historical bytes of an ATR, decoded by their category indicator. */
export interface HistoricalBytes {
  bytes: string;
  /** K from T0 (may differ from bytes' length when the ATR is truncated). */
  expected: number;
  /** The category indicator byte as hex ("80"). */
  category: string | null;
  format: 'none' | 'compact-tlv' | 'compact-tlv+status' | 'dir-reference' | 'pcsc-storage-card' | 'rfu' | 'proprietary';
  objects: CompactTlvObject[];
  status?: { lcs?: string; lcsMeaning?: string; sw?: string };
  dirReference?: string;
  pcsc?: PcscStorageCard;
  problems: string[];
}

const TAG_NAMES: Record<number, string> = {
  1: 'country code (ISO 3166-1)',
  2: 'issuer identification number (ISO 7812-1)',
  3: 'card service data',
  4: 'initial access data',
  5: "card issuer's data",
  6: 'pre-issuing data',
  7: 'card capabilities',
  8: 'status indicator',
  15: 'application identifier',
};

/** PC/SC part 3 supplement, standard byte SS. */
const PCSC_STANDARDS: Record<number, string> = {
  0x00: 'no information given',
  0x01: 'ISO 14443 A, part 1',
  0x02: 'ISO 14443 A, part 2',
  0x03: 'ISO 14443 A, part 3',
  0x05: 'ISO 14443 B, part 1',
  0x06: 'ISO 14443 B, part 2',
  0x07: 'ISO 14443 B, part 3',
  0x09: 'ISO 15693, part 1',
  0x0a: 'ISO 15693, part 2',
  0x0b: 'ISO 15693, part 3',
  0x0c: 'ISO 15693, part 4',
  0x0d: 'contact card (ISO 7816-10) I2C',
  0x0e: 'contact card (ISO 7816-10) extended I2C',
  0x0f: 'contact card (ISO 7816-10) 2WBP',
  0x10: 'contact card (ISO 7816-10) 3WBP',
  0x11: 'FeliCa',
  0x40: 'low frequency contactless card',
};

/** PC/SC part 3 supplement, card name NN NN: the common ones only; the ATR list names the rest. */
const PCSC_CARD_NAMES: Record<number, string> = {
  0x0001: 'MIFARE Classic 1K',
  0x0002: 'MIFARE Classic 4K',
  0x0003: 'MIFARE Ultralight',
  0x0026: 'MIFARE Mini',
  0x002f: 'Jewel',
  0x0030: 'Topaz',
  0x003a: 'MIFARE Ultralight C',
};

const PCSC_RID = Buffer.from([0xa0, 0x00, 0x00, 0x03, 0x06]);

export function analyzeHistoricalBytes(hb: Buffer, expected: number): HistoricalBytes {
  const out: HistoricalBytes = {
    bytes: toHex(hb),
    expected,
    category: null,
    format: 'none',
    objects: [],
    problems: [],
  };
  if (hb.length === 0) return out;
  const cat = hb[0] as number;
  out.category = byteHex(cat);
  if (cat === 0x80 && hb.length >= 15 && hb[1] === 0x4f && hb[2] === 0x0c && hb.subarray(3, 8).equals(PCSC_RID)) {
    out.format = 'pcsc-storage-card';
    const standard = hb[8] as number;
    const cardName = hb.readUInt16BE(9);
    out.pcsc = {
      rid: toHex(PCSC_RID),
      standard: byteHex(standard),
      standardName: PCSC_STANDARDS[standard] ?? `RFU (${byteHex(standard)})`,
      cardName: cardName.toString(16).toUpperCase().padStart(4, '0'),
      cardNameText: PCSC_CARD_NAMES[cardName] ?? null,
    };
    return out;
  }
  if (cat === 0x00) {
    out.format = 'compact-tlv+status';
    if (hb.length < 4) {
      out.problems.push(
        `category 00 needs a 3-byte status indicator at the end; the historical bytes have ${hb.length - 1} after it`,
      );
      return out;
    }
    const st = hb.subarray(hb.length - 3);
    parseObjects(hb.subarray(1, hb.length - 3), out);
    out.status = { lcs: byteHex(st[0] as number), lcsMeaning: lcsMeaning(st[0] as number), sw: toHex(st.subarray(1)) };
    return out;
  }
  if (cat === 0x80) {
    out.format = 'compact-tlv';
    parseObjects(hb.subarray(1), out);
    return out;
  }
  if (cat === 0x10) {
    out.format = 'dir-reference';
    if (hb.length < 2) out.problems.push('category 10 needs a DIR data reference byte after it');
    else out.dirReference = byteHex(hb[1] as number);
    return out;
  }
  out.format = cat >= 0x81 && cat <= 0x8f ? 'rfu' : 'proprietary';
  return out;
}

function parseObjects(b: Buffer, out: HistoricalBytes): void {
  let p = 0;
  while (p < b.length) {
    const head = b[p++] as number;
    const tag = head >> 4;
    const length = head & 0x0f;
    const value = b.subarray(p, p + length);
    p += length;
    if (value.length < length) {
      out.problems.push(
        `compact-TLV object ${byteHex(head)} announces ${length} byte${length === 1 ? '' : 's'}, only ${value.length} left`,
      );
    }
    const obj: CompactTlvObject = {
      tag,
      length,
      value: toHex(value),
      name: TAG_NAMES[tag] ?? 'unknown tag',
      details: details(tag, value),
    };
    out.objects.push(obj);
    if (tag === 8) out.status = statusIndicator(value);
  }
}

function details(tag: number, v: Buffer): string[] {
  if (tag === 3 && v.length >= 1) return cardService(v[0] as number);
  if (tag === 7) {
    const d: string[] = [];
    if (v.length >= 1) d.push(...selectionMethods(v[0] as number));
    if (v.length >= 2) d.push(...dataCoding(v[1] as number));
    if (v.length >= 3) d.push(...chainingAndChannels(v[2] as number));
    return d;
  }
  if (tag === 8) {
    const s = statusIndicator(v);
    const d: string[] = [];
    if (s.lcs !== undefined) d.push(`life cycle status ${s.lcs}: ${s.lcsMeaning}`);
    if (s.sw !== undefined) d.push(`status word ${s.sw}`);
    return d;
  }
  return [];
}

function statusIndicator(v: Buffer): NonNullable<HistoricalBytes['status']> {
  if (v.length === 1) return { lcs: byteHex(v[0] as number), lcsMeaning: lcsMeaning(v[0] as number) };
  if (v.length === 2) return { sw: toHex(v) };
  if (v.length >= 3)
    return { lcs: byteHex(v[0] as number), lcsMeaning: lcsMeaning(v[0] as number), sw: toHex(v.subarray(1, 3)) };
  return {};
}

/** ISO 7816-4 life cycle status byte. */
export function lcsMeaning(lcs: number): string {
  if (lcs > 0x0f) return 'proprietary';
  if (lcs === 0x00) return 'no information given';
  if (lcs === 0x01) return 'creation state';
  if (lcs === 0x03) return 'initialisation state';
  if (lcs === 0x04 || lcs === 0x06) return 'operational state, deactivated';
  if (lcs === 0x05 || lcs === 0x07) return 'operational state, activated';
  if (lcs >= 0x0c) return 'termination state';
  return 'RFU';
}

function bits(v: number, names: readonly string[]): string[] {
  return names.filter((_, i) => v & (0x80 >> i));
}

function cardService(v: number): string[] {
  const d = bits(v & 0xf0, [
    'application selection by full DF name',
    'application selection by partial DF name',
    'BER-TLV data objects in EF.DIR',
    'BER-TLV data objects in EF.ATR',
  ]);
  const access = (v >> 1) & 7;
  d.push(
    `EF.DIR and EF.ATR access: ${access === 4 ? 'READ BINARY' : access === 0 ? 'READ RECORD(S)' : access === 2 ? 'GET DATA' : 'RFU'}`,
  );
  d.push(v & 1 ? 'card without MF' : 'card with MF');
  return d;
}

function selectionMethods(v: number): string[] {
  const m = bits(v, [
    'full DF name',
    'partial DF name',
    'path',
    'file identifier',
    'implicit DF',
    'short EF identifier',
    'record number',
    'record identifier',
  ]);
  return [`selection: ${m.length ? m.join(', ') : 'none'}`];
}

function dataCoding(v: number): string[] {
  const write = ['one-time write', 'proprietary', 'write OR', 'write AND'][(v >> 5) & 3];
  return [
    `data coding: ${v & 0x80 ? 'EFs of TLV structure supported; ' : ''}write functions ${write}; FF ${v & 0x10 ? 'valid' : 'invalid'} as first tag byte; data unit ${2 ** (v & 0x0f)} quartet${(v & 0x0f) === 0 ? '' : 's'}`,
  ];
}

function chainingAndChannels(v: number): string[] {
  const d = bits(v & 0xe0, ['command chaining', 'extended Lc and Le', 'extended length information in EF.ATR/INFO']);
  const assign = [
    'no logical channels',
    'logical channels assigned by the interface device',
    'logical channels assigned by the card',
    'logical channels assigned by the interface device and the card',
  ][(v >> 3) & 3];
  d.push(`${assign}; up to ${(v & 7) + 1}${(v & 7) === 7 ? ' or more' : ''} channel${(v & 7) === 0 ? '' : 's'}`);
  return d;
}
