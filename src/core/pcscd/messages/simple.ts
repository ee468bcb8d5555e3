// The all-u32 structs (§5.1–5.8, 5.12, 5.13): version_struct, establish_struct, release_struct,
// reconnect_struct, disconnect_struct, end_struct, begin_struct, status_struct, cancel_struct,
// wait_reader_state_change and get_reader_events. Requests carry the header; replies are bare.

import { Cmd, Size } from '../codes.js';
import { emptyRequest, expectSize, getI32, getU32, u32Request } from './wire.js';

// version_struct {i32 major, i32 minor, u32 rv}
export interface VersionMsg { major: number; minor: number; rv: number }
export const encodeVersion = (m: Omit<VersionMsg, 'rv'>): Buffer => u32Request(Cmd.VERSION, [m.major, m.minor, 0]);
export function decodeVersion(b: Uint8Array): VersionMsg {
  expectSize(b, Size.VERSION, 'version_struct');
  return { major: getI32(b, 0), minor: getI32(b, 4), rv: getU32(b, 8) };
}

// establish_struct {u32 dwScope, u32 hContext, u32 rv}
export interface EstablishMsg { scope: number; hContext: number; rv: number }
export const encodeEstablish = (scope: number): Buffer => u32Request(Cmd.ESTABLISH_CONTEXT, [scope, 0, 0]);
export function decodeEstablish(b: Uint8Array): EstablishMsg {
  expectSize(b, Size.ESTABLISH, 'establish_struct');
  return { scope: getU32(b, 0), hContext: getU32(b, 4), rv: getU32(b, 8) };
}

// release_struct {u32 hContext, u32 rv}
export interface ReleaseMsg { hContext: number; rv: number }
export const encodeRelease = (hContext: number): Buffer => u32Request(Cmd.RELEASE_CONTEXT, [hContext, 0]);
export function decodeRelease(b: Uint8Array): ReleaseMsg {
  expectSize(b, Size.RELEASE, 'release_struct');
  return { hContext: getU32(b, 0), rv: getU32(b, 4) };
}

// reconnect_struct {i32 hCard, u32 dwShareMode, u32 dwPreferredProtocols, u32 dwInitialization,
//                   u32 dwActiveProtocol, u32 rv}
export interface ReconnectMsg {
  hCard: number; shareMode: number; preferredProtocols: number; initialization: number;
  activeProtocol: number; rv: number;
}
export const encodeReconnect = (m: Omit<ReconnectMsg, 'activeProtocol' | 'rv'>): Buffer =>
  u32Request(Cmd.RECONNECT, [m.hCard, m.shareMode, m.preferredProtocols, m.initialization, 0, 0]);
export function decodeReconnect(b: Uint8Array): ReconnectMsg {
  expectSize(b, Size.RECONNECT, 'reconnect_struct');
  return {
    hCard: getI32(b, 0), shareMode: getU32(b, 4), preferredProtocols: getU32(b, 8),
    initialization: getU32(b, 12), activeProtocol: getU32(b, 16), rv: getU32(b, 20),
  };
}

// disconnect_struct / end_struct {i32 hCard, u32 dwDisposition, u32 rv}
export interface DispositionMsg { hCard: number; disposition: number; rv: number }
export const encodeDisconnect = (hCard: number, disposition: number): Buffer =>
  u32Request(Cmd.DISCONNECT, [hCard, disposition, 0]);
export const encodeEndTransaction = (hCard: number, disposition: number): Buffer =>
  u32Request(Cmd.END_TRANSACTION, [hCard, disposition, 0]);
export function decodeDisposition(b: Uint8Array): DispositionMsg {
  expectSize(b, Size.DISCONNECT, 'disconnect_struct');
  return { hCard: getI32(b, 0), disposition: getU32(b, 4), rv: getU32(b, 8) };
}

// begin_struct / status_struct {i32 hCard, u32 rv}
export interface HandleMsg { hCard: number; rv: number }
export const encodeBeginTransaction = (hCard: number): Buffer => u32Request(Cmd.BEGIN_TRANSACTION, [hCard, 0]);
export const encodeStatus = (hCard: number): Buffer => u32Request(Cmd.STATUS, [hCard, 0]);
export function decodeHandle(b: Uint8Array): HandleMsg {
  expectSize(b, Size.BEGIN, 'begin_struct');
  return { hCard: getI32(b, 0), rv: getU32(b, 4) };
}

// cancel_struct {i32 hContext, u32 rv}
export interface CancelMsg { hContext: number; rv: number }
export const encodeCancel = (hContext: number): Buffer => u32Request(Cmd.CANCEL, [hContext, 0]);
export function decodeCancel(b: Uint8Array): CancelMsg {
  expectSize(b, Size.CANCEL, 'cancel_struct');
  return { hContext: getU32(b, 0), rv: getU32(b, 4) };
}

// wait_reader_state_change {u32 timeOut, u32 rv}: notifications, STOP replies, and the
// request bodies of WAIT/STOP on protocol ≤ 4:3. From 4:4 WAIT and STOP have no body.
export interface WaitMsg { timeOut: number; rv: number }
export function encodeWait(minor: number, timeoutMs: number): Buffer {
  return minor <= 3
    ? u32Request(Cmd.WAIT_READER_STATE_CHANGE, [timeoutMs, 0])
    : emptyRequest(Cmd.WAIT_READER_STATE_CHANGE);
}
export function encodeStopWait(minor: number, timeoutMs: number): Buffer {
  return minor <= 3
    ? u32Request(Cmd.STOP_WAITING_READER_STATE_CHANGE, [timeoutMs, 0])
    : emptyRequest(Cmd.STOP_WAITING_READER_STATE_CHANGE);
}
export function decodeWait(b: Uint8Array): WaitMsg {
  expectSize(b, Size.WAIT, 'wait_reader_state_change');
  return { timeOut: getU32(b, 0), rv: getU32(b, 4) };
}

// get_reader_events {u32 readerEvents, u32 rv} (protocol 4:5+)
export interface ReaderEventsMsg { readerEvents: number; rv: number }
export const encodeGetReaderEvents = (): Buffer => emptyRequest(Cmd.GET_READER_EVENTS);
export function decodeReaderEvents(b: Uint8Array): ReaderEventsMsg {
  expectSize(b, Size.READER_EVENTS, 'get_reader_events');
  return { readerEvents: getU32(b, 0), rv: getU32(b, 4) };
}

export const encodeGetReadersState = (): Buffer => emptyRequest(Cmd.GET_READERS_STATE);
export const encodeGetReadersStateSize = (): Buffer => emptyRequest(Cmd.GET_READERS_STATE_SIZE);
export const encodeGetReadersStateArray = (): Buffer => emptyRequest(Cmd.GET_READERS_STATE_ARRAY);
