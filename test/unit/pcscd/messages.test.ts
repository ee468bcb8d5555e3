// Wire codecs of src/core/pcscd/messages against golden bytes built by test/fakes/structs.ts (written by
// hand from the tables of docs/protocol.md#structs, docs/protocol.md#reader_state and
// docs/protocol.md#measured-layouts) and the byte traces of docs/protocol.md (establishing a context,
// transmit, cancel), plus round trips. Split parsing is in split.test.ts.

import { describe, expect, it } from 'vitest';
import { LAYOUT_100, LAYOUT_128 } from '../../../src/core/pcscd/codes.js';
import { decodeAttrib, encodeGetAttrib, encodeSetAttrib } from '../../../src/core/pcscd/messages/attrib.js';
import { decodeConnect, encodeConnect } from '../../../src/core/pcscd/messages/connect.js';
import { decodeControl, encodeControl } from '../../../src/core/pcscd/messages/control.js';
import { decodeReaderStateEntry, decodeReaderStates } from '../../../src/core/pcscd/messages/reader-state.js';
import * as M from '../../../src/core/pcscd/messages/simple.js';
import { decodeTransmit, encodeTransmit } from '../../../src/core/pcscd/messages/transmit.js';
import { PcscError } from '../../../src/core/errors.js';
import * as S from '../../fakes/structs.js';
import { HCARD, HCTX, replies } from './golden.js';

const apdu = Buffer.from('00A4040007A0000002471001', 'hex');

/** Requests: production encoder vs. header + struct + payload from docs/protocol.md's tables. */
const requests: [string, () => Buffer | null, Buffer][] = [
  [
    'CMD_VERSION 4:6',
    () => M.encodeVersion({ major: 4, minor: 6 }),
    S.request(0x11, S.pack(S.version, { major: 4, minor: 6 })),
  ],
  ['ESTABLISH scope 2', () => M.encodeEstablish(2), S.request(0x01, S.pack(S.establish, { dwScope: 2 }))],
  ['RELEASE', () => M.encodeRelease(HCTX), S.request(0x02, S.pack(S.release, { hContext: HCTX }))],
  [
    'CONNECT, 128-byte names',
    () => M_connect(128),
    S.request(
      0x04,
      S.pack(S.connect(128), {
        hContext: HCTX,
        szReader: 'Fake Reader 00 00',
        dwShareMode: 2,
        dwPreferredProtocols: 3,
      }),
    ),
  ],
  [
    'CONNECT, 100-byte names',
    () => M_connect(100),
    S.request(
      0x04,
      S.pack(S.connect(100), {
        hContext: HCTX,
        szReader: 'Fake Reader 00 00',
        dwShareMode: 2,
        dwPreferredProtocols: 3,
      }),
    ),
  ],
  [
    'RECONNECT',
    () => M.encodeReconnect({ hCard: HCARD, shareMode: 1, preferredProtocols: 2, initialization: 1 }),
    S.request(
      0x05,
      S.pack(S.reconnect, { hCard: HCARD, dwShareMode: 1, dwPreferredProtocols: 2, dwInitialization: 1 }),
    ),
  ],
  [
    'DISCONNECT',
    () => M.encodeDisconnect(HCARD, 2),
    S.request(0x06, S.pack(S.disposition, { hCard: HCARD, dwDisposition: 2 })),
  ],
  ['BEGIN_TRANSACTION', () => M.encodeBeginTransaction(HCARD), S.request(0x07, S.pack(S.handle, { hCard: HCARD }))],
  [
    'END_TRANSACTION',
    () => M.encodeEndTransaction(HCARD, 1),
    S.request(0x08, S.pack(S.disposition, { hCard: HCARD, dwDisposition: 1 })),
  ],
  [
    'TRANSMIT + APDU',
    () =>
      encodeTransmit(
        {
          hCard: HCARD,
          sendPciProtocol: 2,
          sendPciLength: 16,
          recvPciProtocol: 3,
          recvPciLength: 16,
          recvLength: 65548,
        },
        apdu,
      ),
    S.request(
      0x09,
      S.pack(S.transmit, {
        hCard: HCARD,
        ioSendPciProtocol: 2,
        ioSendPciLength: 16,
        cbSendLength: apdu.length,
        ioRecvPciProtocol: 3,
        ioRecvPciLength: 16,
        pcbRecvLength: 65548,
      }),
      apdu,
    ),
  ],
  [
    'CONTROL + data',
    () => encodeControl(HCARD, 0x42000d48, Buffer.from([1, 2, 3]), 264),
    S.request(
      0x0a,
      S.pack(S.control, { hCard: HCARD, dwControlCode: 0x42000d48, cbSendLength: 3, cbRecvLength: 264 }),
      Buffer.from([1, 2, 3]),
    ),
  ],
  [
    'CONTROL, no data',
    () => encodeControl(HCARD, 0x42000001, Buffer.alloc(0), 0),
    S.request(0x0a, S.pack(S.control, { hCard: HCARD, dwControlCode: 0x42000001 })),
  ],
  ['STATUS', () => M.encodeStatus(HCARD), S.request(0x0b, S.pack(S.handle, { hCard: HCARD }))],
  ['CANCEL', () => M.encodeCancel(HCTX), S.request(0x0d, S.pack(S.cancel, { hContext: HCTX }))],
  [
    'GET_ATTRIB asks with cbAttrLen 264',
    () => encodeGetAttrib(HCARD, 0x90303),
    S.request(0x0f, S.pack(S.getset, { hCard: HCARD, dwAttrId: 0x90303, cbAttrLen: 264 })),
  ],
  [
    'SET_ATTRIB',
    () => encodeSetAttrib(HCARD, 0x10100, Buffer.from('abc')),
    S.request(0x10, S.pack(S.getset, { hCard: HCARD, dwAttrId: 0x10100, pbAttr: Buffer.from('abc'), cbAttrLen: 3 })),
  ],
  ['CMD_GET_READERS_STATE (size 0)', () => M.encodeGetReadersState(), S.request(0x12)],
  ['WAIT on 4:3 (8-byte body)', () => M.encodeWait(3, 1234), S.request(0x13, S.pack(S.wait, { timeOut: 1234 }))],
  ['WAIT on 4:2 (8-byte body)', () => M.encodeWait(2, 0), S.request(0x13, S.pack(S.wait, {}))],
  ['WAIT on 4:4 (no body)', () => M.encodeWait(4, 1234), S.request(0x13)],
  ['WAIT on 4:6 (no body)', () => M.encodeWait(6, 1), S.request(0x13)],
  [
    'STOP on 4:3 (8-byte body)',
    () => M.encodeStopWait(3, 0xabcd),
    S.request(0x14, S.pack(S.wait, { timeOut: 0xabcd })),
  ],
  ['STOP on 4:5 (no body)', () => M.encodeStopWait(5, 0xabcd), S.request(0x14)],
  ['CMD_GET_READER_EVENTS', () => M.encodeGetReaderEvents(), S.request(0x15)],
  ['CMD_GET_READERS_STATE_SIZE', () => M.encodeGetReadersStateSize(), S.request(0x16)],
  ['CMD_GET_READERS_STATE_ARRAY', () => M.encodeGetReadersStateArray(), S.request(0x17)],
];

