// node-pcsclite's error messages: "SCardConnect error: Card was removed.(0x80100069)", i.e. the
// call, pcsc-lite's pcsc_stringify_error() text and the code in 8 lower-case hex digits. Apps match
// on these (docs/node-pcsclite.md#errors), so the texts are pcsc-lite's, not the library's.

import { isPcscError, PcscError, Scard } from '../index.js';

/** pcsc_stringify_error()'s texts (pcsc-lite src/error.c); other codes read "Unknown error: 0x…". */
const STRINGIFY: ReadonlyMap<number, string> = new Map([
  [0x00000000, 'Command successful.'],
  [0x80100001, 'Internal error.'],
  [0x80100002, 'Command cancelled.'],
  [0x80100003, 'Invalid handle.'],
  [0x80100004, 'Invalid parameter given.'],
  [0x80100005, 'Invalid target given.'],
  [0x80100006, 'Not enough memory.'],
  [0x80100007, 'Waited too long.'],
  [0x80100008, 'Insufficient buffer.'],
  [0x80100009, 'Unknown reader specified.'],
  [0x8010000a, 'Command timeout.'],
  [0x8010000b, 'Sharing violation.'],
  [0x8010000c, 'No smart card inserted.'],
  [0x8010000d, 'Unknown card.'],
  [0x8010000e, 'Cannot dispose handle.'],
  [0x8010000f, 'Card protocol mismatch.'],
  [0x80100010, 'Subsystem not ready.'],
  [0x80100011, 'Invalid value given.'],
  [0x80100012, 'System cancelled.'],
  [0x80100013, 'RPC transport error.'],
  [0x80100014, 'Unknown error.'],
  [0x80100015, 'Invalid ATR.'],
  [0x80100016, 'Transaction failed.'],
  [0x80100017, 'Reader is unavailable.'],
  [0x80100019, 'PCI struct too small.'],
  [0x8010001a, 'Reader is unsupported.'],
  [0x8010001b, 'Reader already exists.'],
  [0x8010001c, 'Card is unsupported.'],
  [0x8010001d, 'Service not available.'],
  [0x8010001e, 'Service was stopped.'],
  [0x8010001f, 'Feature not supported.'],
  [0x8010002e, 'Cannot find a smart card reader.'],
  [0x80100065, 'Card is not supported.'],
  [0x80100066, 'Card is unresponsive.'],
  [0x80100067, 'Card is unpowered.'],
  [0x80100068, 'Card was reset.'],
  [0x80100069, 'Card was removed.'],
  [0x8010006a, 'Access denied.'],
]);

const hex8 = (code: number): string => (code >>> 0).toString(16).padStart(8, '0');

/** pcsc_stringify_error(code). */
export function stringifyError(code: number): string {
  return STRINGIFY.get(code >>> 0) ?? `Unknown error: 0x${hex8(code).toUpperCase()}`;
}

/** node-pcsclite's message for a failed call: `${call} error: ${text}(0x${code})`. */
export function callErrorMessage(call: string, code: number): string {
  return `${call} error: ${stringifyError(code)}(0x${hex8(code)})`;
}

/** F_INTERNAL_ERROR: what a failure without a PC/SC code (a bad argument, say) is reported as. */
const INTERNAL = 0x80100001;

/**
 * The Error node-pcsclite gives for `call` failing with `e`: a plain Error with its message, the
 * library's error kept as `cause`. A failure that has no PC/SC code keeps its own text.
 */
export function callError(call: string, e: unknown): Error {
  if (isPcscError(e)) return new Error(callErrorMessage(call, e.code), { cause: e });
  const text = e instanceof Error ? e.message : String(e);
  return new Error(`${call} error: ${text}(0x${hex8(INTERNAL)})`, { cause: e });
}

/** What node-pcsclite's transmit and control answer when the reader is not connected. */
export const NOT_CONNECTED = 'Card Reader not connected';

/**
 * A wait on a daemon that went away, as libpcsclite reports it: node-pcsclite's threads are blocked
 * in SCardGetStatusChange then, which ends with SCARD_F_COMM_ERROR. The library may notice it one
 * call later, as SCARD_E_NO_SERVICE (nothing accepts the next request): the same event.
 */
export function waitLost(e: unknown): unknown {
  return isPcscError(e, Scard.E_NO_SERVICE) ? new PcscError(Scard.F_COMM_ERROR, 'pcscd went away', { cause: e }) : e;
}
