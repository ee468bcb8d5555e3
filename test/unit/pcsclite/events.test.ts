// pcsc/pcsclite's events and callbacks against the fake pcscd (test/fakes, written from
// docs/protocol.md), which can add and remove readers and die, pinned to what node-pcsclite's
// documentation and code say and what it did on the rig (docs/node-pcsclite.md#events): every
// `reader` before its first `status`; `status` on every change, with `reader.state` still the
// previous state while listeners run; removal gives `end`; a dead daemon gives each reader's
// `error` then `end`, then the PCSCLite `error`; close() reports the cancelled wait as an error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import pcsclite, { type CardReader, type PCSCLite, type Status } from '../../../src/core/pcsclite/index.js';
import { FakePcscd } from '../../fakes/fake-pcscd.js';
import { FAKE_ATR } from '../../fakes/test-card.js';

const R0 = 'Fake Reader 00 00';
const R1 = 'Fake Reader 01 00';
const R2 = 'Other Reader 02 00';
const atrHex = Buffer.from(FAKE_ATR).toString('hex');
const EMPTY = 0x10;
const PRESENT = 0x20;
const CHANGED = 0x02;

const fakes: FakePcscd[] = [];
const apps: PCSCLite[] = [];
afterEach(async () => {
  for (const p of apps.splice(0)) {
    p.on('error', () => undefined);
    for (const r of Object.values(p.readers)) r.close();
    p.close();
  }
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

type Entry = (string | number | boolean | undefined | string[])[];

/** Every event of the app and its readers, in order: [event, reader, …]. */
function start(fake: FakePcscd): { p: PCSCLite; log: Entry[]; readers: Map<string, CardReader> } {
  const p = pcsclite({ socket: fake.path });
  apps.push(p);
  const log: Entry[] = [];
  const readers = new Map<string, CardReader>();
  p.on('reader', (r: CardReader) => {
    readers.set(r.name, r);
    log.push(['reader', r.name]);
    r.on('status', (s: Status) => {
      // The state before this event: node-pcsclite updates reader.state after the listeners.
      log.push(['status', r.name, s.state & 0xffff, s.atr?.toString('hex'), r.state === undefined ? 'none' : r.state]);
    });
    r.on('error', (e: Error) => log.push(['reader-error', r.name, e.message]));
    r.on('end', () => log.push(['end', r.name, Object.keys(p.readers)]));
  });
  p.on('error', (e: Error) => log.push(['error', e.message]));
  return { p, log, readers };
}

async function until(fake: FakePcscd, what: string, pred: () => boolean): Promise<void> {
  await fake.until(pred, what, 5000);
}

const has = (log: Entry[], ...head: (string | number)[]): boolean => log.some((e) => head.every((h, i) => e[i] === h));

describe.each(['2.2.3', '2.5.1'])('pcscd %s', (version) => {
  async function fake(readers: { name: string; card?: { atr: Uint8Array } }[]): Promise<FakePcscd> {
    const f = await FakePcscd.start({ version, readers });
    fakes.push(f);
    return f;
  }

  it('announces every reader before any status; the first status of each is its state, CHANGED', async () => {
    const f = await fake([{ name: R0, card: { atr: FAKE_ATR } }, { name: R1 }]);
    const { log } = start(f);
    await until(f, 'a status from both readers', () => log.filter((e) => e[0] === 'status').length === 2);
    expect(log.slice(0, 2)).toEqual([
      ['reader', R0],
      ['reader', R1],
    ]);
    const statuses = log.slice(2).sort();
    expect(statuses[0]?.slice(0, 2)).toEqual(['status', R0]);
    expect((statuses[0]?.[2] as number) & (PRESENT | CHANGED)).toBe(PRESENT | CHANGED);
    expect(statuses[0]?.slice(3)).toEqual([atrHex, 'none']);
    // An empty reader: EMPTY | CHANGED and an empty ATR, as node-pcsclite gives (state 18).
    expect(statuses[1]).toEqual(['status', R1, EMPTY | CHANGED, '', 'none']);
  });

  it('a card inserted, then removed: a status each, reader.state the previous one while listeners run', async () => {
    const f = await fake([{ name: R1 }]);
    const { log, readers } = start(f);
    await until(f, 'the first status', () => has(log, 'status', R1));
    const first = readers.get(R1)?.state as number;
    expect(first & 0xffff).toBe(EMPTY | CHANGED);
    f.insertCard(R1, { atr: FAKE_ATR });
    await until(f, 'the insertion', () => log.length === 3);
    f.removeCard(R1);
    await until(f, 'the removal', () => log.length === 4);
    const inserted = log[2] as Entry;
    expect(inserted.slice(0, 2)).toEqual(['status', R1]);
    expect((inserted[2] as number) & (PRESENT | CHANGED)).toBe(PRESENT | CHANGED);
    expect(inserted.slice(3)).toEqual([atrHex, first]);
    const removed = log[3] as Entry;
    expect(removed.slice(0, 3)).toEqual(['status', R1, EMPTY | CHANGED]);
    expect(removed[3]).toBe('');
    expect(readers.get(R1)?.state).not.toBe(first);
  });

  it('a reader plugged in is announced; a reader unplugged ends (once) and leaves pcsc.readers', async () => {
    const f = await fake([{ name: R0 }]);
    const { p, log, readers } = start(f);
    await until(f, 'the first status', () => has(log, 'status', R0));
    f.addReader({ name: R2 });
    await until(f, 'the new reader and its status', () => has(log, 'status', R2));
    expect(Object.keys(p.readers)).toEqual([R0, R2]);
    f.removeReader(R0);
    await until(f, 'the end of the unplugged reader', () => has(log, 'end', R0));
    const after = log.slice(log.findIndex((e) => e[0] === 'reader' && e[1] === R2));
    const ofR0 = after.filter((e) => e[1] === R0);
    // Possibly a status saying it is gone (UNKNOWN), never an error; then `end`, the reader already out of the list.
    expect(ofR0.at(-1)).toEqual(['end', R0, [R2]]);
    for (const e of ofR0.slice(0, -1)) expect(e[0]).toBe('status');
    expect(log.filter((e) => e[0] === 'end')).toHaveLength(1);
    expect(log.some((e) => e[0] === 'error' || e[0] === 'reader-error')).toBe(false);
    // Its `status` listeners are gone with it (node-pcsclite removes them before `end`); the others stay.
    expect(readers.get(R0)?.listenerCount('status')).toBe(0);
    expect(readers.get(R2)?.listenerCount('status')).toBe(1);
  });

  it('pcscd dying: each reader reports the error and ends, then PCSCLite reports why it stopped', async () => {
    const f = await fake([{ name: R0, card: { atr: FAKE_ATR } }, { name: R1 }]);
    const { p, log } = start(f);
    await until(f, 'both statuses', () => log.filter((e) => e[0] === 'status').length === 2);
    const from = log.length;
    f.die();
    await until(f, 'the PCSCLite error', () => has(log, 'error'));
    const lost = 'SCardGetStatusChange error: RPC transport error.(0x80100013)';
    const events = log.slice(from);
    expect(events.at(-1)).toEqual(['error', lost]);
    for (const name of [R0, R1]) {
      const own = events.filter((e) => e[1] === name);
      expect(own.map((e) => e[0])).toEqual(['reader-error', 'end']);
      expect(own[0]?.[2]).toBe(lost);
    }
    expect(p.readers).toEqual({});
  });

  it('close(): the wait it cancels is reported as an error; the readers go on until their own close()', async () => {
    const f = await fake([{ name: R1 }]);
    const { p, log, readers } = start(f);
    await until(f, 'the first status', () => has(log, 'status', R1));
    // The PnP wait is registered: close() cancels it.
    await until(f, 'the PnP wait', () => f.registered.length >= 2);
    p.close();
    await until(f, 'the close error', () => has(log, 'error'));
    expect(log.at(-1)).toEqual(['error', 'SCardGetStatusChange error: Command cancelled.(0x80100002)']);
    f.insertCard(R1, { atr: FAKE_ATR });
    await until(f, 'a status after close()', () => log.filter((e) => e[0] === 'status').length === 2);
    readers.get(R1)?.close();
    await until(f, 'the end', () => has(log, 'end'));
    expect(log.at(-1)).toEqual(['end', R1, []]);
    expect(log.filter((e) => e[0] === 'error' || e[0] === 'reader-error')).toHaveLength(1);
  });
});

describe('pcscd not running yet', () => {
  it('waits for it without blocking, then announces its readers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcsclite-later-'));
    try {
      const path = join(dir, 'pcscd.comm');
      const p = pcsclite({ socket: path });
      apps.push(p);
      const log: string[] = [];
      p.on('reader', (r: CardReader) => log.push(r.name));
      p.on('error', (e: Error) => log.push(e.message));
      // The event loop runs meanwhile (node-pcsclite blocks it), and nothing is reported.
      await new Promise((r) => setTimeout(r, 300));
      expect(log).toEqual([]);
      const f = await FakePcscd.start({ version: '2.2.3', path, readers: [{ name: R0 }] });
      fakes.push(f);
      await until(f, 'the reader of the daemon started later', () => log.length > 0);
      expect(log).toEqual([R0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('connect, transmit, control, disconnect (callbacks)', () => {
  async function connected(respond?: (apdu: Buffer) => Buffer): Promise<{ f: FakePcscd; r: CardReader }> {
    const f = await FakePcscd.start({
      version: '2.2.3',
      readers: [{ name: R0, card: { atr: FAKE_ATR, ...(respond ? { respond } : {}) } }, { name: R1 }],
    });
    fakes.push(f);
    const { log, readers } = start(f);
    await until(f, 'both statuses', () => log.filter((e) => e[0] === 'status').length === 2);
    return { f, r: readers.get(R0) as CardReader };
  }
  const call = <T>(
    fn: (cb: (err: Error | null | undefined, v: T) => void) => void,
  ): Promise<[Error | null | undefined, T]> => new Promise((resolve) => fn((err, v) => resolve([err, v])));

  it('before connect: transmit and control answer "Card Reader not connected" at once; disconnect is a no-op', async () => {
    const { r } = await connected();
    const seen: string[] = [];
    r.transmit(Buffer.from('00A40400', 'hex'), 40, 2, (e) => seen.push(`transmit ${e?.message}`));
    r.control(Buffer.alloc(0), r.SCARD_CTL_CODE(3400), 40, (e) => seen.push(`control ${e?.message}`));
    r.disconnect(r.SCARD_LEAVE_CARD, (e) => seen.push(`disconnect ${String(e)}`));
    // Synchronously, as node-pcsclite's JavaScript layer does.
    expect(seen).toEqual([
      'transmit Card Reader not connected',
      'control Card Reader not connected',
      'disconnect undefined',
    ]);
  });

  it('connect gives the protocol number; again, a callback without arguments; transmit is raw', async () => {
    // A card that answers 61 xx: node-pcsclite hands that back as it is (no GET RESPONSE).
    const sent: string[] = [];
    const { r } = await connected((apdu) => {
      sent.push(apdu.toString('hex'));
      return Buffer.from('6110', 'hex');
    });
    const [err, protocol] = await call<number>((cb) => r.connect({ share_mode: r.SCARD_SHARE_SHARED }, cb));
    expect([err, protocol, r.connected]).toEqual([null, r.SCARD_PROTOCOL_T1, true]);
    const again = await new Promise<unknown[]>((resolve) => r.connect((...args: unknown[]) => resolve(args)));
    expect(again).toEqual([]);
    const [terr, data] = await call<Buffer>((cb) => r.transmit(Buffer.from('00C0000010', 'hex'), 40, protocol, cb));
    expect([terr, data.toString('hex')]).toEqual([null, '6110']);
    expect(sent).toEqual(['00c0000010']);
    const [cerr] = await call<Buffer>((cb) => r.control(Buffer.alloc(0), r.SCARD_CTL_CODE(1), 40, cb));
    expect(cerr?.message).toBe('SCardControl error: Feature not supported.(0x8010001f)');
    const [derr] = await call<void>((cb) => r.disconnect(cb));
    expect([derr, r.connected]).toEqual([null, false]);
  });

  it('transmit with another protocol than the card’s fails as pcscd’s check does', async () => {
    const { r } = await connected();
    const [, protocol] = await call<number>((cb) => r.connect(cb));
    expect(protocol).toBe(r.SCARD_PROTOCOL_T1);
    const [err] = await call<Buffer>((cb) => r.transmit(Buffer.from('80CA000000', 'hex'), 40, r.SCARD_PROTOCOL_T0, cb));
    expect(err?.message).toBe('SCardTransmit error: Card protocol mismatch.(0x8010000f)');
    // SCARD_PROTOCOL_ANY_OLD (0x1000) means the card's own, as pcscd takes it.
    const [aerr, data] = await call<Buffer>((cb) => r.transmit(Buffer.from('80CA000000', 'hex'), 40, 0x1000, cb));
    expect([aerr, data.toString('hex')]).toEqual([null, 'cafe9000']);
  });

  it('after reader.close() (end emitted) the card connection still works, as node-pcsclite’s handle does', async () => {
    const { r } = await connected();
    const [, protocol] = await call<number>((cb) => r.connect(cb));
    const ended = new Promise((resolve) => r.once('end', resolve));
    r.close();
    await ended;
    expect(r.connected).toBe(true);
    const [err, data] = await call<Buffer>((cb) => r.transmit(Buffer.from('80CA000000', 'hex'), 40, protocol, cb));
    expect([err, data.toString('hex')]).toEqual([null, 'cafe9000']);
    const [derr] = await call<void>((cb) => r.disconnect(r.SCARD_LEAVE_CARD, cb));
    expect([derr, r.connected]).toEqual([null, false]);
  });

  it('a reader unplugged takes its card connection with it', async () => {
    const { f, r } = await connected();
    await call<number>((cb) => r.connect(cb));
    const ended = new Promise((resolve) => r.once('end', resolve));
    f.removeReader(R0);
    await ended;
    expect(r.connected).toBe(false);
    const seen: string[] = [];
    r.transmit(Buffer.from('80CA000000', 'hex'), 40, 2, (e) => seen.push(String(e?.message)));
    expect(seen).toEqual(['Card Reader not connected']);
  });

  it('a response longer than res_len is SCARD_E_INSUFFICIENT_BUFFER, as SCardTransmit says', async () => {
    const { r } = await connected(() => Buffer.alloc(34, 0x90));
    const [, protocol] = await call<number>((cb) => r.connect(cb));
    const [err] = await call<Buffer>((cb) => r.transmit(Buffer.from('00B0000020', 'hex'), 4, protocol, cb));
    expect(err?.message).toBe('SCardTransmit error: Insufficient buffer.(0x80100008)');
    expect(err?.constructor).toBe(Error);
  });

  it('connect to an empty reader fails with pcsc-lite’s message', async () => {
    const { f } = await connected();
    void f;
    const p = apps.at(-1) as PCSCLite;
    const empty = p.readers[R1] as CardReader;
    const [err, protocol] = await call<number>((cb) => empty.connect({ share_mode: empty.SCARD_SHARE_SHARED }, cb));
    expect(err?.message).toBe('SCardConnect error: No smart card inserted.(0x8010000c)');
    expect([protocol, empty.connected]).toEqual([undefined, false]);
  });
});
