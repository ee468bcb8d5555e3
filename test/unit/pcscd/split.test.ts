// Replies split at every byte offset (docs/protocol.md#partial-reads-errors-and-closing: messages may be
// split or coalesced anywhere): through ByteQueue, and through a real PcscdConnection whose peer delivers the
// second chunk only once the first has arrived. Also one byte at a time.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYOUT_100, LAYOUT_128 } from '../../../src/core/pcscd/codes.js';
import { PcscdConnection } from '../../../src/core/pcscd/connection.js';
import { ByteQueue } from '../../../src/core/pcscd/framer.js';
import { decodeReaderStates } from '../../../src/core/pcscd/messages/reader-state.js';
import { decodeTransmit } from '../../../src/core/pcscd/messages/transmit.js';
import * as M from '../../../src/core/pcscd/messages/simple.js';
import * as S from '../../fakes/structs.js';
import { replies } from './golden.js';

/** A stream of consecutive replies: each part's bytes and a check of what the client read. */
interface Stream {
  name: string;
  parts: Buffer[];
  check: (got: Buffer[]) => void;
}

const array = (nameSize: 100 | 128): Buffer => {
  const e = (name: string, st: number): Buffer =>
    S.pack(S.readerState(nameSize), {
      readerName: name,
      readerState: st,
      eventCounter: 3,
      cardAtr: Buffer.from([0x3b, 0x00]),
      cardAtrLength: 2,
      cardProtocol: 1,
    });
  return Buffer.concat(
    Array.from({ length: 16 }, (_, i) =>
      i === 1
        ? e('A 00 00', 0x34)
        : i === 7
          ? e('B 01 00', 0x02)
          : S.pack(S.readerState(nameSize), { cardAtrLength: 34 }),
    ),
  );
};

const STREAMS: Stream[] = [
  ...replies.map(([name, bytes, decode, expected]): Stream => ({
    name,
    parts: [bytes],
    check: (got) => expect(decode(got[0] as Buffer)).toEqual(expected),
  })),
  {
    name: 'transmit_struct then the response APDU',
    parts: [
      S.pack(S.transmit, {
        hCard: 5,
        ioSendPciProtocol: 1,
        ioSendPciLength: 16,
        cbSendLength: 5,
        ioRecvPciProtocol: 3,
        ioRecvPciLength: 16,
        pcbRecvLength: 7,
        rv: 0,
      }),
      Buffer.from('00b00000029000', 'hex'),
    ],
    check: (got) => {
      expect(decodeTransmit(got[0] as Buffer).recvLength).toBe(7);
      expect(got[1]?.toString('hex')).toBe('00b00000029000');
    },
  },
  {
    name: '16 × 184 array, then a notification (4:4 WAIT then wake-up)',
    parts: [array(128), S.pack(S.wait, { rv: 0 })],
    check: (got) => {
      expect(decodeReaderStates(LAYOUT_128, got[0] as Buffer).map((e) => e.name)).toEqual(['A 00 00', 'B 01 00']);
      expect(M.decodeWait(got[1] as Buffer)).toEqual({ timeOut: 0, rv: 0 });
    },
  },
  {
    name: '16 × 156 array (1.6.5–1.8.3)',
    parts: [array(100)],
    check: (got) =>
      expect(decodeReaderStates(LAYOUT_100, got[0] as Buffer).map((e) => e.name)).toEqual(['A 00 00', 'B 01 00']),
  },
  {
    name: '4:6 size, array of 2, size',
    parts: [
      S.words(2),
      Buffer.concat([
        S.pack(S.readerState(128), { readerName: 'X', cardAtrLength: 0 }),
        S.pack(S.readerState(128), {}),
      ]),
      S.words(2),
    ],
    check: (got) => {
      expect(S.i32(got[0] as Buffer, 0)).toBe(2);
      expect(decodeReaderStates(LAYOUT_128, got[1] as Buffer).map((e) => e.name)).toEqual(['X']);
    },
  },
];

const lengths = (s: Stream): number[] => s.parts.map((p) => p.length);

