// CCID rev 1.1 §6.1–6.3: the bulk-OUT commands (PC_to_RDR_*), the bulk-IN replies (RDR_to_PC_*),
// the interrupt-IN notifications, and the slot status / slot error fields of CCID §6.2.6.

import { CcidError } from '../errors.js';

/** The reader broke the CCID protocol (impossible lengths, reserved values). */
export class ProtocolError extends CcidError {
  constructor(detail: string) {
    super(detail, 'EPROTO', 'reader');
  }
}

export const HEADER_SIZE = 10;

/** bMessageType of PC_to_RDR_* commands (CCID §6.1). */
export const Cmd = {
  SetParameters: 0x61,
  IccPowerOn: 0x62,
  IccPowerOff: 0x63,
  GetSlotStatus: 0x65,
  Secure: 0x69,
  T0APDU: 0x6a,
  Escape: 0x6b,
  GetParameters: 0x6c,
  ResetParameters: 0x6d,
  IccClock: 0x6e,
  XfrBlock: 0x6f,
  Mechanical: 0x71,
  Abort: 0x72,
  SetDataRateAndClockFrequency: 0x73,
} as const;
export type CmdName = keyof typeof Cmd;

/** bMessageType of RDR_to_PC_* replies (CCID §6.2) and interrupt notifications (CCID §6.3). */
export const Reply = {
  DataBlock: 0x80,
  SlotStatus: 0x81,
  Parameters: 0x82,
  Escape: 0x83,
  DataRateAndClockFrequency: 0x84,
  NotifySlotChange: 0x50,
  HardwareError: 0x51,
} as const;
export type ReplyName = keyof typeof Reply;

/** The reply each command expects (CCID §6.1, table 6.1-1). */
export const EXPECTED_REPLY: Readonly<Record<number, number>> = {
  [Cmd.IccPowerOn]: Reply.DataBlock,
  [Cmd.XfrBlock]: Reply.DataBlock,
  [Cmd.Secure]: Reply.DataBlock,
  [Cmd.IccPowerOff]: Reply.SlotStatus,
  [Cmd.GetSlotStatus]: Reply.SlotStatus,
  [Cmd.IccClock]: Reply.SlotStatus,
  [Cmd.T0APDU]: Reply.SlotStatus,
  [Cmd.Mechanical]: Reply.SlotStatus,
  [Cmd.Abort]: Reply.SlotStatus,
  [Cmd.GetParameters]: Reply.Parameters,
  [Cmd.ResetParameters]: Reply.Parameters,
  [Cmd.SetParameters]: Reply.Parameters,
  [Cmd.Escape]: Reply.Escape,
  [Cmd.SetDataRateAndClockFrequency]: Reply.DataRateAndClockFrequency,
};

export interface Command {
  type: number;
  slot: number;
  seq: number;
  /** Bytes 7–9, whose meaning depends on the command (bPowerSelect, bBWI + wLevelParameter, …). */
  specific: readonly [number, number, number];
  data: Uint8Array;
}

export function encodeCommand(c: Command): Buffer {
  const b = Buffer.alloc(HEADER_SIZE + c.data.length);
  b[0] = c.type;
  b.writeUInt32LE(c.data.length, 1);
  b[5] = c.slot;
  b[6] = c.seq & 0xff;
  b[7] = c.specific[0];
  b[8] = c.specific[1];
  b[9] = c.specific[2];
  b.set(c.data, HEADER_SIZE);
  return b;
}

const NONE = new Uint8Array(0);
const zero = [0, 0, 0] as const;

/** bPowerSelect (CCID §6.1.1): 00 automatic, 01 5 V, 02 3 V, 03 1.8 V. */
export const Voltage = { auto: 0, '5V': 1, '3V': 2, '1.8V': 3 } as const;
export type VoltageName = keyof typeof Voltage;