function M_connect(nameSize: 100 | 128): Buffer | null {
  return encodeConnect(nameSize === 128 ? LAYOUT_128 : LAYOUT_100, {
    hContext: HCTX,
    reader: 'Fake Reader 00 00',
    shareMode: 2,
    preferredProtocols: 3,
  });
}

describe('requests match golden bytes from the tables of docs/protocol.md', () => {
  it.each(requests)('%s', (_name, encode, golden) => {
    expect(encode()?.toString('hex')).toBe(golden.toString('hex'));
  });

  it('header is {size, command}; size excludes the TRANSMIT/CONTROL payload (docs/protocol.md#requests)', () => {
    const t = encodeTransmit(
      { hCard: 1, sendPciProtocol: 1, sendPciLength: 16, recvPciProtocol: 3, recvPciLength: 16, recvLength: 300 },
      apdu,
    );
    expect(S.unpack(S.header, t).values).toEqual({ size: 32, command: 9 });
    expect(t.length).toBe(8 + 32 + apdu.length);
  });

  it('matches the verified traces (docs/protocol.md#establishing-and-releasing-a-context, docs/protocol.md#transmit-and-control, docs/protocol.md#cancel; x86_64, little-endian)', () => {
    expect(M.encodeVersion({ major: 4, minor: 5 }).toString('hex')).toBe(
      '0c000000110000000400000005000000' + '00000000',
    );
    expect(M.encodeEstablish(2).toString('hex')).toBe('0c000000010000000200000000000000' + '00000000');
    const t = encodeTransmit(
      {
        hCard: 0x01020304,
        sendPciProtocol: 1,
        sendPciLength: 16,
        recvPciProtocol: 3,
        recvPciLength: 16,
        recvLength: 300,
      },
      Buffer.from('00b0000002', 'hex'),
    );
    expect(t.toString('hex')).toBe(
      '20000000' +
        '09000000' +
        '04030201' +
        '01000000' +
        '10000000' +
        '05000000' +
        '03000000' +
        '10000000' +
        '2c010000' +
        '00000000' +
        '00b0000002',
    );
    expect(M.encodeCancel(0x01020304).toString('hex')).toBe('080000000d000000' + '04030201' + '00000000');
    expect(M.decodeWait(Buffer.from('0000000002001080', 'hex'))).toEqual({ timeOut: 0, rv: 0x80100002 });
  });

  it('CONNECT: the name must fit with its NUL; the rest of the field is NUL (docs/protocol.md#connect_struct)', () => {
    const ok = encodeConnect(LAYOUT_100, { hContext: 1, reader: 'x'.repeat(99), shareMode: 2, preferredProtocols: 3 });
    expect(ok?.length).toBe(8 + 124);
    expect(ok?.[8 + 4 + 99]).toBe(0);
    expect(
      encodeConnect(LAYOUT_100, { hContext: 1, reader: 'x'.repeat(100), shareMode: 2, preferredProtocols: 3 }),
    ).toBeNull();
    expect(
      encodeConnect(LAYOUT_128, { hContext: 1, reader: 'x'.repeat(127), shareMode: 2, preferredProtocols: 3 })?.length,
    ).toBe(8 + 152);
    expect(
      encodeConnect(LAYOUT_128, { hContext: 1, reader: 'é'.repeat(64), shareMode: 2, preferredProtocols: 3 }),
    ).toBeNull(); // 128 UTF-8 bytes
  });

  it('SET_ATTRIB refuses values that cannot travel (> 264 bytes)', () => {
    expect(encodeSetAttrib(1, 2, Buffer.alloc(264)).length).toBe(8 + 280);
    expect(() => encodeSetAttrib(1, 2, Buffer.alloc(265))).toThrow(RangeError);
  });
});

