// The proxy between clients and daemons of other versions, with peers scripted from docs/protocol.md: a
// 4:5-only daemon (2.4.0) and a 4:4 daemon whose readers come and go; 4:3, 4:5 and 4:6 clients;
// cancels, clients that vanish, a daemon that dies.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProxyServer } from '../../../src/core/proxy/server.js';
import type { ProxyCall } from '../../../src/core/proxy/types.js';
import { FakePcscd, type FakePcscdOptions } from '../../fakes/fake-pcscd.js';
import { parseArray, RawClient } from '../../fakes/raw-client.js';
import { rigCard } from '../../fakes/rig-card.js';
import { words } from '../../fakes/structs.js';
import { buildPcscClient } from '../../rig/build-c.js';
import { requireFiles, startProcess } from '../../rig/processes.js';

const SESSION_C = fileURLToPath(new URL('./clients/session.c', import.meta.url));
const CANCELLED = 0x80100002;
const R0 = 'Fake Reader 00 00';
const ATR = Buffer.from('3B80800101', 'hex');

let dir: string;
let fake: FakePcscd;
let proxy: ProxyServer;
let calls: ProxyCall[];
const clients: RawClient[] = [];

async function client(): Promise<RawClient> {
  const c = await RawClient.open(proxy.listen);
  clients.push(c);
  return c;
}

async function startProxy(upstream: string, holdNotificationsMs?: number): Promise<void> {
  calls = [];
  proxy = await ProxyServer.start({
    listen: join(dir, 'proxy.comm'),
    upstream,
    onCall: (c) => calls.push(c),
    requestTimeout: 10_000,
    ...(holdNotificationsMs === undefined ? {} : { holdNotificationsMs }),
  });
}

/** A fake pcscd of this release with one reader, R0 (empty), unless told otherwise. */
async function startFake(version: string, opts: Partial<FakePcscdOptions> = {}): Promise<FakePcscd> {
  return FakePcscd.start({ version, readers: [{ name: R0 }], ...opts });
}

/** A card in R0 that answers as the rig's card.py (E2 echoes its data). */
function insert(): void {
  fake.insertCard(R0, rigCard(fake, R0, ATR));
}

/**
 * libpcsclite 1.9.9 (4:4), through session.c: the fake daemon refuses it with `rv`; through the
 * proxy it runs a whole session, `count` APDUs tagged `tag`.
 */
