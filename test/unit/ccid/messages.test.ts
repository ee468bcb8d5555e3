// CCID rev 1.1 §6: every command's bytes, reply decoding (golden captures from QEMU's reader and
// replies built by the test helper), slot status and error decoding, notifications.

import { describe, expect, it } from 'vitest';
import {
  abort,
  decodeNotification,
  decodeProtocolData,
  decodeReply,
  decodeStatus,
  encodeCommand,
  encodeProtocolData,
  escape,
  getParameters,
  getSlotStatus,
  iccClock,
  mechanical,
  messageLength,
  powerOff,
  powerOn,
  resetParameters,
  setDataRateAndClock,
  setParameters,
  slotErrorName,
  slotErrorText,
  t0Apdu,
  xfrBlock,
  clockStatusName,
} from '../../../src/core/ccid/messages.js';
import { replyBytes } from './sim.js';
import { hex as h } from '../../helpers/hex.js';

const enc = (c: Parameters<typeof encodeCommand>[0]): string => encodeCommand(c).toString('hex');

describe('PC_to_RDR_* commands (CCID §6.1)', () => {
  it('encodes each command with its header and specific bytes', () => {
    expect(enc(powerOn(0, 1))).toBe('62000000000001000000');
    expect(enc(powerOn(1, 2, '5V'))).toBe('62000000000102010000');
    expect(enc(powerOn(0, 3, '3V'))).toBe('62000000000003020000');
    expect(enc(powerOn(0, 4, '1.8V'))).toBe('62000000000004030000');
    expect(enc(powerOff(0, 9))).toBe('63000000000009000000');
    expect(enc(getSlotStatus(2, 0xff))).toBe('650000000002ff000000');
    expect(enc(getParameters(0, 2))).toBe('6c000000000002000000');
    expect(enc(resetParameters(0, 3))).toBe('6d000000000003000000');
    expect(enc(abort(1, 7))).toBe('72000000000107000000');
    expect(enc(escape(0, 1, h('0102')))).toBe('6b02000000000100000' + '00102');
    expect(enc(iccClock(0, 1, true))).toBe('6e000000000001010000');
    expect(enc(iccClock(0, 1, false))).toBe('6e000000000001000000');
    expect(enc(mechanical(0, 1, 3))).toBe('71000000000001030000');
    expect(enc(t0Apdu(0, 1, 3, 0xff, 0xff))).toBe('6a00000000000103ffff');
  });

  it('encodes XfrBlock with bBWI and wLevelParameter little-endian', () => {
    expect(enc(xfrBlock(0, 4, h('00a4040007a0000000790100')))).toBe(
      '6f0c0000000004000000' + '00a4040007a0000000790100',
    );
    expect(enc(xfrBlock(0, 5, h('aa'), 3, 0x0010))).toBe('6f010000000005031000aa');
    expect(enc(xfrBlock(0, 5, Buffer.alloc(0), 0, 0x0102))).toBe('6f000000000005000201');
  });

  it('encodes SetParameters with bProtocolNum, and the T=0 / T=1 structures', () => {
    const t1 = encodeProtocolData({
      protocol: 1,
      fidi: 0x96,
      tcckst: 0x10,
      guardTime: 2,
      waitingIntegers: 0x45,
      clockStop: 0,
      ifsc: 0xfe,
      nad: 0,
    });
    expect(t1.toString('hex')).toBe('9610024500fe00');
    expect(enc(setParameters(0, 6, 1, t1))).toBe('6107000000000601000' + '0' + '9610024500fe00');
    const t0 = encodeProtocolData({
      protocol: 0,
      fidi: 0x11,
      tcckst: 0,
      guardTime: 0,
      waitingInteger: 10,
      clockStop: 0,
    });
    expect(t0.toString('hex')).toBe('1100000a00');
    expect(decodeProtocolData(1, t1)).toMatchObject({ protocol: 1, fidi: 0x96, waitingIntegers: 0x45, ifsc: 0xfe });
    expect(decodeProtocolData(0, t0)).toMatchObject({ protocol: 0, waitingInteger: 10 });
    expect(() => decodeProtocolData(1, t0)).toThrow(/T=1 protocol data of 5 bytes/);
    expect(() => decodeProtocolData(3, t0)).toThrow(/bProtocolNum 3/);
  });

  it('encodes SetDataRateAndClockFrequency', () => {
    expect(enc(setDataRateAndClock(0, 1, 4000, 9600))).toBe('73080000000001000000' + 'a00f0000' + '80250000');
  });
});