describe('replies: golden bytes decode to the fields the tables of docs/protocol.md name', () => {
  it.each(replies)('%s', (_name, bytes, decode, expected) => {
    expect(decode(bytes)).toEqual(expected);
  });

  it.each(replies)('%s: a reply of the wrong size is refused', (_name, bytes, decode) => {
    expect(() => decode(bytes.subarray(1))).toThrow();
    expect(() => decode(Buffer.concat([bytes, Buffer.alloc(4)]))).toThrow();
  });
});

describe('round trips: what a request encodes decodes back', () => {
  const body = (b: Buffer | null): Buffer => (b as Buffer).subarray(8, 8 + S.u32(b as Buffer, 0));
  it('simple structs', () => {
    expect(M.decodeVersion(body(M.encodeVersion({ major: 4, minor: 3 })))).toEqual({ major: 4, minor: 3, rv: 0 });
    expect(M.decodeEstablish(body(M.encodeEstablish(3)))).toEqual({ scope: 3, hContext: 0, rv: 0 });
    expect(M.decodeRelease(body(M.encodeRelease(HCTX)))).toEqual({ hContext: HCTX, rv: 0 });
    const rc = { hCard: HCARD, shareMode: 3, preferredProtocols: 0, initialization: 2 };
    expect(M.decodeReconnect(body(M.encodeReconnect(rc)))).toEqual({ ...rc, activeProtocol: 0, rv: 0 });
    expect(M.decodeDisposition(body(M.encodeDisconnect(HCARD, 3)))).toEqual({ hCard: HCARD, disposition: 3, rv: 0 });
    expect(M.decodeDisposition(body(M.encodeEndTransaction(HCARD, 0)))).toEqual({
      hCard: HCARD,
      disposition: 0,
      rv: 0,
    });
    expect(M.decodeHandle(body(M.encodeBeginTransaction(HCARD)))).toEqual({ hCard: HCARD, rv: 0 });
    expect(M.decodeHandle(body(M.encodeStatus(HCARD)))).toEqual({ hCard: HCARD, rv: 0 });
    expect(M.decodeCancel(body(M.encodeCancel(HCTX)))).toEqual({ hContext: HCTX, rv: 0 });
    expect(M.decodeWait(body(M.encodeWait(3, 0xffffffff)))).toEqual({ timeOut: 0xffffffff, rv: 0 });
    expect(M.decodeWait(body(M.encodeStopWait(2, 7)))).toEqual({ timeOut: 7, rv: 0 });
  });

  it.each([LAYOUT_128, LAYOUT_100])('connect_struct with %o', (layout) => {
    const m = { hContext: 0xffffffff, reader: 'Reader «ü» 00 00', shareMode: 3, preferredProtocols: 0x1000 };
    expect(decodeConnect(layout, body(encodeConnect(layout, m)))).toEqual({ ...m, hCard: 0, activeProtocol: 0, rv: 0 });
  });

  it('transmit, control and attribute structs', () => {
    const t = {
      hCard: HCARD,
      sendPciProtocol: 4,
      sendPciLength: 8,
      recvPciProtocol: 3,
      recvPciLength: 16,
      recvLength: 2,
    };
    expect(decodeTransmit(body(encodeTransmit(t, apdu)))).toEqual({ ...t, sendLength: apdu.length, rv: 0 });
    expect(decodeControl(body(encodeControl(HCARD, 0xffffffff, apdu, 65548)))).toEqual({
      hCard: HCARD,
      controlCode: 0xffffffff,
      sendLength: apdu.length,
      recvLength: 65548,
      bytesReturned: 0,
      rv: 0,
    });
    expect(decodeAttrib(body(encodeSetAttrib(HCARD, 0x7fff0003, Buffer.from('name\0'))))).toEqual({
      hCard: HCARD,
      attrId: 0x7fff0003,
      value: Buffer.from('name\0'),
      attrLen: 5,
      rv: 0,
    });
    expect(decodeAttrib(body(encodeGetAttrib(HCARD, 1))).attrLen).toBe(264);
  });
});