export const powerOn = (slot: number, seq: number, voltage: VoltageName = 'auto'): Command => ({
  type: Cmd.IccPowerOn,
  slot,
  seq,
  specific: [Voltage[voltage], 0, 0],
  data: NONE,
});
export const powerOff = (slot: number, seq: number): Command => ({
  type: Cmd.IccPowerOff,
  slot,
  seq,
  specific: zero,
  data: NONE,
});
export const getSlotStatus = (slot: number, seq: number): Command => ({
  type: Cmd.GetSlotStatus,
  slot,
  seq,
  specific: zero,
  data: NONE,
});
export const getParameters = (slot: number, seq: number): Command => ({
  type: Cmd.GetParameters,
  slot,
  seq,
  specific: zero,
  data: NONE,
});
export const resetParameters = (slot: number, seq: number): Command => ({
  type: Cmd.ResetParameters,
  slot,
  seq,
  specific: zero,
  data: NONE,
});
export const abort = (slot: number, seq: number): Command => ({
  type: Cmd.Abort,
  slot,
  seq,
  specific: zero,
  data: NONE,
});
export const escape = (slot: number, seq: number, data: Uint8Array): Command => ({
  type: Cmd.Escape,
  slot,
  seq,
  specific: zero,
  data,
});
/** bClockCommand: 00 restart the clock, 01 stop it. */
export const iccClock = (slot: number, seq: number, stop: boolean): Command => ({
  type: Cmd.IccClock,
  slot,
  seq,
  specific: [stop ? 1 : 0, 0, 0],
  data: NONE,
});
export const mechanical = (slot: number, seq: number, fn: number): Command => ({
  type: Cmd.Mechanical,
  slot,
  seq,
  specific: [fn, 0, 0],
  data: NONE,
});

/**
 * XfrBlock (CCID §6.1.4). bBWI extends the block waiting time (T=1 WTX) and wLevelParameter says, at
 * character level, how many bytes to expect and, at extended APDU level, which part of a chained
 * command or response this is (LevelParameter).
 */
export const xfrBlock = (slot: number, seq: number, data: Uint8Array, bwi = 0, level = 0): Command => ({
  type: Cmd.XfrBlock,
  slot,
  seq,
  specific: [bwi & 0xff, level & 0xff, (level >> 8) & 0xff],
  data,
});

/** wLevelParameter values of extended APDU level chaining (CCID §6.1.4, table 6.1-3). */
export const LevelParameter = {
  /** The command APDU begins and ends with this message. */
  beginEnd: 0x0000,
  begin: 0x0001,
  end: 0x0002,
  middle: 0x0003,
  /** Empty message: "send me the next part of the response". */
  continue: 0x0010,
} as const;

/** bChainParameter values of RDR_to_PC_DataBlock at extended APDU level (CCID §6.2.1). */
export const ChainParameter = { beginEnd: 0x00, begin: 0x01, end: 0x02, middle: 0x03, continue: 0x10 } as const;

/** bProtocolNum: 0 for T=0 structures, 1 for T=1. */
export const setParameters = (slot: number, seq: number, protocol: 0 | 1, data: Uint8Array): Command => ({
  type: Cmd.SetParameters,
  slot,
  seq,
  specific: [protocol, 0, 0],
  data,
});

export const setDataRateAndClock = (slot: number, seq: number, clockKHz: number, dataRate: number): Command => {
  const d = Buffer.alloc(8);
  d.writeUInt32LE(clockKHz >>> 0, 0);
  d.writeUInt32LE(dataRate >>> 0, 4);
  return { type: Cmd.SetDataRateAndClockFrequency, slot, seq, specific: zero, data: d };
};

export const t0Apdu = (
  slot: number,
  seq: number,
  changes: number,
  classGetResponse: number,
  classEnvelope: number,
): Command => ({ type: Cmd.T0APDU, slot, seq, specific: [changes, classGetResponse, classEnvelope], data: NONE });

/** bmICCStatus (bits 0–1 of bStatus). */
export type IccStatus = 'active' | 'inactive' | 'absent';
/** bmCommandStatus (bits 6–7 of bStatus). */
export type CommandStatus = 'ok' | 'failed' | 'time-extension';

export interface SlotStatus {
  icc: IccStatus;
  command: CommandStatus;
  /** bError: meaningful when command is 'failed', the BWT multiplier when 'time-extension'. */
  error: number;
}

export function decodeStatus(bStatus: number, bError: number): SlotStatus {
  const iccBits = bStatus & 0x03;
  const cmdBits = (bStatus >> 6) & 0x03;
  if (iccBits === 3)
    throw new ProtocolError(`CCID slot status 0x${bStatus.toString(16)} has the reserved ICC status 3`);
  if (cmdBits === 3)
    throw new ProtocolError(`CCID slot status 0x${bStatus.toString(16)} has the reserved command status 3`);
  return {
    icc: (['active', 'inactive', 'absent'] as const)[iccBits] as IccStatus,
    command: (['ok', 'failed', 'time-extension'] as const)[cmdBits] as CommandStatus,
    error: bError,
  };
}