async function refusedDirectlyServedByProxy(rv: string, tag: number, count: number): Promise<void> {
  const exe = buildPcscClient(SESSION_C);
  const direct = startProcess(exe, ['1', '1'], { env: { ...process.env, PCSCLITE_CSOCK_NAME: fake.path } });
  expect(await direct.exited).toBe(1);
  expect(direct.lines[0]).toMatch(new RegExp(`^FAIL SCardEstablishContext ${rv}`));
  const proxied = startProcess(exe, [`0x${tag.toString(16)}`, String(count)], {
    env: { ...process.env, PCSCLITE_CSOCK_NAME: proxy.listen },
  });
  expect(await proxied.exited).toBe(0);
  expect(proxied.lines.filter(Boolean)).toEqual([
    `reader ${R0}`,
    'state 0x00010022',
    'pnp 0x00000000',
    'atr 3B80800101',
    `ok ${count}`,
  ]);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pcsc-proxy-test-'));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await proxy?.close();
  await fake?.stop();
  // Whatever its clients did, the proxy never did upstream what a correct client never does.
  expect(fake?.violations ?? []).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a 4:4 client and a daemon that speaks only 4:5 (pcscd 2.4.0)', () => {
  beforeEach(async () => {
    fake = await startFake('2.4.0');
    insert();
    await startProxy(fake.path);
  });

  it('libpcsclite 1.9.9 (4:4) itself: refused by the daemon directly, a whole session through the proxy', async () => {
    requireFiles({ '/usr/bin/pcsc_scan': 'pcsc-tools' });
    await refusedDirectlyServedByProxy('0x8010001E', 0x44, 50);
    const scan = startProcess('pcsc_scan', ['-r'], { env: { ...process.env, PCSCLITE_CSOCK_NAME: proxy.listen } });
    expect(await scan.exited).toBe(0);
    expect(scan.lines).toContain(`0: ${R0}`);
  });

  it('refuses the client directly, serves it through the proxy: states, wait, APDUs', async () => {
    const direct = await RawClient.open(fake.path);
    clients.push(direct);
    expect((await direct.version(4, 4)).rv).toBe(0x8010001e);

    const c = await client();
    expect(await c.version(4, 4)).toEqual({ major: 4, minor: 4, rv: 0 });
    const h = await c.establish();
    expect((await c.states()).map((e) => e.name)).toEqual([R0]);
    c.send(0x13);
    const arr = parseArray(await c.take(2944));
    expect(arr[0]).toMatchObject({ name: R0, state: 0x34, eventCounter: 1 });
    fake.removeCard(R0);
    expect(await c.take(8)).toEqual(words(0, 0)); // the notification
    c.send(0x13);
    expect(parseArray(await c.take(2944))[0]).toMatchObject({ state: 0x02, eventCounter: 2 });
    c.send(0x14);
    expect(await c.take(8)).toEqual(words(0, 0)); // STOP reply while registered
    c.send(0x14);
    expect(await c.quiet(200)).toBe(0); // not registered: no answer, as pcscd ≥ 1.8.19
    insert();
    const card = await c.connect(h, R0);
    expect(card.rv).toBe(0);
    const r = await c.transmit(card.hCard, Buffer.from('00E2000003010203', 'hex'));
    expect(r).toEqual({ rv: 0, resp: Buffer.from('0102039000', 'hex') });
    expect(await c.disconnect(card.hCard)).toBe(0);
    expect(await c.release(h)).toBe(0);
    // The proxy spoke 4:5 upstream: the daemon saw CMD_VERSION once per upstream connection, with 4:5 accepted.
    expect(calls.find((x) => x.command === 'CMD_VERSION')?.note).toBe('daemon speaks 4:5');
  });

  it('a 4:5 client asking for reader events just as a notification comes gets the reply first', async () => {
    // A long grace so that the notification surely reaches the proxy before the client's 0x15 does.
    await proxy.close();
    await startProxy(fake.path, 60_000);
    const c = await client();
    await c.version(4, 5);
    await c.establish();
    c.send(0x13);
    await c.take(2944);
    fake.addReader({ name: 'Fake Reader 01 00' });
    await new Promise((r) => setTimeout(r, 200));
    c.send(0x15);
    // pcscd counts its start-up reader (docs/protocol.md#event-counters, verified: 2 after one reader): 3
    // after the add.
    expect(await c.take(8)).toEqual(words(3, 0));
    expect(await c.take(8)).toEqual(words(0, 0));
    c.send(0x14);
    expect(await c.quiet(200)).toBe(0);
  });

  it('a 4:5 client gets the daemon’s own reader events', async () => {
    const c = await client();
    await c.version(4, 5);
    await c.establish();
    c.send(0x13);
    await c.take(2944);
    // 2: pcscd counts the reader it started with (docs/protocol.md#event-counters, verified on 2.4.1).
    expect(await c.readerEvents()).toEqual({ readerEvents: 2, rv: 0 });
    fake.addReader({ name: 'Fake Reader 01 00' });
    expect(await c.take(8)).toEqual(words(0, 0));
    c.send(0x13);
    expect(parseArray(await c.take(2944)).map((e) => e.name)).toEqual([R0, 'Fake Reader 01 00']);
    expect(await c.readerEvents()).toEqual({ readerEvents: 3, rv: 0 });
    expect(fake.requests.some((r) => r.cmd === 0x15)).toBe(true);
  });
});

describe('a 4:3 daemon (pcscd 1.8.23)', () => {
  beforeEach(async () => {
    fake = await startFake('1.8.23');
    insert();
    await startProxy(fake.path);
  });

  it('libpcsclite 1.9.9 (4:4): refused directly, a whole session through the proxy', async () => {
    await refusedDirectlyServedByProxy('0x8010001D', 0x43, 20);
  });

  it('a 4:4 client waits with 4:4 rules; the proxy registers 4:3-style and relays the notification', async () => {
    const c = await client();
    await c.version(4, 4);
    await c.establish();
    c.send(0x13);
    expect(parseArray(await c.take(2944))[0]).toMatchObject({ name: R0, state: 0x34 });
    fake.removeCard(R0);
    expect(await c.take(8)).toEqual(words(0, 0)); // timeOut 0, not the daemon's garbage
    c.send(0x13);
    expect(parseArray(await c.take(2944))[0]).toMatchObject({ state: 0x02 });
    c.send(0x14);
    expect(await c.take(8)).toEqual(words(0, 0));
    expect(await c.quiet(200)).toBe(0); // the 4:3 daemon's echoed STOP reply did not leak through
  });
});

