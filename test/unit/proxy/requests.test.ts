// Client request framing as the daemon reads it (docs/protocol.md#requests,
// docs/protocol.md#decoding-traffic): bodies by command and minor, payloads after TRANSMIT/CONTROL, refusals,
// and requests split at every byte offset.

import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/core/errors.js';
import { ByteQueue } from '../../../src/core/pcscd/framer.js';
import { takeRequest } from '../../../src/core/proxy/requests.js';
import { cat, nameField, words } from '../../helpers/wire-bytes.js';

function queue(...chunks: Buffer[]): ByteQueue {
  const q = new ByteQueue();
  for (const c of chunks) q.push(c);
  return q;
}

const apdu = Buffer.from('00A4040007A0000002471001', 'hex');
const requests = [
  { name: 'CMD_VERSION', minor: 4, bytes: cat(words(12, 0x11), words(4, 4, 0)), command: 0x11, body: 12, payload: 0 },
  { name: 'ESTABLISH', minor: 4, bytes: cat(words(12, 0x01), words(2, 0, 0)), command: 1, body: 12, payload: 0 },
  {
    name: 'CONNECT (128)',
    minor: 4,
    bytes: cat(words(152, 0x04), words(7), nameField('R', 128), words(2, 3, 0, 0, 0)),
    command: 4,
    body: 152,
    payload: 0,
  },
  {
    name: 'CONNECT (100)',
    minor: 2,
    bytes: cat(words(124, 0x04), words(7), nameField('R', 100), words(2, 3, 0, 0, 0)),
    command: 4,
    body: 124,
    payload: 0,
  },
  {
    name: 'TRANSMIT + APDU',
    minor: 4,
    bytes: cat(words(32, 0x09), words(5, 2, 16, apdu.length, 3, 16, 300, 0), apdu),
    command: 9,
    body: 32,
    payload: apdu.length,
  },
  {
    name: 'CONTROL + data',
    minor: 5,
    bytes: cat(words(24, 0x0a), words(5, 0x42000d48, 3, 256, 0, 0), Buffer.from([1, 2, 3])),
    command: 10,
    body: 24,
    payload: 3,
  },
  { name: 'GET_READERS_STATE', minor: 4, bytes: words(0, 0x12), command: 0x12, body: 0, payload: 0 },
  { name: 'WAIT 4:4 (no body)', minor: 4, bytes: words(0, 0x13), command: 0x13, body: 0, payload: 0 },
  {
    name: 'WAIT 4:3 (8-byte body)',
    minor: 3,
    bytes: cat(words(8, 0x13), words(60000, 0)),
    command: 0x13,
    body: 8,
    payload: 0,
  },
  { name: 'STOP 4:3', minor: 3, bytes: cat(words(8, 0x14), words(1, 0)), command: 0x14, body: 8, payload: 0 },
  { name: 'GET_READER_EVENTS', minor: 5, bytes: words(0, 0x15), command: 0x15, body: 0, payload: 0 },
  { name: 'GET_READERS_STATE_SIZE', minor: 6, bytes: words(0, 0x16), command: 0x16, body: 0, payload: 0 },
  { name: 'GET_READERS_STATE_ARRAY', minor: 6, bytes: words(0, 0x17), command: 0x17, body: 0, payload: 0 },
  {
    name: 'GET_ATTRIB',
    minor: 4,
    bytes: cat(words(280, 0x0f), Buffer.alloc(280)),
    command: 0x0f,
    body: 280,
    payload: 0,
  },
];

describe('takeRequest', () => {
  for (const r of requests) {
    it(`${r.name}: whole, and split at every offset`, () => {
      const whole = takeRequest(queue(r.bytes), r.minor);
      expect(whole?.command).toBe(r.command);
      expect(whole?.body.length).toBe(r.body);
      expect(whole?.payload.length).toBe(r.payload);
      expect(Buffer.concat([whole?.body ?? Buffer.alloc(0), whole?.payload ?? Buffer.alloc(0)])).toEqual(
        r.bytes.subarray(8),
      );
      for (let cut = 0; cut < r.bytes.length; cut++) {
        const q = queue(r.bytes.subarray(0, cut));
        expect(takeRequest(q, r.minor)).toBeNull();
        expect(q.length).toBe(cut); // nothing consumed while incomplete
        q.push(r.bytes.subarray(cut));
        expect(takeRequest(q, r.minor)).toEqual(whole);
        expect(q.length).toBe(0);
      }
    });
  }

  it('two requests in one chunk come out one at a time', () => {
    const q = queue(cat(words(0, 0x12), words(12, 0x01), words(2, 0, 0)));
    expect(takeRequest(q, 4)?.command).toBe(0x12);
    expect(takeRequest(q, 4)?.command).toBe(0x01);
    expect(takeRequest(q, 4)).toBeNull();
  });

  it('a no-body command ignores its size field, as pcscd does: what follows is the next header', () => {
    const q = queue(cat(words(8, 0x12), words(0, 0x15)));
    expect(takeRequest(q, 5)).toMatchObject({ command: 0x12 });
    expect(takeRequest(q, 5)).toMatchObject({ command: 0x15 });
  });

  it('a 4:4 WAIT sent with a 4:3 body leaves the body to be read as a header', () => {
    const q = queue(cat(words(8, 0x13), words(1000, 0)));
    expect(takeRequest(q, 4)?.body.length).toBe(0);
    expect(() => takeRequest(q, 4)).toThrow(ProtocolError); // 1000 / 0 is no command
  });

  it('refuses what pcscd closes the connection for', () => {
    expect(() => takeRequest(queue(words(0, 0x03)), 4)).toThrow(/unknown command 0x3/);
    expect(() => takeRequest(queue(words(0, 0x0c)), 4)).toThrow(ProtocolError);
    expect(() => takeRequest(queue(words(0, 0x18)), 6)).toThrow(ProtocolError);
    expect(() => takeRequest(queue(cat(words(8, 0x11), words(4, 4))), 4)).toThrow(/8 body bytes/);
    expect(() => takeRequest(queue(words(0, 0x13)), 3)).toThrow(ProtocolError);
    expect(() => takeRequest(queue(cat(words(32, 0x09), words(5, 2, 16, 65549, 3, 16, 300, 0))), 4)).toThrow(/65549/);
  });
});
