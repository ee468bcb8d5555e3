// The proxy's per-client bounds (src/core/proxy/backpressure.ts) on a stand-in socket whose
// kernel buffer the test controls: requests wait while replies are unread, reading stops once
// enough requests are queued, nothing queued survives the client, and a client past the output
// cap is dropped.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ClientDropped, INPUT_LIMIT, OUTPUT_LIMIT } from '../../../src/core/proxy/backpressure.js';
import { ClientStream } from '../../../src/core/proxy/client-stream.js';
import { cat, words } from '../../helpers/wire-bytes.js';

/** A socket whose unsent bytes (writableLength) pile up until the test calls drain(). */
class FakeSocket extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  paused = false;
  ended = false;
  written: Buffer[] = [];
  /** Whether writes go out at once (a reading client) or stay unsent (a client that does not read). */
  reading = true;
  setNoDelay(): void {}
  write(b: Uint8Array): boolean {
    this.written.push(Buffer.from(b));
    if (!this.reading) this.writableLength += b.length;
    return this.reading;
  }
  drain(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  end(): this {
    this.ended = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    this.emit('close');
    return this;
  }
}

const ESTABLISH = cat(words(12, 0x01), words(2, 0, 0));

function stream(): { fake: FakeSocket; client: ClientStream } {
  const fake = new FakeSocket();
  return { fake, client: new ClientStream(fake as unknown as Socket) };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ClientStream bounds', () => {
  it('takes no request while a reply is unread, and the next one once it is read', async () => {
    const { fake, client } = stream();
    fake.reading = false;
    fake.emit('data', cat(ESTABLISH, ESTABLISH));
    expect((await client.next(4))?.command).toBe(1);
    client.write(words(7, 0, 0));
    expect(client.ready).toBe(false);
    let second: unknown = null;
    void client.next(4).then((r) => (second = r));
    await tick();
    expect(second).toBeNull();
    fake.drain();
    await tick();
    expect(second).toMatchObject({ command: 1 });
  });

  it('stops reading the socket once INPUT_LIMIT bytes are queued, and reads on as they are served', async () => {
    const { fake, client } = stream();
    const many = Buffer.concat(Array.from({ length: Math.ceil(INPUT_LIMIT / ESTABLISH.length) + 1 }, () => ESTABLISH));
    fake.emit('data', many);
    expect(fake.paused).toBe(true);
    for (let i = 0; i < 3; i++) await client.next(4);
    expect(fake.paused).toBe(false);
  });

  it('hands out nothing a client queued before it went away', async () => {
    const { fake, client } = stream();
    fake.emit('data', cat(ESTABLISH, ESTABLISH, ESTABLISH));
    fake.emit('end');
    expect(await client.next(4)).toBeNull();
    expect(client.closed).toBe(true);
  });

  it('drops a client with more than OUTPUT_LIMIT bytes of replies unread', () => {
    const { fake, client } = stream();
    fake.reading = false;
    const reply = Buffer.alloc(64 * 1024);
    for (let sent = 0; sent + reply.length <= OUTPUT_LIMIT; sent += reply.length) client.write(reply);
    expect(() => client.write(reply)).toThrow(ClientDropped);
    expect(fake.destroyed).toBe(true);
    expect(client.closed).toBe(true);
  });

  it('ends a connection it closes with the end of the stream, not a reset, and reads on until the client closes', () => {
    const { fake, client } = stream();
    client.close();
    expect(fake.ended).toBe(true);
    expect(fake.destroyed).toBe(false);
    expect(fake.paused).toBe(false);
  });
});
