// Typed errors of the core: PC/SC return codes (pcsc-lite's SCARD_* values,
// docs/protocol.md#return-codes) kept as data, plus errors that have no SCARD code (bad input,
// protocol violations, CCID faults).

export interface ScardCodeInfo {
  readonly name: string;
  readonly text: string;
}

/** pcsc-lite's return codes. 0x8010001F carries two names in pcsc-lite; we show the one users meet. */
export const SCARD_CODES: ReadonlyMap<number, ScardCodeInfo> = new Map<number, ScardCodeInfo>([
  [0x00000000, { name: 'SCARD_S_SUCCESS', text: 'Success' }],
  [0x80100001, { name: 'SCARD_F_INTERNAL_ERROR', text: 'Internal error in the PC/SC service' }],
  [0x80100002, { name: 'SCARD_E_CANCELLED', text: 'Cancelled' }],
  [0x80100003, { name: 'SCARD_E_INVALID_HANDLE', text: 'Invalid context or card handle' }],
  [0x80100004, { name: 'SCARD_E_INVALID_PARAMETER', text: 'Invalid parameter' }],
  [0x80100005, { name: 'SCARD_E_INVALID_TARGET', text: 'Invalid target' }],
  [0x80100006, { name: 'SCARD_E_NO_MEMORY', text: 'Not enough memory (or too many handles)' }],
  [0x80100007, { name: 'SCARD_F_WAITED_TOO_LONG', text: 'Waited too long' }],
  [0x80100008, { name: 'SCARD_E_INSUFFICIENT_BUFFER', text: 'Buffer too small for the answer' }],
  [0x80100009, { name: 'SCARD_E_UNKNOWN_READER', text: 'Unknown reader' }],
  [0x8010000a, { name: 'SCARD_E_TIMEOUT', text: 'Timed out' }],
  [0x8010000b, { name: 'SCARD_E_SHARING_VIOLATION', text: 'Sharing violation: the card or reader is in use' }],
  [0x8010000c, { name: 'SCARD_E_NO_SMARTCARD', text: 'No card in the reader' }],
  [0x8010000d, { name: 'SCARD_E_UNKNOWN_CARD', text: 'Unknown card' }],
  [0x8010000e, { name: 'SCARD_E_CANT_DISPOSE', text: 'Cannot dispose of the card' }],
  [0x8010000f, { name: 'SCARD_E_PROTO_MISMATCH', text: 'Card protocol mismatch' }],
  [0x80100010, { name: 'SCARD_E_NOT_READY', text: 'Reader or card not ready' }],
  [0x80100011, { name: 'SCARD_E_INVALID_VALUE', text: 'Invalid value' }],
  [0x80100012, { name: 'SCARD_E_SYSTEM_CANCELLED', text: 'Cancelled by the system' }],
  [0x80100013, { name: 'SCARD_F_COMM_ERROR', text: 'Communication with the PC/SC service failed' }],
  [0x80100014, { name: 'SCARD_F_UNKNOWN_ERROR', text: 'Unknown internal error' }],
  [0x80100015, { name: 'SCARD_E_INVALID_ATR', text: 'Invalid ATR' }],
  [
    0x80100016,
    { name: 'SCARD_E_NOT_TRANSACTED', text: 'Not in a transaction, or the reader did not understand the request' },
  ],
  [0x80100017, { name: 'SCARD_E_READER_UNAVAILABLE', text: 'Reader unavailable' }],
  [0x80100018, { name: 'SCARD_P_SHUTDOWN', text: 'Operation aborted for a shutdown' }],
  [0x80100019, { name: 'SCARD_E_PCI_TOO_SMALL', text: 'PCI buffer too small' }],
  [0x8010001a, { name: 'SCARD_E_READER_UNSUPPORTED', text: 'Reader not supported' }],
  [0x8010001b, { name: 'SCARD_E_DUPLICATE_READER', text: 'Duplicate reader' }],
  [0x8010001c, { name: 'SCARD_E_CARD_UNSUPPORTED', text: 'Card not supported' }],
  [0x8010001d, { name: 'SCARD_E_NO_SERVICE', text: 'PC/SC service (pcscd) not running' }],
  [
    0x8010001e,
    { name: 'SCARD_E_SERVICE_STOPPED', text: 'PC/SC service stopped, or client and pcscd protocol versions differ' },
  ],
  [0x8010001f, { name: 'SCARD_E_UNSUPPORTED_FEATURE', text: 'Not supported by the reader or driver' }],
  [0x80100020, { name: 'SCARD_E_ICC_INSTALLATION', text: 'No primary provider for the card' }],
  [0x80100021, { name: 'SCARD_E_ICC_CREATEORDER', text: 'Requested creation order not supported' }],
  [0x80100023, { name: 'SCARD_E_DIR_NOT_FOUND', text: 'Directory not found on the card' }],
  [0x80100024, { name: 'SCARD_E_FILE_NOT_FOUND', text: 'File not found on the card' }],
  [0x80100025, { name: 'SCARD_E_NO_DIR', text: 'Not a directory' }],
  [0x80100026, { name: 'SCARD_E_NO_FILE', text: 'Not a file' }],
  [0x80100027, { name: 'SCARD_E_NO_ACCESS', text: 'Access denied to the file' }],
  [0x80100028, { name: 'SCARD_E_WRITE_TOO_MANY', text: 'The card is full' }],
  [0x80100029, { name: 'SCARD_E_BAD_SEEK', text: 'Bad file pointer position' }],
  [0x8010002a, { name: 'SCARD_E_INVALID_CHV', text: 'Invalid PIN' }],
  [0x8010002b, { name: 'SCARD_E_UNKNOWN_RES_MNG', text: 'Unknown resource manager error' }],
  [0x8010002c, { name: 'SCARD_E_NO_SUCH_CERTIFICATE', text: 'No such certificate' }],
  [0x8010002d, { name: 'SCARD_E_CERTIFICATE_UNAVAILABLE', text: 'Certificate unavailable' }],
  [0x8010002e, { name: 'SCARD_E_NO_READERS_AVAILABLE', text: 'No readers available' }],
  [0x8010002f, { name: 'SCARD_E_COMM_DATA_LOST', text: 'Communication data lost' }],
  [0x80100030, { name: 'SCARD_E_NO_KEY_CONTAINER', text: 'No key container' }],
  [0x80100031, { name: 'SCARD_E_SERVER_TOO_BUSY', text: 'PC/SC service too busy' }],
  [0x80100065, { name: 'SCARD_W_UNSUPPORTED_CARD', text: 'Card not supported (ATR conflict)' }],
  [0x80100066, { name: 'SCARD_W_UNRESPONSIVE_CARD', text: 'Card is unresponsive' }],
  [0x80100067, { name: 'SCARD_W_UNPOWERED_CARD', text: 'Card is unpowered' }],
  [0x80100068, { name: 'SCARD_W_RESET_CARD', text: 'Card was reset' }],
  [0x80100069, { name: 'SCARD_W_REMOVED_CARD', text: 'Card was removed' }],
  [0x8010006a, { name: 'SCARD_W_SECURITY_VIOLATION', text: 'Access denied (security violation)' }],
  [0x8010006b, { name: 'SCARD_W_WRONG_CHV', text: 'Wrong PIN' }],
  [0x8010006c, { name: 'SCARD_W_CHV_BLOCKED', text: 'PIN blocked' }],
  [0x8010006d, { name: 'SCARD_W_EOF', text: 'End of file' }],
  [0x8010006e, { name: 'SCARD_W_CANCELLED_BY_USER', text: 'Cancelled by the user' }],
  [0x8010006f, { name: 'SCARD_W_CARD_NOT_AUTHENTICATED', text: 'No PIN was presented' }],
]);

