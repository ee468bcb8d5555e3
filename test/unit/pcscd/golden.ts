// Golden reply bytes for every pcscd reply struct, built with test/fakes/structs.ts (written by hand from the
// tables of docs/protocol.md#structs and docs/protocol.md#reader_state), paired with the production
// decoder and its result.

import { LAYOUT_100, LAYOUT_128 } from '../../../src/core/pcscd/codes.js';
import { decodeAttrib } from '../../../src/core/pcscd/messages/attrib.js';
import { decodeConnect } from '../../../src/core/pcscd/messages/connect.js';
import { decodeControl } from '../../../src/core/pcscd/messages/control.js';
import * as M from '../../../src/core/pcscd/messages/simple.js';
import { decodeTransmit } from '../../../src/core/pcscd/messages/transmit.js';
import * as S from '../../fakes/structs.js';

export const HCARD = -0x12345679; // negative: hCard is i32 (docs/protocol.md#integers)
export const HCTX = 0x7ab0c0d1;
const RV = 0x8010001e; // high bit set: rv is u32

/** Replies: golden bytes from docs/protocol.md's tables, decoded by production code. */
export const replies: [string, Buffer, (b: Buffer) => unknown, unknown][] = [
  [
    'version_struct',
    S.pack(S.version, { major: 4, minor: 5, rv: RV }),
    M.decodeVersion,
    { major: 4, minor: 5, rv: RV },
  ],
  [
    'establish_struct',
    S.pack(S.establish, { dwScope: 2, hContext: HCTX, rv: 0 }),
    M.decodeEstablish,
    { scope: 2, hContext: HCTX, rv: 0 },
  ],
  [
    'release_struct',
    S.pack(S.release, { hContext: HCTX, rv: 0x80100011 }),
    M.decodeRelease,
    { hContext: HCTX, rv: 0x80100011 },
  ],
  [
    'connect_struct (128)',
    S.pack(S.connect(128), {
      hContext: HCTX,
      szReader: 'R 00 00',
      dwShareMode: 1,
      dwPreferredProtocols: 3,
      hCard: -1,
      dwActiveProtocol: 0xffffffff,
      rv: 0x8010006a,
    }),
    (b) => decodeConnect(LAYOUT_128, b),
    {
      hContext: HCTX,
      reader: 'R 00 00',
      shareMode: 1,
      preferredProtocols: 3,
      hCard: -1,
      activeProtocol: 0xffffffff,
      rv: 0x8010006a,
    },
  ],
  [
    'connect_struct (100)',
    S.pack(S.connect(100), {
      hContext: HCTX,
      szReader: 'R 00 00',
      dwShareMode: 2,
      dwPreferredProtocols: 1,
      hCard: HCARD,
      dwActiveProtocol: 1,
      rv: 0,
    }),
    (b) => decodeConnect(LAYOUT_100, b),
    { hContext: HCTX, reader: 'R 00 00', shareMode: 2, preferredProtocols: 1, hCard: HCARD, activeProtocol: 1, rv: 0 },
  ],
  [
    'reconnect_struct',
    S.pack(S.reconnect, {
      hCard: HCARD,
      dwShareMode: 2,
      dwPreferredProtocols: 3,
      dwInitialization: 1,
      dwActiveProtocol: 2,
      rv: 0,
    }),
    M.decodeReconnect,
    { hCard: HCARD, shareMode: 2, preferredProtocols: 3, initialization: 1, activeProtocol: 2, rv: 0 },
  ],
  [
    'disconnect_struct / end_struct',
    S.pack(S.disposition, { hCard: HCARD, dwDisposition: 3, rv: 0x80100016 }),
    M.decodeDisposition,
    { hCard: HCARD, disposition: 3, rv: 0x80100016 },
  ],
  [
    'begin_struct / status_struct',
    S.pack(S.handle, { hCard: HCARD, rv: 0x80100069 }),
    M.decodeHandle,
    { hCard: HCARD, rv: 0x80100069 },
  ],
  [
    'cancel_struct',
    S.pack(S.cancel, { hContext: HCTX, rv: 0x80100003 }),
    M.decodeCancel,
    { hContext: HCTX, rv: 0x80100003 },
  ],
  [
    'transmit_struct',
    S.pack(S.transmit, {
      hCard: HCARD,
      ioSendPciProtocol: 1,
      ioSendPciLength: 16,
      cbSendLength: 5,
      ioRecvPciProtocol: 3,
      ioRecvPciLength: 16,
      pcbRecvLength: 7,
      rv: 0,
    }),
    decodeTransmit,
    {
      hCard: HCARD,
      sendPciProtocol: 1,
      sendPciLength: 16,
      sendLength: 5,
      recvPciProtocol: 3,
      recvPciLength: 16,
      recvLength: 7,
      rv: 0,
    },
  ],
  [
    'control_struct',
    S.pack(S.control, {
      hCard: HCARD,
      dwControlCode: 0x42000d48,
      cbSendLength: 0,
      cbRecvLength: 264,
      dwBytesReturned: 12,
      rv: 0,
    }),
    decodeControl,
    { hCard: HCARD, controlCode: 0x42000d48, sendLength: 0, recvLength: 264, bytesReturned: 12, rv: 0 },
  ],
  [
    'getset_struct',
    S.pack(S.getset, { hCard: HCARD, dwAttrId: 0x90303, pbAttr: Buffer.from('3b00', 'hex'), cbAttrLen: 2, rv: 0 }),
    decodeAttrib,
    { hCard: HCARD, attrId: 0x90303, value: Buffer.from('3b00', 'hex'), attrLen: 2, rv: 0 },
  ],
  [
    'getset_struct, cbAttrLen > 264 kept for the caller to judge',
    S.pack(S.getset, { hCard: 1, dwAttrId: 2, cbAttrLen: 0xffffffff }),
    decodeAttrib,
    { hCard: 1, attrId: 2, value: Buffer.alloc(264), attrLen: 0xffffffff, rv: 0 },
  ],
  [
    'wait_reader_state_change',
    S.pack(S.wait, { timeOut: 0x97aa4396, rv: 0x80100002 }),
    M.decodeWait,
    { timeOut: 0x97aa4396, rv: 0x80100002 },
  ],
  [
    'get_reader_events',
    S.pack(S.readerEvents, { readerEvents: 32767, rv: 0 }),
    M.decodeReaderEvents,
    { readerEvents: 32767, rv: 0 },
  ],
];
