// The daemon-side half of each codec: bare struct encoders against hand-written golden bytes,
// and decode(encode(x)) round trips.

import { describe, expect, it } from 'vitest';
import { LAYOUT_100, LAYOUT_128 } from '../../../src/core/pcscd/codes.js';
import { decodeAttrib, encodeAttribStruct, encodeGetAttrib } from '../../../src/core/pcscd/messages/attrib.js';
import { decodeConnect, encodeConnect, encodeConnectStruct } from '../../../src/core/pcscd/messages/connect.js';
import { decodeControl, encodeControlStruct } from '../../../src/core/pcscd/messages/control.js';
import { decodeReaderStates, encodeReaderStates } from '../../../src/core/pcscd/messages/reader-state.js';
import * as S from '../../../src/core/pcscd/messages/simple.js';
import { decodeTransmit, encodeTransmit, encodeTransmitStruct } from '../../../src/core/pcscd/messages/transmit.js';
import { decodeHeader } from '../../../src/core/pcscd/messages/wire.js';
import { cat, emptyEntry, entry, nameField, words } from '../../helpers/wire-bytes.js';

describe('bare u32 structs', () => {
  const cases = [
    {
      name: 'version',
      enc: () => S.encodeVersionStruct({ major: 4, minor: 3, rv: 0x8010001e }),
      golden: words(4, 3, 0x8010001e),
      dec: S.decodeVersion,
    },
    {
      name: 'establish',
      enc: () => S.encodeEstablishStruct({ scope: 2, hContext: 0x1234abcd, rv: 0 }),
      golden: words(2, 0x1234abcd, 0),
      dec: S.decodeEstablish,
    },
    {
      name: 'release',
      enc: () => S.encodeReleaseStruct({ hContext: 7, rv: 0x80100003 }),
      golden: words(7, 0x80100003),
      dec: S.decodeRelease,
    },
    {
      name: 'reconnect',
      enc: () =>
        S.encodeReconnectStruct({
          hCard: 5,
          shareMode: 2,
          preferredProtocols: 3,
          initialization: 1,
          activeProtocol: 2,
          rv: 0,
        }),
      golden: words(5, 2, 3, 1, 2, 0),
      dec: S.decodeReconnect,
    },
    {
      name: 'disposition',
      enc: () => S.encodeDispositionStruct({ hCard: -1, disposition: 3, rv: 0x80100016 }),
      golden: words(0xffffffff, 3, 0x80100016),
      dec: S.decodeDisposition,
    },
    {
      name: 'handle',
      enc: () => S.encodeHandleStruct({ hCard: 0x7fffffff, rv: 0x80100069 }),
      golden: words(0x7fffffff, 0x80100069),
      dec: S.decodeHandle,
    },
    {
      name: 'cancel',
      enc: () => S.encodeCancelStruct({ hContext: 99, rv: 0 }),
      golden: words(99, 0),
      dec: S.decodeCancel,
    },
    {
      name: 'wait',
      enc: () => S.encodeWaitStruct({ timeOut: 0, rv: 0x80100002 }),
      golden: words(0, 0x80100002),
      dec: S.decodeWait,
    },
    {
      name: 'reader events',
      enc: () => S.encodeReaderEventsStruct({ readerEvents: 2, rv: 0 }),
      golden: words(2, 0),
      dec: S.decodeReaderEvents,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: golden bytes and round trip`, () => {
      const b = c.enc();
      expect(b).toEqual(c.golden);
      const back = (c.dec as (x: Buffer) => object)(b);
      expect((c.dec as (x: Buffer) => object)(c.golden)).toEqual(back);
    });
  }

  it('request encoders still put the header in front of the same struct', () => {
    expect(S.encodeVersion({ major: 4, minor: 5 })).toEqual(cat(words(12, 0x11), words(4, 5, 0)));
    expect(S.encodeWait(3, 250)).toEqual(cat(words(8, 0x13), words(250, 0)));
    expect(S.encodeWait(4, 250)).toEqual(words(0, 0x13));
    expect(S.encodeStopWait(3, 9)).toEqual(cat(words(8, 0x14), words(9, 0)));
  });

  it('readers state size (4:6): a bare int32', () => {
    expect(S.encodeReadersStateSize(18)).toEqual(words(18));
    expect(S.decodeReadersStateSize(words(18))).toBe(18);
  });

  it('header', () => {
    expect(decodeHeader(words(32, 9))).toEqual({ size: 32, command: 9 });
  });
});

describe('connect_struct', () => {
  const m = {
    hContext: 0x11,
    reader: 'Virtual PCD 00 00',
    shareMode: 2,
    preferredProtocols: 3,
    hCard: 0x22,
    activeProtocol: 2,
    rv: 0,
  };
  it('128-byte names: 152 bytes', () => {
    const golden = cat(words(0x11), nameField(m.reader, 128), words(2, 3, 0x22, 2, 0));
    expect(encodeConnectStruct(LAYOUT_128, m)).toEqual(golden);
    expect(decodeConnect(LAYOUT_128, golden)).toEqual(m);
  });
  it('100-byte names: 124 bytes', () => {
    const golden = cat(words(0x11), nameField(m.reader, 100), words(2, 3, 0x22, 2, 0));
    expect(encodeConnectStruct(LAYOUT_100, m)).toEqual(golden);
    expect(decodeConnect(LAYOUT_100, golden)).toEqual(m);
  });
  it('a name that does not fit is refused, not cut', () => {
    expect(encodeConnectStruct(LAYOUT_100, { ...m, reader: 'x'.repeat(100) })).toBeNull();
    expect(encodeConnect(LAYOUT_128, { ...m, reader: 'x'.repeat(128) })).toBeNull();
    expect(encodeConnectStruct(LAYOUT_100, { ...m, reader: 'x'.repeat(99) })).not.toBeNull();
  });
});

describe('transmit, control, getset', () => {
  it('transmit: struct, then the APDU after it in a request', () => {
    const t = {
      hCard: 3,
      sendPciProtocol: 2,
      sendPciLength: 16,
      sendLength: 5,
      recvPciProtocol: 3,
      recvPciLength: 16,
      recvLength: 300,
      rv: 0,
    };
    expect(encodeTransmitStruct(t)).toEqual(words(3, 2, 16, 5, 3, 16, 300, 0));
    expect(decodeTransmit(encodeTransmitStruct(t))).toEqual(t);
    const apdu = Buffer.from('00B0000002', 'hex');
    expect(encodeTransmit(t, apdu)).toEqual(cat(words(32, 9), words(3, 2, 16, 5, 3, 16, 300, 0), apdu));
  });
  it('control', () => {
    const c = { hCard: 1, controlCode: 0x42000d48, sendLength: 0, recvLength: 256, bytesReturned: 12, rv: 0 };
    expect(encodeControlStruct(c)).toEqual(words(1, 0x42000d48, 0, 256, 12, 0));
    expect(decodeControl(encodeControlStruct(c))).toEqual(c);
  });
  it('getset: value at offset 8, cbAttrLen at 272, rv at 276', () => {
    const a = { hCard: 4, attrId: 0x90303, value: Buffer.from([0x3b, 0x80]), attrLen: 2, rv: 0 };
    const golden = cat(words(4, 0x90303), Buffer.from([0x3b, 0x80]), Buffer.alloc(262), words(2, 0));
    expect(encodeAttribStruct(a)).toEqual(golden);
    expect(decodeAttrib(golden)).toEqual(a);
    expect(encodeGetAttrib(4, 0x90303).subarray(8)).toEqual(cat(words(4, 0x90303), Buffer.alloc(264), words(264, 0)));
  });
});

describe('reader-state arrays', () => {
  const r0 = {
    name: 'Virtual PCD 00 00',
    eventCounter: 3,
    readerState: 0x34,
    readerSharing: -1,
    atr: Buffer.from('3B80800101', 'hex'),
    protocol: 2,
  };
  const r1 = {
    name: 'Virtual PCD 00 01',
    eventCounter: 0,
    readerState: 0x02,
    readerSharing: 0,
    atr: Buffer.alloc(0),
    protocol: 0,
  };
  const e0 = (n: 128 | 100): Buffer =>
    entry(n, { name: r0.name, counter: 3, state: 0x34, sharing: -1, atr: [0x3b, 0x80, 0x80, 0x01, 0x01], protocol: 2 });
  const e1 = (n: 128 | 100): Buffer =>
    entry(n, { name: r1.name, counter: 0, state: 2, sharing: 0, atr: [], protocol: 0 });

  it('16 entries of 184 bytes: readers first, unused slots with cardAtrLength 34', () => {
    const golden = cat(e0(128), e1(128), ...Array.from({ length: 14 }, () => emptyEntry(128)));
    const b = encodeReaderStates(LAYOUT_128, [r0, r1], 16);
    expect(b.length).toBe(2944);
    expect(b).toEqual(golden);
    expect(decodeReaderStates(LAYOUT_128, b)).toEqual([r0, r1]);
  });

  it('100-byte names: 156-byte entries', () => {
    const b = encodeReaderStates(LAYOUT_100, [r0, r1], 16);
    expect(b.length).toBe(2496);
    expect(b.subarray(0, 312)).toEqual(cat(e0(100), e1(100)));
    expect(decodeReaderStates(LAYOUT_100, b)).toEqual([r0, r1]);
  });

  it('any count (4:6), and readers beyond the count are left out', () => {
    expect(encodeReaderStates(LAYOUT_128, [r0, r1], 2)).toEqual(cat(e0(128), e1(128)));
    expect(decodeReaderStates(LAYOUT_128, encodeReaderStates(LAYOUT_128, [r0, r1], 1))).toEqual([r0]);
  });

  it('a name too long for the field is cut at a character boundary, NUL kept', () => {
    const long = 'é'.repeat(60); // 120 bytes of UTF-8
    const b = encodeReaderStates(LAYOUT_100, [{ ...r1, name: long }], 1);
    expect(b[99]).toBe(0);
    const [got] = decodeReaderStates(LAYOUT_100, b);
    expect(got?.name).toBe('é'.repeat(49));
  });
});