describe('RDR_to_PC_* replies (CCID §6.2)', () => {
  it('decodes the DataBlock with the ATR captured from QEMU', () => {
    const r = decodeReply(h('80 0f 00 00 00 00 01 00 00 00 3b 7a 18 00 00 73 66 74 65 20 63 64 31 34 34'));
    expect(r).toMatchObject({
      type: 0x80,
      slot: 0,
      seq: 1,
      status: { icc: 'active', command: 'ok', error: 0 },
      specific: 0,
    });
    expect(r.data.toString('hex')).toBe('3b7a18000073667465206364313434');
  });

  it('decodes a failed power-on (ICC mute, no card) and a SlotStatus', () => {
    expect(decodeReply(h('80 00 00 00 00 00 01 42 fe 00')).status).toEqual({
      icc: 'absent',
      command: 'failed',
      error: 0xfe,
    });
    expect(decodeReply(h('81 00 00 00 00 00 09 01 00 00')).status).toEqual({
      icc: 'inactive',
      command: 'ok',
      error: 0,
    });
  });

  it('takes the data QEMU appends to a Parameters reply whose dwLength is 0', () => {
    const r = decodeReply(h('82 00 00 00 00 00 02 00 00 00 00 00 00 00 00 fe 00'));
    expect(r.type).toBe(0x82);
    expect(r.data.toString('hex')).toBe('00000000 00fe00'.replace(' ', ''));
  });

  it('rejects short, truncated, over-long and unknown replies', () => {
    expect(() => decodeReply(h('80 00 00'))).toThrow(/shorter than its 10-byte header/);
    expect(() => decodeReply(h('80 05 00 00 00 00 01 00 00 00 01 02'))).toThrow(/announces 5 data bytes but carries 2/);
    expect(() => decodeReply(h('80 01 00 00 00 00 01 00 00 00 01 02'))).toThrow(/announces 1 data bytes but carries 2/);
    expect(() => decodeReply(h('99 00 00 00 00 00 01 00 00 00'))).toThrow(/unknown CCID reply type 0x99/);
    expect(() => decodeReply(h('50 00 00 00 00 00 01 00 00 00'))).toThrow(/unknown CCID reply type 0x50/);
  });

  it('round-trips replies built field by field, for every type and status', () => {
    for (const type of [0x80, 0x81, 0x82, 0x83, 0x84]) {
      for (const [bStatus, icc, command] of [
        [0x00, 'active', 'ok'],
        [0x01, 'inactive', 'ok'],
        [0x02, 'absent', 'ok'],
        [0x40, 'active', 'failed'],
        [0x81, 'inactive', 'time-extension'],
      ] as const) {
        const data = Buffer.from([1, 2, 3, type]);
        const r = decodeReply(replyBytes(type, 3, 0x7f, bStatus, 0xfb, 0x11, data));
        expect(r).toEqual({ type, slot: 3, seq: 0x7f, status: { icc, command, error: 0xfb }, specific: 0x11, data });
      }
    }
  });

  it('knows a message length once 10 bytes are there, whatever the split', () => {
    const msg = replyBytes(0x80, 0, 1, 0, 0, 0, Buffer.alloc(100, 7));
    for (let cut = 0; cut <= msg.length; cut++) {
      const head = msg.subarray(0, cut);
      expect(messageLength(head)).toBe(cut < 10 ? undefined : 110);
    }
  });
});