/** Slot error register values (CCID §6.2.6, table 6.2-2). */
export const SlotError = {
  CMD_ABORTED: 0xff,
  ICC_MUTE: 0xfe,
  XFR_PARITY_ERROR: 0xfd,
  XFR_OVERRUN: 0xfc,
  HW_ERROR: 0xfb,
  BAD_ATR_TS: 0xf8,
  BAD_ATR_TCK: 0xf7,
  ICC_PROTOCOL_NOT_SUPPORTED: 0xf6,
  ICC_CLASS_NOT_SUPPORTED: 0xf5,
  PROCEDURE_BYTE_CONFLICT: 0xf4,
  DEACTIVATED_PROTOCOL: 0xf3,
  BUSY_WITH_AUTO_SEQUENCE: 0xf2,
  PIN_TIMEOUT: 0xf0,
  PIN_CANCELLED: 0xef,
  CMD_SLOT_BUSY: 0xe0,
  CMD_NOT_SUPPORTED: 0x00,
} as const;

const SLOT_ERROR_TEXT: Readonly<Record<number, string>> = {
  0xff: 'command aborted',
  0xfe: 'the card does not answer (ICC mute)',
  0xfd: 'parity error in the transfer with the card',
  0xfc: 'overrun in the transfer with the card',
  0xfb: 'hardware error in the reader',
  0xf8: 'bad ATR: wrong TS',
  0xf7: 'bad ATR: wrong TCK',
  0xf6: 'protocol not supported by the card',
  0xf5: 'voltage class not supported by the card',
  0xf4: 'procedure byte conflict',
  0xf3: 'protocol deactivated',
  0xf2: 'reader busy with an automatic sequence',
  0xf0: 'PIN entry timed out',
  0xef: 'PIN entry cancelled',
  0xe0: 'slot busy with another command',
  0x00: 'command not supported by the reader',
};

/** Names a slot error; 0x01–0x7F point at the offending byte of the command (CCID §6.2.6). */
export function slotErrorName(bError: number): string {
  const known = Object.entries(SlotError).find(([, v]) => v === bError);
  if (known) return known[0];
  if (bError >= 0x01 && bError <= 0x7f) return `BAD_PARAMETER_AT_OFFSET_${bError}`;
  return `USER_DEFINED_0x${bError.toString(16).toUpperCase().padStart(2, '0')}`;
}

export function slotErrorText(bError: number): string {
  const t = SLOT_ERROR_TEXT[bError];
  if (t) return t;
  if (bError >= 0x01 && bError <= 0x7f) return `the reader rejected byte ${bError} of the command`;
  return `reader-specific error 0x${bError.toString(16).toUpperCase().padStart(2, '0')}`;
}

export interface ReplyMessage {
  type: number;
  slot: number;
  seq: number;
  status: SlotStatus;
  /** Byte 9: bChainParameter (DataBlock), bClockStatus (SlotStatus), bProtocolNum (Parameters). */
  specific: number;
  data: Buffer;
}

/**
 * Length of the whole message a buffer starts with, or undefined while the header is incomplete.
 * Used to keep reading a message that spans several bulk transfers.
 */
export function messageLength(b: Uint8Array): number | undefined {
  if (b.length < HEADER_SIZE) return undefined;
  return HEADER_SIZE + Buffer.from(b.buffer, b.byteOffset, b.byteLength).readUInt32LE(1);
}

/**
 * Decodes one RDR_to_PC_* message. Trailing bytes beyond dwLength are a protocol error, except
 * after RDR_to_PC_Parameters with dwLength 0, where readers such as QEMU's append the protocol
 * data structure anyway: then the trailing bytes are the data.
 */
export function decodeReply(raw: Uint8Array): ReplyMessage {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (b.length < HEADER_SIZE)
    throw new ProtocolError(`CCID reply of ${b.length} bytes is shorter than its 10-byte header`);
  const type = b[0] as number;
  if (
    !Object.values(Reply).includes(type as never) ||
    type === Reply.NotifySlotChange ||
    type === Reply.HardwareError
  ) {
    throw new ProtocolError(`unknown CCID reply type 0x${type.toString(16)}`);
  }
  const length = b.readUInt32LE(1);
  const extra = b.length - HEADER_SIZE;
  let data: Buffer;
  if (extra === length) data = b.subarray(HEADER_SIZE);
  else if (extra < length) throw new ProtocolError(`CCID reply announces ${length} data bytes but carries ${extra}`);
  else if (type === Reply.Parameters && length === 0) data = b.subarray(HEADER_SIZE);
  else throw new ProtocolError(`CCID reply announces ${length} data bytes but carries ${extra}`);
  return {
    type,
    slot: b[5] as number,
    seq: b[6] as number,
    status: decodeStatus(b[7] as number, b[8] as number),
    specific: b[9] as number,
    data: Buffer.from(data),
  };
}