/** Named constants for the codes the core itself produces or tests for. */
export const Scard = {
  S_SUCCESS: 0x00000000,
  F_INTERNAL_ERROR: 0x80100001,
  E_CANCELLED: 0x80100002,
  E_INVALID_HANDLE: 0x80100003,
  E_INVALID_PARAMETER: 0x80100004,
  E_NO_MEMORY: 0x80100006,
  E_INSUFFICIENT_BUFFER: 0x80100008,
  E_UNKNOWN_READER: 0x80100009,
  E_TIMEOUT: 0x8010000a,
  E_SHARING_VIOLATION: 0x8010000b,
  E_NO_SMARTCARD: 0x8010000c,
  E_PROTO_MISMATCH: 0x8010000f,
  E_NOT_READY: 0x80100010,
  E_INVALID_VALUE: 0x80100011,
  F_COMM_ERROR: 0x80100013,
  E_NOT_TRANSACTED: 0x80100016,
  E_READER_UNAVAILABLE: 0x80100017,
  E_NO_SERVICE: 0x8010001d,
  E_SERVICE_STOPPED: 0x8010001e,
  E_UNSUPPORTED_FEATURE: 0x8010001f,
  E_NO_READERS_AVAILABLE: 0x8010002e,
  W_UNSUPPORTED_CARD: 0x80100065,
  W_UNRESPONSIVE_CARD: 0x80100066,
  W_UNPOWERED_CARD: 0x80100067,
  W_RESET_CARD: 0x80100068,
  W_REMOVED_CARD: 0x80100069,
  W_SECURITY_VIOLATION: 0x8010006a,
} as const;