describe('slot status and slot errors (CCID §6.2.6)', () => {
  it('decodes bmICCStatus and bmCommandStatus, and refuses the reserved values', () => {
    expect(decodeStatus(0x00, 0)).toEqual({ icc: 'active', command: 'ok', error: 0 });
    expect(decodeStatus(0x42, 0xfe)).toEqual({ icc: 'absent', command: 'failed', error: 0xfe });
    expect(decodeStatus(0x80, 3)).toEqual({ icc: 'active', command: 'time-extension', error: 3 });
    expect(() => decodeStatus(0x03, 0)).toThrow(/reserved ICC status/);
    expect(() => decodeStatus(0xc0, 0)).toThrow(/reserved command status/);
  });

  it('names every error of table 6.2-2 and says what it means', () => {
    const names: [number, string][] = [
      [0xff, 'CMD_ABORTED'],
      [0xfe, 'ICC_MUTE'],
      [0xfd, 'XFR_PARITY_ERROR'],
      [0xfc, 'XFR_OVERRUN'],
      [0xfb, 'HW_ERROR'],
      [0xf8, 'BAD_ATR_TS'],
      [0xf7, 'BAD_ATR_TCK'],
      [0xf6, 'ICC_PROTOCOL_NOT_SUPPORTED'],
      [0xf5, 'ICC_CLASS_NOT_SUPPORTED'],
      [0xf4, 'PROCEDURE_BYTE_CONFLICT'],
      [0xf3, 'DEACTIVATED_PROTOCOL'],
      [0xf2, 'BUSY_WITH_AUTO_SEQUENCE'],
      [0xf0, 'PIN_TIMEOUT'],
      [0xef, 'PIN_CANCELLED'],
      [0xe0, 'CMD_SLOT_BUSY'],
      [0x00, 'CMD_NOT_SUPPORTED'],
      [0x07, 'BAD_PARAMETER_AT_OFFSET_7'],
      [0x90, 'USER_DEFINED_0x90'],
    ];
    for (const [v, n] of names) expect(slotErrorName(v)).toBe(n);
    expect(slotErrorText(0xfe)).toMatch(/does not answer/);
    expect(slotErrorText(0x05)).toBe('the reader rejected byte 5 of the command');
    expect(slotErrorText(0x90)).toBe('reader-specific error 0x90');
    expect(clockStatusName(0)).toBe('running');
    expect(clockStatusName(3)).toBe('stopped');
    expect(clockStatusName(9)).toBe('unknown');
  });
});

describe('interrupt-IN notifications (CCID §6.3)', () => {
  it('decodes NotifySlotChange for one and several slots', () => {
    expect(decodeNotification(h('5003'), 1)).toEqual({
      type: 'slot-change',
      slots: [{ present: true, changed: true }],
    });
    expect(decodeNotification(h('5002'), 1)).toEqual({
      type: 'slot-change',
      slots: [{ present: false, changed: true }],
    });
    // slots 0..4: 01 (present), 10 (changed, absent), 11, 00 | 11
    expect(decodeNotification(h('50 3d 03'), 5).type === 'slot-change' && decodeNotification(h('50 3d 03'), 5)).toEqual(
      {
        type: 'slot-change',
        slots: [
          { present: true, changed: false },
          { present: true, changed: true },
          { present: true, changed: true },
          { present: false, changed: false },
          { present: true, changed: true },
        ],
      },
    );
    expect(() => decodeNotification(h('50'), 1)).toThrow(/without its slot bitmap/);
    expect(() => decodeNotification(h('5003'), 5)).toThrow(/too short for 5 slots/);
  });

  it('decodes HardwareError and refuses unknown types', () => {
    expect(decodeNotification(h('51 00 07 01'))).toEqual({ type: 'hardware-error', slot: 0, seq: 7, code: 1 });
    expect(() => decodeNotification(h('51 00'))).toThrow(/shorter than 4 bytes/);
    expect(() => decodeNotification(h('52 00'))).toThrow(/unknown CCID notification type 0x52/);
  });
});