describe('a daemon built with 32 reader slots', () => {
  beforeEach(async () => {
    fake = await startFake('2.2.3', {
      slots: 32,
      readers: Array.from({ length: 20 }, (_, i) => ({ name: `Reader ${String(i).padStart(2, '0')} 00` })),
    });
    await startProxy(fake.path);
  });

  it('a 4:4 client gets 16 entries; a 4:6 client gets all 20 readers', async () => {
    const old = await client();
    await old.version(4, 4);
    await old.establish();
    const sixteen = await old.states();
    expect(sixteen).toHaveLength(16);
    expect(await old.quiet(100)).toBe(0);
    const c6 = await client();
    await c6.version(4, 6);
    await c6.establish();
    c6.send(0x16);
    const n = (await c6.take(4)).readInt32LE(0);
    expect(n).toBeGreaterThanOrEqual(20);
    c6.send(0x17);
    expect(parseArray(await c6.take(n * 184))).toHaveLength(20);
  });
});

describe('clients built with 48 reader slots (Fedora patches pcsc-lite to 48), --client-slots 48', () => {
  beforeEach(async () => {
    fake = await startFake('2.2.3', {
      slots: 32,
      readers: Array.from({ length: 20 }, (_, i) => ({ name: `Reader ${String(i).padStart(2, '0')} 00` })),
    });
    calls = [];
    proxy = await ProxyServer.start({
      listen: join(dir, 'proxy.comm'),
      upstream: fake.path,
      onCall: (c) => calls.push(c),
      requestTimeout: 10_000,
      clientSlots: 48,
    });
  });

  it('a 4:4 client reads arrays of exactly 48 entries, all 20 readers in them, and stays in step', async () => {
    const c = await client();
    await c.version(4, 4);
    await c.establish();
    for (let round = 0; round < 2; round++) {
      c.send(0x12);
      const entries = parseArray(await c.take(48 * 184));
      expect(entries).toHaveLength(20);
      expect(await c.quiet(100)).toBe(0); // nothing beyond the 48 entries: the next reply starts clean
    }
    // 4:6 clients still get the daemon's count, as without the option.
    const c6 = await client();
    await c6.version(4, 6);
    await c6.establish();
    c6.send(0x16);
    expect((await c6.take(4)).readInt32LE(0)).toBeGreaterThanOrEqual(20);
  });
});

