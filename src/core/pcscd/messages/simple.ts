// The all-u32 structs (docs/protocol.md#structs): version_struct, establish_struct, release_struct,
// reconnect_struct, disconnect_struct, end_struct, begin_struct, status_struct, cancel_struct,
// wait_reader_state_change and get_reader_events. Each struct has one encoder of the bare struct
// (what a daemon replies) and one decoder; the request encoders wrap the struct in a header.

import { Cmd, Size } from '../codes.js';
import { emptyRequest, expectSize, getI32, getU32, request, u32Struct } from './wire.js';

// version_struct {i32 major, i32 minor, u32 rv}
export interface VersionMsg {
  major: number;
  minor: number;
  rv: number;
}
export const encodeVersionStruct = (m: VersionMsg): Buffer => u32Struct([m.major, m.minor, m.rv]);
export const encodeVersion = (m: Omit<VersionMsg, 'rv'>): Buffer =>
  request(Cmd.VERSION, encodeVersionStruct({ ...m, rv: 0 }));
export function decodeVersion(b: Uint8Array): VersionMsg {
  expectSize(b, Size.VERSION, 'version_struct');
  return { major: getI32(b, 0), minor: getI32(b, 4), rv: getU32(b, 8) };
}

// establish_struct {u32 dwScope, u32 hContext, u32 rv}
export interface EstablishMsg {
  scope: number;
  hContext: number;
  rv: number;
}
export const encodeEstablishStruct = (m: EstablishMsg): Buffer => u32Struct([m.scope, m.hContext, m.rv]);
export const encodeEstablish = (scope: number): Buffer =>
  request(Cmd.ESTABLISH_CONTEXT, encodeEstablishStruct({ scope, hContext: 0, rv: 0 }));
export function decodeEstablish(b: Uint8Array): EstablishMsg {
  expectSize(b, Size.ESTABLISH, 'establish_struct');
  return { scope: getU32(b, 0), hContext: getU32(b, 4), rv: getU32(b, 8) };
}

// release_struct {u32 hContext, u32 rv}
export interface ReleaseMsg {
  hContext: number;
  rv: number;
}
export const encodeReleaseStruct = (m: ReleaseMsg): Buffer => u32Struct([m.hContext, m.rv]);
export const encodeRelease = (hContext: number): Buffer =>
  request(Cmd.RELEASE_CONTEXT, encodeReleaseStruct({ hContext, rv: 0 }));
export function decodeRelease(b: Uint8Array): ReleaseMsg {
  expectSize(b, Size.RELEASE, 'release_struct');
  return { hContext: getU32(b, 0), rv: getU32(b, 4) };
}

// reconnect_struct {i32 hCard, u32 dwShareMode, u32 dwPreferredProtocols, u32 dwInitialization,
//                   u32 dwActiveProtocol, u32 rv}
export interface ReconnectMsg {
  hCard: number;
  shareMode: number;
  preferredProtocols: number;
  initialization: number;
  activeProtocol: number;
  rv: number;
}
export const encodeReconnectStruct = (m: ReconnectMsg): Buffer =>
  u32Struct([m.hCard, m.shareMode, m.preferredProtocols, m.initialization, m.activeProtocol, m.rv]);
export const encodeReconnect = (m: Omit<ReconnectMsg, 'activeProtocol' | 'rv'>): Buffer =>
  request(Cmd.RECONNECT, encodeReconnectStruct({ ...m, activeProtocol: 0, rv: 0 }));
export function decodeReconnect(b: Uint8Array): ReconnectMsg {
  expectSize(b, Size.RECONNECT, 'reconnect_struct');
  return {
    hCard: getI32(b, 0),
    shareMode: getU32(b, 4),
    preferredProtocols: getU32(b, 8),
    initialization: getU32(b, 12),
    activeProtocol: getU32(b, 16),
    rv: getU32(b, 20),
  };
}

// disconnect_struct / end_struct {i32 hCard, u32 dwDisposition, u32 rv}
export interface DispositionMsg {
  hCard: number;
  disposition: number;
  rv: number;
}
export const encodeDispositionStruct = (m: DispositionMsg): Buffer => u32Struct([m.hCard, m.disposition, m.rv]);
export const encodeDisconnect = (hCard: number, disposition: number): Buffer =>
  request(Cmd.DISCONNECT, encodeDispositionStruct({ hCard, disposition, rv: 0 }));