describe('reader-state entries and arrays (docs/protocol.md#reader-states)', () => {
  const entry = (nameSize: 100 | 128, v: S.Values): Buffer => S.pack(S.readerState(nameSize), v);
  const used = {
    readerName: 'Fake Reader 00 00',
    eventCounter: 0xffff,
    readerState: 0x34,
    readerSharing: -1,
    cardAtr: Buffer.from('3b8f8001', 'hex'),
    cardAtrLength: 4,
    cardProtocol: 2,
  };

  it.each([
    [128, LAYOUT_128],
    [100, LAYOUT_100],
  ] as const)('%i-byte names: %o', (nameSize, layout) => {
    expect(S.sizeOf(S.readerState(nameSize))).toBe(layout.entrySize);
    expect(S.offsetOf(S.readerState(nameSize), 'cardAtrLength')).toBe(nameSize + 48);
    expect(decodeReaderStateEntry(layout, entry(nameSize, used))).toEqual({
      name: 'Fake Reader 00 00',
      eventCounter: 0xffff,
      readerState: 0x34,
      readerSharing: -1,
      atr: Buffer.from('3b8f8001', 'hex'),
      protocol: 2,
    });
  });

  it('skips empty slots, keeps slot order, takes any number of entries', () => {
    const slots = [
      entry(128, {}),
      entry(128, { ...used, readerName: 'B' }),
      entry(128, { cardAtrLength: 34 }),
      entry(128, { ...used, readerName: 'A' }),
    ];
    for (const n of [1, 4, 16, 17, 48]) {
      const array = Buffer.concat(Array.from({ length: n }, (_, i) => slots[i % 4] as Buffer));
      const names = decodeReaderStates(LAYOUT_128, array).map((e) => e.name);
      expect(names).toEqual(Array.from({ length: n }, (_, i) => ['', 'B', '', 'A'][i % 4]).filter(Boolean));
    }
    expect(decodeReaderStates(LAYOUT_128, Buffer.alloc(0))).toEqual([]);
  });

  it('an ATR length of 34 ("not initialised") in a used slot gives an empty ATR', () => {
    expect(decodeReaderStateEntry(LAYOUT_128, entry(128, { ...used, cardAtrLength: 34 })).atr.length).toBe(0);
    expect(decodeReaderStates(LAYOUT_128, entry(128, { ...used, cardAtrLength: 34 }))[0]?.atr.length).toBe(0);
  });

  it.each([
    ['a name without NUL', { readerName: 'x'.repeat(128) }, true],
    ['eventCounter above 0xFFFF', { eventCounter: 0x10000 }, false],
    ['readerState with unknown bits', { readerState: 0x80 }, false],
    ['readerSharing below -1', { readerSharing: -2 }, false],
    ['cardAtrLength 35', { cardAtrLength: 35 }, false],
  ])('refuses garbage in a used slot: %s', (_what, bad, rawName) => {
    const b = entry(128, { ...used, ...bad });
    if (rawName) b.fill(0x78, 0, 128);
    expect(() => decodeReaderStates(LAYOUT_128, b)).toThrow(PcscError);
  });

  it('refuses an array that is not a whole number of entries', () => {
    expect(() => decodeReaderStates(LAYOUT_128, Buffer.alloc(184 * 2 + 1))).toThrow(PcscError);
  });
});
