// Client → daemon framing as a daemon reads it (docs/protocol.md#requests,
// docs/protocol.md#decoding-traffic): the 8-byte header, a fixed body whose size depends on the command and
// the client's protocol minor, then the TRANSMIT/CONTROL payload.

import { ProtocolError } from '../errors.js';
import { Cmd, HEADER_SIZE, LAYOUT_100, LAYOUT_128, MAX_BUFFER_SIZE_EXTENDED, Size } from '../pcscd/codes.js';
import type { ByteQueue } from '../pcscd/framer.js';
import { decodeHeader, getU32 } from '../pcscd/messages/wire.js';

export interface RawRequest {
  command: number;
  /** The fixed struct; empty for commands without a body. */
  body: Buffer;
  /** TRANSMIT's APDU or CONTROL's data; empty otherwise. */
  payload: Buffer;
}

/** Accepted body sizes of a command, [] for "no body (size ignored)", null for a command pcscd does not serve. */
export function bodySizes(command: number, minor: number): readonly number[] | null {
  switch (command) {
    case Cmd.ESTABLISH_CONTEXT:
      return [Size.ESTABLISH];
    case Cmd.RELEASE_CONTEXT:
      return [Size.RELEASE];
    // Both reader-name widths: the size tells a 1.8.0–1.8.3 client from a later one
    // (docs/protocol.md#serving-older-clients).
    case Cmd.CONNECT:
      return [LAYOUT_128.connectSize, LAYOUT_100.connectSize];
    case Cmd.RECONNECT:
      return [Size.RECONNECT];
    case Cmd.DISCONNECT:
      return [Size.DISCONNECT];
    case Cmd.BEGIN_TRANSACTION:
      return [Size.BEGIN];
    case Cmd.END_TRANSACTION:
      return [Size.END];
    case Cmd.TRANSMIT:
      return [Size.TRANSMIT];
    case Cmd.CONTROL:
      return [Size.CONTROL];
    case Cmd.STATUS:
      return [Size.STATUS];
    case Cmd.CANCEL:
      return [Size.CANCEL];
    case Cmd.GET_ATTRIB:
    case Cmd.SET_ATTRIB:
      return [Size.GETSET];
    case Cmd.VERSION:
      return [Size.VERSION];
    case Cmd.WAIT_READER_STATE_CHANGE:
    case Cmd.STOP_WAITING_READER_STATE_CHANGE:
      return minor <= 3 ? [Size.WAIT] : [];
    case Cmd.GET_READERS_STATE:
    case Cmd.GET_READER_EVENTS:
    case Cmd.GET_READERS_STATE_SIZE:
    case Cmd.GET_READERS_STATE_ARRAY:
      return [];
    default:
      return null;
  }
}

/** Offset of cbSendLength in the struct of the commands that carry a payload. */
function payloadLengthOffset(command: number): number | null {
  if (command === Cmd.TRANSMIT) return 12;
  if (command === Cmd.CONTROL) return 8;
  return null;
}

/**
 * Takes one whole request from the queue, or returns null (consuming nothing) until it has all
 * arrived. Throws ProtocolError for what pcscd answers by closing the connection: an unknown
 * command, a wrong body size, a payload over 65548 bytes.
 */
export function takeRequest(q: ByteQueue, minor: number): RawRequest | null {
  const head = q.peek(HEADER_SIZE);
  if (!head) return null;
  const { size, command } = decodeHeader(head);
  const sizes = bodySizes(command, minor);
  if (!sizes) throw new ProtocolError(`client sent unknown command 0x${command.toString(16)}`);
  // Commands without a body ignore `size`, as the daemon does: whatever follows is the next header.
  const bodySize = sizes.length === 0 ? 0 : size;
  if (sizes.length > 0 && !sizes.includes(size)) {
    throw new ProtocolError(
      `client sent ${size} body bytes for command 0x${command.toString(16)} (expected ${sizes.join(' or ')})`,
    );
  }
  const lenAt = payloadLengthOffset(command);
  let payloadSize = 0;
  if (lenAt !== null) {
    const fixed = q.peek(HEADER_SIZE + bodySize);
    if (!fixed) return null;
    payloadSize = getU32(fixed, HEADER_SIZE + lenAt);
    if (payloadSize > MAX_BUFFER_SIZE_EXTENDED) {
      throw new ProtocolError(`client announced ${payloadSize} payload bytes (more than ${MAX_BUFFER_SIZE_EXTENDED})`);
    }
  }
  if (q.length < HEADER_SIZE + bodySize + payloadSize) return null;
  q.take(HEADER_SIZE);
  const body = q.take(bodySize) as Buffer;
  const payload = q.take(payloadSize) as Buffer;
  return { command, body, payload };
}