export const encodeEndTransaction = (hCard: number, disposition: number): Buffer =>
  request(Cmd.END_TRANSACTION, encodeDispositionStruct({ hCard, disposition, rv: 0 }));
export function decodeDisposition(b: Uint8Array): DispositionMsg {
  expectSize(b, Size.DISCONNECT, 'disconnect_struct');
  return { hCard: getI32(b, 0), disposition: getU32(b, 4), rv: getU32(b, 8) };
}

// begin_struct / status_struct {i32 hCard, u32 rv}
export interface HandleMsg {
  hCard: number;
  rv: number;
}
export const encodeHandleStruct = (m: HandleMsg): Buffer => u32Struct([m.hCard, m.rv]);
export const encodeBeginTransaction = (hCard: number): Buffer =>
  request(Cmd.BEGIN_TRANSACTION, encodeHandleStruct({ hCard, rv: 0 }));
export const encodeStatus = (hCard: number): Buffer => request(Cmd.STATUS, encodeHandleStruct({ hCard, rv: 0 }));
export function decodeHandle(b: Uint8Array): HandleMsg {
  expectSize(b, Size.BEGIN, 'begin_struct');
  return { hCard: getI32(b, 0), rv: getU32(b, 4) };
}

// cancel_struct {i32 hContext, u32 rv}
export interface CancelMsg {
  hContext: number;
  rv: number;
}
export const encodeCancelStruct = (m: CancelMsg): Buffer => u32Struct([m.hContext, m.rv]);
export const encodeCancel = (hContext: number): Buffer => request(Cmd.CANCEL, encodeCancelStruct({ hContext, rv: 0 }));
export function decodeCancel(b: Uint8Array): CancelMsg {
  expectSize(b, Size.CANCEL, 'cancel_struct');
  return { hContext: getU32(b, 0), rv: getU32(b, 4) };
}

// wait_reader_state_change {u32 timeOut, u32 rv}: notifications, STOP replies, and the
// request bodies of WAIT/STOP on protocol ≤ 4:3. From 4:4 WAIT and STOP have no body.
export interface WaitMsg {
  timeOut: number;
  rv: number;
}
export const encodeWaitStruct = (m: WaitMsg): Buffer => u32Struct([m.timeOut, m.rv]);
export function encodeWait(minor: number, timeoutMs: number): Buffer {
  return minor <= 3
    ? request(Cmd.WAIT_READER_STATE_CHANGE, encodeWaitStruct({ timeOut: timeoutMs, rv: 0 }))
    : emptyRequest(Cmd.WAIT_READER_STATE_CHANGE);
}
export function encodeStopWait(minor: number, timeoutMs: number): Buffer {
  return minor <= 3
    ? request(Cmd.STOP_WAITING_READER_STATE_CHANGE, encodeWaitStruct({ timeOut: timeoutMs, rv: 0 }))
    : emptyRequest(Cmd.STOP_WAITING_READER_STATE_CHANGE);
}
export function decodeWait(b: Uint8Array): WaitMsg {
  expectSize(b, Size.WAIT, 'wait_reader_state_change');
  return { timeOut: getU32(b, 0), rv: getU32(b, 4) };
}

// get_reader_events {u32 readerEvents, u32 rv} (protocol 4:5+)
export interface ReaderEventsMsg {
  readerEvents: number;
  rv: number;
}
export const encodeReaderEventsStruct = (m: ReaderEventsMsg): Buffer => u32Struct([m.readerEvents, m.rv]);
export const encodeGetReaderEvents = (): Buffer => emptyRequest(Cmd.GET_READER_EVENTS);
export function decodeReaderEvents(b: Uint8Array): ReaderEventsMsg {
  expectSize(b, Size.READER_EVENTS, 'get_reader_events');
  return { readerEvents: getU32(b, 0), rv: getU32(b, 4) };
}

export const encodeGetReadersState = (): Buffer => emptyRequest(Cmd.GET_READERS_STATE);
export const encodeGetReadersStateSize = (): Buffer => emptyRequest(Cmd.GET_READERS_STATE_SIZE);
export const encodeGetReadersStateArray = (): Buffer => emptyRequest(Cmd.GET_READERS_STATE_ARRAY);

/** CMD_GET_READERS_STATE_SIZE's reply (4:6): a bare i32 entry count, no rv. */
export const encodeReadersStateSize = (n: number): Buffer => u32Struct([n]);
export function decodeReadersStateSize(b: Uint8Array): number {
  expectSize(b, Size.READERS_STATE_SIZE, 'readers state size');
  return getI32(b, 0);
}