/** Takes the stream's parts from a queue as they become complete. */
function drain(q: ByteQueue, lens: number[], got: Buffer[]): void {
  while (got.length < lens.length) {
    const b = q.take(lens[got.length] as number);
    if (!b) return;
    got.push(b);
  }
}

describe('ByteQueue', () => {
  it.each(STREAMS)('$name: two chunks at every offset', (s) => {
    const all = Buffer.concat(s.parts);
    for (let k = 0; k <= all.length; k++) {
      const q = new ByteQueue();
      const got: Buffer[] = [];
      q.push(all.subarray(0, k));
      drain(q, lengths(s), got);
      q.push(all.subarray(k));
      drain(q, lengths(s), got);
      expect(got.length, `split at ${k}`).toBe(s.parts.length);
      expect(Buffer.concat(got).equals(all), `split at ${k}`).toBe(true);
      expect(q.length).toBe(0);
      if (k % 97 === 0 || k === all.length) s.check(got);
    }
  });

  it.each(STREAMS)('$name: one byte at a time', (s) => {
    const all = Buffer.concat(s.parts);
    const q = new ByteQueue();
    const got: Buffer[] = [];
    for (let i = 0; i < all.length; i++) {
      q.push(all.subarray(i, i + 1));
      drain(q, lengths(s), got);
    }
    expect(got.map((g) => g.length)).toEqual(lengths(s));
    s.check(got);
  });

  it('peek does not consume; take(0) is empty; clear empties; taken bytes are copies', () => {
    const q = new ByteQueue();
    const src = Buffer.from([1, 2, 3, 4, 5]);
    q.push(src.subarray(0, 2));
    q.push(Buffer.alloc(0));
    q.push(src.subarray(2));
    expect(q.peek(6)).toBeNull();
    expect(q.peek(3)?.toString('hex')).toBe('010203');
    expect(q.length).toBe(5);
    expect(q.take(0)?.length).toBe(0);
    const t = q.take(4) as Buffer;
    src[0] = 9;
    expect(t.toString('hex')).toBe('01020304');
    expect(q.take(2)).toBeNull();
    q.clear();
    expect(q.length).toBe(0);
    expect(q.take(1)).toBeNull();
  });
});

describe('PcscdConnection', () => {
  let dir: string;
  let server: Server;
  let peer: Socket;
  let conn: PcscdConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pcsc-split-'));
    const path = join(dir, 's');
    const accepted = new Promise<Socket>((r) => {
      server = createServer((s) => r(s));
    });
    await new Promise<void>((r) => server.listen(path, () => r()));
    conn = await PcscdConnection.open(path);
    peer = await accepted;
  });

  afterAll(async () => {
    conn.close();
    peer.destroy();
    await new Promise((r) => server.close(() => r(undefined)));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Reads the stream's parts while the peer writes `chunks`, each only after the last arrived. */
  async function deliver(s: Stream, chunks: Buffer[]): Promise<Buffer[]> {
    let consumed = 0;
    const reading = (async () => {
      const got: Buffer[] = [];
      for (const n of lengths(s)) {
        got.push(await conn.read(n, { timeout: 5000, what: s.name }));
        consumed += n;
      }
      return got;
    })();
    let sent = 0;
    for (const c of chunks) {
      peer.write(c);
      sent += c.length;
      while (consumed + conn.buffered < sent) await new Promise((r) => setImmediate(r));
    }
    return reading;
  }

  it.each(STREAMS)('$name: two chunks at every offset, one byte at a time', async (s) => {
    const all = Buffer.concat(s.parts);
    for (let k = 0; k <= all.length; k++) {
      const got = await deliver(
        s,
        [all.subarray(0, k), all.subarray(k)].filter((c) => c.length > 0),
      );
      expect(Buffer.concat(got).equals(all), `split at ${k}`).toBe(true);
      if (k % 97 === 0) s.check(got);
    }
    const bytes = Array.from({ length: all.length }, (_, i) => all.subarray(i, i + 1));
    s.check(await deliver(s, bytes));
    expect(conn.buffered).toBe(0);
  });
});