/** bClockStatus of RDR_to_PC_SlotStatus (CCID §6.2.2). */
export function clockStatusName(v: number): 'running' | 'stopped-low' | 'stopped-high' | 'stopped' | 'unknown' {
  return (['running', 'stopped-low', 'stopped-high', 'stopped'] as const)[v] ?? 'unknown';
}

/** RDR_to_PC_Parameters' protocol data structure (CCID §6.2.3, tables 6.2-3 and 6.2-4). */
export type ProtocolData =
  | { protocol: 0; fidi: number; tcckst: number; guardTime: number; waitingInteger: number; clockStop: number }
  | {
      protocol: 1;
      fidi: number;
      tcckst: number;
      guardTime: number;
      waitingIntegers: number;
      clockStop: number;
      ifsc: number;
      nad: number;
    };

export function encodeProtocolData(p: ProtocolData): Buffer {
  if (p.protocol === 0) return Buffer.from([p.fidi, p.tcckst, p.guardTime, p.waitingInteger, p.clockStop]);
  return Buffer.from([p.fidi, p.tcckst, p.guardTime, p.waitingIntegers, p.clockStop, p.ifsc, p.nad]);
}

export function decodeProtocolData(protocol: number, d: Uint8Array): ProtocolData {
  if (protocol === 0) {
    if (d.length < 5) throw new ProtocolError(`T=0 protocol data of ${d.length} bytes (5 expected)`);
    return {
      protocol: 0,
      fidi: d[0] as number,
      tcckst: d[1] as number,
      guardTime: d[2] as number,
      waitingInteger: d[3] as number,
      clockStop: d[4] as number,
    };
  }
  if (protocol === 1) {
    if (d.length < 7) throw new ProtocolError(`T=1 protocol data of ${d.length} bytes (7 expected)`);
    return {
      protocol: 1,
      fidi: d[0] as number,
      tcckst: d[1] as number,
      guardTime: d[2] as number,
      waitingIntegers: d[3] as number,
      clockStop: d[4] as number,
      ifsc: d[5] as number,
      nad: d[6] as number,
    };
  }
  throw new ProtocolError(`unknown bProtocolNum ${protocol} in RDR_to_PC_Parameters`);
}

/** An interrupt-IN message (CCID §6.3). */
export type Notification =
  | { type: 'slot-change'; slots: { present: boolean; changed: boolean }[] }
  | { type: 'hardware-error'; slot: number; seq: number; code: number };

/**
 * Decodes RDR_to_PC_NotifySlotChange (2 bits per slot: bit 0 present, bit 1 changed) and
 * RDR_to_PC_HardwareError (bHardwareErrorCode 01 = overcurrent). `slotCount` trims the padding
 * bits of the last byte.
 */
export function decodeNotification(raw: Uint8Array, slotCount?: number): Notification {
  const type = raw[0];
  if (type === Reply.NotifySlotChange) {
    if (raw.length < 2) throw new ProtocolError('RDR_to_PC_NotifySlotChange without its slot bitmap');
    const n = slotCount ?? (raw.length - 1) * 4;
    const slots = [];
    for (let i = 0; i < n; i++) {
      const byte = raw[1 + (i >> 2)];
      if (byte === undefined) throw new ProtocolError(`RDR_to_PC_NotifySlotChange too short for ${n} slots`);
      const bits = (byte >> ((i & 3) * 2)) & 3;
      slots.push({ present: (bits & 1) !== 0, changed: (bits & 2) !== 0 });
    }
    return { type: 'slot-change', slots };
  }
  if (type === Reply.HardwareError) {
    if (raw.length < 4) throw new ProtocolError('RDR_to_PC_HardwareError shorter than 4 bytes');
    return { type: 'hardware-error', slot: raw[1] as number, seq: raw[2] as number, code: raw[3] as number };
  }
  throw new ProtocolError(`unknown CCID notification type 0x${(type ?? 0).toString(16)}`);
}

/** Class-specific control requests on the interface (CCID §5.3). */
export const ClassRequest = { ABORT: 0x01, GET_CLOCK_FREQUENCIES: 0x02, GET_DATA_RATES: 0x03 } as const;