export function hex32(code: number): string {
  return '0x' + (code >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

export function scardName(code: number): string {
  return SCARD_CODES.get(code >>> 0)?.name ?? `SCARD_UNKNOWN_${hex32(code)}`;
}

export function scardText(code: number): string {
  return SCARD_CODES.get(code >>> 0)?.text ?? 'Unknown PC/SC error';
}

/** The error families the CLI maps to exit codes; the core decides, the CLI only looks this up. */
export type ErrorKind = 'usage' | 'service' | 'reader' | 'timeout' | 'cancelled' | 'internal' | 'network';

const SERVICE_CODES = new Set<number>([
  Scard.E_NO_SERVICE,
  Scard.E_SERVICE_STOPPED,
  Scard.F_COMM_ERROR,
  Scard.W_SECURITY_VIOLATION,
  Scard.F_INTERNAL_ERROR,
  Scard.E_INVALID_HANDLE,
  0x80100031,
]);

export function scardKind(code: number): ErrorKind {
  const c = code >>> 0;
  if (c === Scard.E_TIMEOUT) return 'timeout';
  if (c === Scard.E_CANCELLED) return 'cancelled';
  if (SERVICE_CODES.has(c)) return 'service';
  if (c === Scard.E_INVALID_PARAMETER || c === Scard.E_INVALID_VALUE) return 'usage';
  return 'reader';
}

/** Fields shared by every core error, used by `--json` output. */
export interface ErrorJson {
  code: string;
  name: string;
  message: string;
}

/**
 * A PC/SC failure with its SCARD code kept as data. Unknown codes are kept, never masked.
 * `message` is `Reader unavailable (0x80100017)`, optionally followed by what was being done.
 */
export class PcscError extends Error {
  readonly code: number;
  readonly scardName: string;
  readonly kind: ErrorKind;
  readonly detail: string | undefined;

  constructor(code: number, detail?: string, options?: { cause?: unknown }) {
    const c = code >>> 0;
    super(`${scardText(c)} (${hex32(c)})${detail ? ': ' + detail : ''}`, options);
    this.name = 'PcscError';
    this.code = c;
    this.scardName = scardName(c);
    this.kind = scardKind(c);
    this.detail = detail;
  }

  toJSON(): ErrorJson {
    return { code: hex32(this.code), name: this.scardName, message: this.message };
  }
}

/** The peer broke the wire protocol (garbage, impossible lengths). Maps to SCARD_F_COMM_ERROR. */
export class ProtocolError extends PcscError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(Scard.F_COMM_ERROR, detail, options);
    this.name = 'ProtocolError';
  }
}

/** Bad input from the user or caller: malformed hex, an APDU too long, an ambiguous reader. */
export class UsageError extends Error {
  readonly kind: ErrorKind = 'usage';
  readonly code: string;
  constructor(message: string, code = 'EUSAGE') {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
  toJSON(): ErrorJson {
    return { code: this.code, name: 'USAGE', message: this.message };
  }
}

/** A USB CCID transport or slot failure (CCID rev 1.1 §6.2.6 slot errors, libusb errors). */
export class CcidError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  constructor(message: string, code: string, kind: ErrorKind = 'reader', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CcidError';
    this.code = code;
    this.kind = kind;
  }
  toJSON(): ErrorJson {
    return { code: this.code, name: 'CCID_' + this.code, message: this.message };
  }
}

/** A download failed (offline, DNS, HTTP error, not the expected content). */
export class NetworkError extends Error {
  readonly kind: ErrorKind = 'network';
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
    this.code = code;
  }
  toJSON(): ErrorJson {
    return { code: this.code, name: 'NETWORK', message: this.message };
  }
}

/** Whether e is a PcscError, optionally with the given SCARD code. */
export function isPcscError(e: unknown, code?: number): e is PcscError {
  return e instanceof PcscError && (code === undefined || e.code === code >>> 0);
}