describe('clients of every version and a 4:4 daemon whose readers come and go', () => {
  beforeEach(async () => {
    fake = await startFake('2.2.3');
    await startProxy(fake.path);
  });

  it('a 4:5 client gets a reader-event counter the proxy keeps, never sending 0x15 to the daemon', async () => {
    const c = await client();
    expect(await c.version(4, 5)).toEqual({ major: 4, minor: 5, rv: 0 });
    await c.establish();
    c.send(0x13);
    await c.take(2944);
    const first = await c.readerEvents();
    expect(first.rv).toBe(0);
    expect(first.readerEvents).toBeGreaterThanOrEqual(1);
    fake.addReader({ name: 'Fake Reader 01 00' });
    expect(await c.take(8)).toEqual(words(0, 0));
    c.send(0x13);
    expect(parseArray(await c.take(2944))).toHaveLength(2);
    expect((await c.readerEvents()).readerEvents).toBe(first.readerEvents + 1);
    c.send(0x14);
    expect(await c.take(8)).toEqual(words(0, 0));
    fake.removeReader('Fake Reader 01 00');
    fake.removeReader(R0);
    expect((await c.readerEvents()).readerEvents).toBe(first.readerEvents + 3);
    expect(fake.requests.filter((r) => r.cmd === 0x15)).toEqual([]);
    expect(
      calls.filter((x) => x.command === 'CMD_GET_READER_EVENTS').every((x) => /synthesised/.test(x.note ?? '')),
    ).toBe(true);
  });

  it('a 4:3 client: WAIT and STOP with 8-byte bodies, no array on WAIT, STOP echoes timeOut', async () => {
    const c = await client();
    expect(await c.version(4, 3)).toEqual({ major: 4, minor: 3, rv: 0 });
    await c.establish();
    expect((await c.states()).map((e) => e.name)).toEqual([R0]);
    c.send(0x13, words(60_000, 0));
    expect(await c.quiet(200)).toBe(0); // nothing right away, unlike 4:4
    insert();
    expect(await c.take(8)).toEqual(words(0, 0));
    const now = await c.states();
    expect(now[0]).toMatchObject({ state: 0x34, eventCounter: 1 });
    c.send(0x13, words(5000, 0));
    expect(await c.quiet(150)).toBe(0);
    c.send(0x14, words(4321, 0)); // local timeout: STOP
    expect(await c.take(8)).toEqual(words(4321, 0));
    expect(fake.requests.filter((r) => r.cmd === 0x13).length).toBeGreaterThanOrEqual(2);
  });

  it('a 4:3 client that missed a change between its fetch and its WAIT is notified at once', async () => {
    const c = await client();
    await c.version(4, 3);
    await c.establish();
    await c.states();
    insert(); // between the client's 0x12 and its 0x13: 4:3 daemons lose this one (docs/protocol.md#waiting-on-older-daemons)
    c.send(0x13, words(60_000, 0));
    expect(await c.take(8, 2000)).toEqual(words(0, 0));
    c.send(0x14, words(1, 0));
    expect(await c.quiet(200)).toBe(0); // no longer registered
  });

  it('a 4:6 client: SIZE and ARRAY, WAIT registers without an array, notifications after the fetch', async () => {
    // A long hold, so that the notification surely reaches the proxy before the client's SIZE does.
    await proxy.close();
    await startProxy(fake.path, 60_000);
    const c = await client();
    expect(await c.version(4, 6)).toEqual({ major: 4, minor: 6, rv: 0 });
    await c.establish();
    c.send(0x16);
    const n = (await c.take(4)).readInt32LE(0);
    expect(n).toBe(16);
    c.send(0x17);
    expect(parseArray(await c.take(n * 184)).map((e) => e.name)).toEqual([R0]);
    c.send(0x13);
    expect(await c.quiet(150)).toBe(0);
    insert(); // a change before the client read its array: held back until it has
    c.send(0x16);
    expect((await c.take(4)).readInt32LE(0)).toBe(16);
    c.send(0x17);
    const arr = parseArray(await c.take(16 * 184));
    expect(arr[0]).toMatchObject({ name: R0, state: 0x02 }); // the states as of registration
    expect(await c.take(8)).toEqual(words(0, 0)); // then the notification
    c.send(0x13);
    c.send(0x16);
    expect((await c.take(4)).readInt32LE(0)).toBe(16);
    c.send(0x17);
    expect(parseArray(await c.take(16 * 184))[0]).toMatchObject({ state: 0x34 });
    c.send(0x14);
    expect(await c.take(8)).toEqual(words(0, 0));
    // Older clients of the same proxy still get exactly 16 entries from 0x12.
    expect(await c.states()).toHaveLength(1);
  });

  it('SCARD_CANCEL from a connection without CMD_VERSION wakes the waiting client', async () => {
    const waiter = await client();
    await waiter.version(4, 4);
    const h = await waiter.establish();
    waiter.send(0x13);
    await waiter.take(2944);
    const canceller = await client();
    canceller.send(0x0d, words(h, 0));
    expect(await canceller.take(8)).toEqual(words(h, 0));
    expect(await waiter.take(8)).toEqual(words(0, CANCELLED));
    waiter.send(0x14); // the client does not STOP after a cancel; if it did, nothing would come
    expect(await waiter.quiet(200)).toBe(0);
    // A context the proxy does not know goes to the daemon, which does not know it either.
    canceller.send(0x0d, words(0xdead, 0));
    expect(await canceller.take(8)).toEqual(words(0xdead, 0x80100003));
    // The waiter's context still works.
    waiter.send(0x13);
    expect(await waiter.take(2944)).toHaveLength(2944);
    // A cancel sent on the waiting connection itself: the notification, then the reply (as pcscd).
    waiter.send(0x0d, words(h, 0));
    expect(await waiter.take(8)).toEqual(words(0, CANCELLED));
    expect(await waiter.take(8)).toEqual(words(h, 0));
  });

  it('a client that vanishes mid-wait, or breaks the protocol, disturbs no one else', async () => {
    insert();
    const a = await client();
    await a.version(4, 4);
    await a.establish();
    a.send(0x13);
    await a.take(2944);
    const b = await client();
    await b.version(4, 4);
    const hb = await b.establish();
    const card = await b.connect(hb, R0);
    a.close();
    const bad = await client();
    bad.send(0x03); // SCARD_LIST_READERS is not served by pcscd: the connection is closed
    expect(await bad.ended()).not.toBeNull();
    for (let i = 0; i < 20; i++) {
      const r = await b.transmit(card.hCard, Buffer.from([0, 0xe2, 0, 0, 1, i]));
      expect(r.resp).toEqual(Buffer.from([i, 0x90, 0]));
    }
    expect(proxy.stats.open).toBe(1);
  });

  it('the daemon dying closes its clients; the proxy keeps listening and serves the next daemon', async () => {
    const path = join(dir, 'daemon.comm');
    await proxy.close();
    await fake.stop();
    fake = await startFake('2.2.3', { path });
    await startProxy(path);
    const c = await client();
    await c.version(4, 4);
    await c.establish();
    c.send(0x13);
    await c.take(2944);
    await fake.stop();
    expect(await c.ended()).not.toBeNull();
    // Meanwhile a client is told that there is no service, as libpcsclite reports it.
    const early = await client();
    expect((await early.version(4, 4)).rv).toBe(0x8010001d);
    fake = await startFake('2.2.3', { path });
    const later = await client();
    expect(await later.version(4, 4)).toEqual({ major: 4, minor: 4, rv: 0 });
    await later.establish();
    expect((await later.states()).map((e) => e.name)).toEqual([R0]);
  });

  it('a registered client that sends card commands anyway keeps its registration and gets its notification', async () => {
    insert();
    const c = await client();
    await c.version(4, 4);
    const h = await c.establish();
    c.send(0x13);
    await c.take(2944);
    const card = await c.connect(h, R0); // libpcsclite would not (its context lock), other clients may
    expect(card.rv).toBe(0);
    // The connection changed readerSharing, which registered clients hear of
    // (docs/protocol.md#waiting-for-changes; pcscd at its next polling cycle, the fake at once): after the
    // CONNECT reply, never inside it.
    expect(await c.take(8)).toEqual(words(0, 0));
    c.send(0x13);
    await c.take(2944);
    expect((await c.transmit(card.hCard, Buffer.from('00E200000177', 'hex'))).resp).toEqual(
      Buffer.from('779000', 'hex'),
    );
    expect(await c.quiet(100)).toBe(0);
    fake.removeCard(R0);
    expect(await c.take(8)).toEqual(words(0, 0));
  });

  it('a 4:2 client gets 100-byte reader names with --legacy-names, 128 without', async () => {
    insert();
    const plain = await client();
    expect(await plain.version(4, 2)).toEqual({ major: 4, minor: 2, rv: 0 });
    await plain.establish();
    expect((await plain.states(128)).map((e) => e.name)).toEqual([R0]);
    await proxy.close();
    calls = [];
    proxy = await ProxyServer.start({ listen: join(dir, 'legacy.comm'), upstream: fake.path, legacyNames: true });
    const c = await client();
    expect(await c.version(4, 2)).toEqual({ major: 4, minor: 2, rv: 0 });
    const h = await c.establish();
    c.send(0x12);
    const arr = await c.take(2496);
    expect(parseArray(arr, 100).map((e) => e.name)).toEqual([R0]);
    expect(await c.quiet(100)).toBe(0); // exactly 16 × 156 bytes
    const card = await c.connect(h, R0, 100);
    expect(card.rv).toBe(0);
    expect((await c.transmit(card.hCard, Buffer.from('00E200000142', 'hex'))).resp).toEqual(
      Buffer.from('429000', 'hex'),
    );
    // A 4:3 client of the same proxy still gets 128-byte names.
    const c3 = await client();
    await c3.version(4, 3);
    await c3.establish();
    expect((await c3.states(128)).map((e) => e.name)).toEqual([R0]);
  });

  it('answers unsupported client versions with its newest and SCARD_E_SERVICE_STOPPED', async () => {
    const c = await client();
    expect(await c.version(4, 7)).toEqual({ major: 4, minor: 6, rv: 0x8010001e });
    expect(await c.version(3, 0)).toEqual({ major: 4, minor: 6, rv: 0x8010001e });
    expect(await c.version(4, 6)).toEqual({ major: 4, minor: 6, rv: 0 }); // a retry on the same connection
  });
});
