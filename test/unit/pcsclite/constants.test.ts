// The numbers and messages of pcsc/pcsclite, pinned to node-pcsclite's: the constant names of its
// index.d.ts (CardReader) with the values @pokusew/pcsclite 0.6 has on Linux (pcsc-lite's), and
// its error texts "CALL error: pcsc_stringify_error(code)(0x%.8lx)" (docs/node-pcsclite.md).
import { describe, expect, it } from 'vitest';
import pcsclite, { CardReader, READER_CONSTANTS } from '../../../src/core/pcsclite/index.js';
import { callError, callErrorMessage, stringifyError, waitLost } from '../../../src/core/pcsclite/messages.js';
import { PcscError, Scard } from '../../../src/core/index.js';

/** node-pcsclite 0.6's reader constants on Linux, as its native module reports them. */
const ORIGINAL = {
  SCARD_SHARE_SHARED: 2,
  SCARD_SHARE_EXCLUSIVE: 1,
  SCARD_SHARE_DIRECT: 3,
  IOCTL_CCID_ESCAPE: 1107296257,
  SCARD_PROTOCOL_T0: 1,
  SCARD_PROTOCOL_T1: 2,
  SCARD_PROTOCOL_RAW: 4,
  SCARD_STATE_UNAWARE: 0,
  SCARD_STATE_IGNORE: 1,
  SCARD_STATE_CHANGED: 2,
  SCARD_STATE_UNKNOWN: 4,
  SCARD_STATE_UNAVAILABLE: 8,
  SCARD_STATE_EMPTY: 16,
  SCARD_STATE_PRESENT: 32,
  SCARD_STATE_ATRMATCH: 64,
  SCARD_STATE_EXCLUSIVE: 128,
  SCARD_STATE_INUSE: 256,
  SCARD_STATE_MUTE: 512,
  SCARD_LEAVE_CARD: 0,
  SCARD_RESET_CARD: 1,
  SCARD_UNPOWER_CARD: 2,
  SCARD_EJECT_CARD: 3,
};

const reader = (): CardReader =>
  new CardReader('Some Reader 00 00', {
    establish: () => Promise.reject(new Error('not used')),
    ended: () => undefined,
  });

describe('constants', () => {
  it('every reader carries node-pcsclite’s SCARD_* names with its values, and nothing else numeric', () => {
    const r = reader();
    for (const [k, v] of Object.entries(ORIGINAL)) expect(r[k as keyof typeof ORIGINAL], k).toBe(v);
    expect(READER_CONSTANTS).toEqual(ORIGINAL);
  });

  it('SCARD_CTL_CODE is pcsc-lite’s (0x42000000 + code): escape is code 1, the feature request 3400', () => {
    const r = reader();
    expect(r.SCARD_CTL_CODE(1)).toBe(r.IOCTL_CCID_ESCAPE);
    expect(r.SCARD_CTL_CODE(3400)).toBe(0x42000d48);
    expect(r.SCARD_CTL_CODE(3500)).toBe(0x42000dac);
  });

  it('a new reader has its name, no state yet, and is not connected', () => {
    const r = reader();
    expect([r.name, r.state, r.connected]).toEqual(['Some Reader 00 00', undefined, false]);
  });

  it('the default export is the factory itself, as require("@pokusew/pcsclite") is', () => {
    expect(typeof pcsclite).toBe('function');
    expect(pcsclite.name).toBe('pcsclite');
  });
});

describe('error messages', () => {
  it.each([
    ['SCardConnect', Scard.W_REMOVED_CARD, 'SCardConnect error: Card was removed.(0x80100069)'],
    ['SCardConnect', Scard.E_NO_SMARTCARD, 'SCardConnect error: No smart card inserted.(0x8010000c)'],
    ['SCardConnect', Scard.E_SHARING_VIOLATION, 'SCardConnect error: Sharing violation.(0x8010000b)'],
    ['SCardTransmit', Scard.E_INSUFFICIENT_BUFFER, 'SCardTransmit error: Insufficient buffer.(0x80100008)'],
    ['SCardControl', Scard.E_UNSUPPORTED_FEATURE, 'SCardControl error: Feature not supported.(0x8010001f)'],
    ['SCardGetStatusChange', Scard.F_COMM_ERROR, 'SCardGetStatusChange error: RPC transport error.(0x80100013)'],
    ['SCardGetStatusChange', Scard.E_CANCELLED, 'SCardGetStatusChange error: Command cancelled.(0x80100002)'],
    ['SCardListReaders', Scard.E_NO_SERVICE, 'SCardListReaders error: Service not available.(0x8010001d)'],
  ])('%s failing with %i reads as node-pcsclite’s', (call, code, message) => {
    expect(callErrorMessage(call, code)).toBe(message);
    const e = callError(call, new PcscError(code, 'detail of the library'));
    expect(e).toBeInstanceOf(Error);
    expect(e.constructor).toBe(Error);
    expect(e.message).toBe(message);
    expect((e.cause as PcscError).code).toBe(code);
  });

  it('a code pcsc-lite has no text for reads "Unknown error: 0x…" as pcsc_stringify_error says it', () => {
    expect(stringifyError(0x8010002f)).toBe('Unknown error: 0x8010002F');
    expect(callErrorMessage('SCardTransmit', 0x8010002f)).toBe(
      'SCardTransmit error: Unknown error: 0x8010002F(0x8010002f)',
    );
  });

  it('a daemon found gone between two waits reads as a wait the daemon dropped (RPC transport error)', () => {
    const later = new PcscError(Scard.E_NO_SERVICE, 'pcscd closed the connection');
    expect(callError('SCardGetStatusChange', waitLost(later)).message).toBe(
      'SCardGetStatusChange error: RPC transport error.(0x80100013)',
    );
    const other = new PcscError(Scard.E_INVALID_HANDLE);
    expect(waitLost(other)).toBe(other);
  });

  it('a failure without a PC/SC code keeps its own text', () => {
    expect(callError('SCardConnect', new Error('bad input')).message).toBe('SCardConnect error: bad input(0x80100001)');
  });
});
