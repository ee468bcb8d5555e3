// Checks the fake daemon itself against docs/protocol.md's tables and traces
// (docs/protocol.md#cmd_version-answers, docs/protocol.md#commands, docs/protocol.md#calls), with a bare
// socket client, so that tests of our client against it rest on docs/protocol.md.

import { afterEach, describe, expect, it } from 'vitest';
import { FakePcscd } from '../../fakes/fake-pcscd.js';
import { RawClient } from '../../fakes/raw-client.js';
import * as S from '../../fakes/structs.js';
import { FAKE_ATR } from '../../fakes/test-card.js';

const fakes: FakePcscd[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function daemon(
  version: string,
  readers = 1,
  extra: Partial<Parameters<typeof FakePcscd.start>[0]> = {},
): Promise<FakePcscd> {
  const f = await FakePcscd.start({
    version,
    readers: Array.from({ length: readers }, (_, i) => ({
      name: `Fake Reader ${String(i).padStart(2, '0')} 00`,
      card: { atr: FAKE_ATR },
    })),
    ...extra,
  });
  fakes.push(f);
  return f;
}

async function client(f: FakePcscd): Promise<RawClient> {
  const c = await RawClient.open(f.path);
  clients.push(c);
  return c;
}

const version = (major: number, minor: number): Buffer => S.request(S.CMD.VERSION, S.words(major, minor, 0));
const bodiless = (cmd: number): Buffer => S.request(cmd);
const hex = (b: Buffer | null): string => (b ? b.toString('hex') : 'nothing');

async function establishOn(c: RawClient): Promise<number> {
  c.write(S.request(S.CMD.ESTABLISH_CONTEXT, S.words(2, 0, 0)));
  const r = S.unpack(S.establish, (await c.read(12)) as Buffer);
  expect(r.num('rv')).toBe(0);
  return r.num('hContext');
}

describe('CMD_VERSION answers (docs/protocol.md#cmd_version-answers)', () => {
  const E = S.words;
  const table: [string, [number, number], Record<number, number>][] = [
    ['1.8.23', [4, 3], { 3: 0, 4: 0x8010001d, 5: 0x8010001d, 6: 0x8010001d }],
    ['1.9.9', [4, 4], { 3: 0x8010001e, 4: 0, 5: 0x8010001e, 6: 0x8010001e }],
    ['2.2.3', [4, 4], { 3: 0x8010001e, 4: 0, 5: 0x8010001e, 6: 0x8010001e }],
    ['2.4.0', [4, 5], { 3: 0x8010001e, 4: 0x8010001e, 5: 0, 6: 0x8010001e }],
    ['2.4.1', [4, 5], { 3: 0x8010001e, 4: 0, 5: 0, 6: 0 }],
    ['2.5.1', [4, 6], { 3: 0x8010001e, 4: 0, 5: 0, 6: 0 }],
  ];
  it.each(table)('pcscd %s replies its own version %j', async (v, own, rvs) => {
    const f = await daemon(v);
    for (const sent of [3, 4, 5, 6]) {
      const c = await client(f);
      c.write(version(4, sent));
      expect(hex(await c.read(12)), `4:${sent} sent`).toBe(E(own[0], own[1], rvs[sent] as number).toString('hex'));
      // Every daemon keeps the connection and accepts its own version next.
      c.write(version(own[0], own[1]));
      expect(hex(await c.read(12))).toBe(E(own[0], own[1], 0).toString('hex'));
    }
  });

  it('2.4.1 ignores the major; 2.2.3 and 2.5.1 check it', async () => {
    for (const [v, rv] of [
      ['2.4.1', 0],
      ['2.2.3', 0x8010001e],
      ['2.5.1', 0x8010001e],
    ] as const) {
      const f = await daemon(v);
      for (const [maj, min] of [
        [5, 4],
        [3, 9],
      ]) {
        const c = await client(f);
        c.write(version(maj as number, min as number));
        expect(S.unpack(S.version, (await c.read(12)) as Buffer).num('rv'), `${v} ${maj}:${min}`).toBe(rv);
      }
    }
  });

  it('matches the verified 2.4.1 establish trace (docs/protocol.md#establishing-and-releasing-a-context)', async () => {
    const c = await client(await daemon('2.4.1'));
    const req = version(4, 5);
    expect(req.toString('hex')).toBe('0c000000' + '11000000' + '04000000' + '05000000' + '00000000');
    c.write(req);
    expect(hex(await c.read(12))).toBe('040000000500000000000000');
    c.write(Buffer.from('0c00000001000000020000000000000000000000', 'hex'));
    const r = (await c.read(12)) as Buffer;
    expect(r.subarray(0, 4).toString('hex')).toBe('02000000');
    expect(r.subarray(8).toString('hex')).toBe('00000000');
    expect(S.u32(r, 4)).toBeGreaterThan(0);
  });
});

describe('reader-state arrays (docs/protocol.md#the-array, docs/protocol.md#protocol-46, docs/protocol.md#cmd_version-answers)', () => {
  it.each([
    ['1.8.3', 2496],
    ['1.8.8', 2944],
    ['1.8.23', 2944],
    ['2.2.3', 2944],
    ['2.4.1', 2944],
    ['2.5.1', 2944],
  ])('pcscd %s sends %i bytes for CMD_GET_READERS_STATE', async (v, n) => {
    const c = await client(await daemon(v));
    c.write(bodiless(S.CMD.GET_READERS_STATE));
    const a = (await c.read(n)) as Buffer;
    expect(a).not.toBeNull();
    expect(await c.quiet(100)).toBe(0);
    const e = S.unpack(S.readerState(v === '1.8.3' ? 100 : 128), a);
    expect(e.str('readerName')).toBe('Fake Reader 00 00');
    expect(e.num('readerState')).toBe(0x34);
    expect(e.num('cardAtrLength')).toBe(FAKE_ATR.length);
    // Unused slots say "not initialised" (34), except 2.5's zeroed padding.
    const unused = S.unpack(S.readerState(v === '1.8.3' ? 100 : 128), a, (v === '1.8.3' ? 156 : 184) * 5);
    expect(unused.num('cardAtrLength')).toBe(v === '2.5.1' ? 0 : 34);
  });

  it('a 48-slot build sends 48 entries', async () => {
    const c = await client(await daemon('2.4.1', 1, { slots: 48 }));
    c.write(bodiless(S.CMD.GET_READERS_STATE));
    expect(await c.read(48 * 184)).not.toBeNull();
    expect(await c.quiet(100)).toBe(0);
  });

  it('4:6: 0x16 gives 2 and 0x17 368 bytes for two readers; growth by 2 with holes', async () => {
    const f = await daemon('2.5.1', 2);
    const c = await client(f);
    c.write(version(4, 6));
    await c.read(12);
    c.write(bodiless(S.CMD.GET_READERS_STATE_SIZE));
    expect(S.i32((await c.read(4)) as Buffer, 0)).toBe(2);
    c.write(bodiless(S.CMD.GET_READERS_STATE_ARRAY));
    expect(await c.read(368)).not.toBeNull();
    f.addReader({ name: 'Third 02 00' });
    f.removeReader('Fake Reader 00 00');
    c.write(bodiless(S.CMD.GET_READERS_STATE_SIZE));
    expect(S.i32((await c.read(4)) as Buffer, 0)).toBe(4);
    c.write(bodiless(S.CMD.GET_READERS_STATE_ARRAY));
    const a = (await c.read(4 * 184)) as Buffer;
    const names = [0, 1, 2, 3].map((i) => S.unpack(S.readerState(128), a, i * 184).str('readerName'));
    expect(names).toEqual(['', 'Fake Reader 01 00', 'Third 02 00', '']);
    // 0x12 still gives exactly 16 entries.
    c.write(bodiless(S.CMD.GET_READERS_STATE));
    expect(await c.read(2944)).not.toBeNull();
    expect(await c.quiet(100)).toBe(0);
  });

  it('counts reader events from 1 (2 after one reader) and card events per reader', async () => {
    const f = await daemon('2.4.1', 1);
    const c = await client(f);
    const events = async (): Promise<number> => {
      c.write(bodiless(S.CMD.GET_READER_EVENTS));
      return S.unpack(S.readerEvents, (await c.read(8)) as Buffer).num('readerEvents');
    };
    expect(await events()).toBe(2);
    f.addReader({ name: 'B 01 00' });
    f.removeReader('B 01 00');
    expect(await events()).toBe(4);
    f.removeCard('Fake Reader 00 00');
    f.insertCard('Fake Reader 00 00', { atr: FAKE_ATR });
    c.write(bodiless(S.CMD.GET_READERS_STATE));
    expect(S.unpack(S.readerState(128), (await c.read(2944)) as Buffer).num('eventCounter')).toBe(3);
  });
});

describe('registration and notifications (docs/protocol.md#waiting-for-changes, docs/protocol.md#waiting-on-older-daemons, docs/protocol.md#cancel)', () => {
  it('4:4: WAIT sends the array at once; STOP answers only while registered', async () => {
    const c = await client(await daemon('2.2.3'));
    c.write(bodiless(S.CMD.WAIT_READER_STATE_CHANGE));
    expect(await c.read(2944)).not.toBeNull();
    c.write(bodiless(S.CMD.STOP_WAITING_READER_STATE_CHANGE));
    expect(hex(await c.read(8))).toBe('0000000000000000');
    c.write(bodiless(S.CMD.STOP_WAITING_READER_STATE_CHANGE));
    expect(await c.quiet()).toBe(0);
  });

  it('before 1.8.19 STOP is always answered, with the echoed timeOut', async () => {
    const c = await client(await daemon('1.8.18'));
    c.write(S.request(S.CMD.STOP_WAITING_READER_STATE_CHANGE, S.words(0x1234, 0)));
    expect(hex(await c.read(8))).toBe(S.words(0x1234, 0).toString('hex'));
  });

  it('4:3: WAIT (8-byte body) sends nothing; the notification carries garbage; STOP echoes', async () => {
    const f = await daemon('1.8.23');
    const c = await client(f);
    c.write(S.request(S.CMD.WAIT_READER_STATE_CHANGE, S.words(5000, 0)));
    expect(await c.quiet(100)).toBe(0);
    f.removeCard('Fake Reader 00 00');
    const n = S.unpack(S.wait, (await c.read(8)) as Buffer);
    expect(n.num('rv')).toBe(0);
    expect(n.num('timeOut')).not.toBe(0);
    c.write(S.request(S.CMD.WAIT_READER_STATE_CHANGE, S.words(5000, 0)));
    c.write(S.request(S.CMD.STOP_WAITING_READER_STATE_CHANGE, S.words(0xabcd, 0)));
    expect(hex(await c.read(8))).toBe(S.words(0xabcd, 0).toString('hex'));
    expect(f.violations).toEqual([]);
  });

  it('cancel: the side connection gets {hContext, 0}, the waiter 00000000 02001080 (verified trace)', async () => {
    const f = await daemon('2.4.1');
    const c1 = await client(f);
    const h = await establishOn(c1);
    c1.write(bodiless(S.CMD.WAIT_READER_STATE_CHANGE));
    await c1.read(2944);
    const c2 = await client(f);
    c2.write(S.request(S.CMD.CANCEL, S.words(h, 0)));
    expect(hex(await c2.read(8))).toBe(S.words(h, 0).toString('hex'));
    expect(hex(await c1.read(8))).toBe('0000000002001080');
    // Not waiting any more: 0 from 2.0.1, INVALID_HANDLE before; unknown context: INVALID_HANDLE.
    c2.write(S.request(S.CMD.CANCEL, S.words(h, 0)));
    expect(hex(await c2.read(8))).toBe(S.words(h, 0).toString('hex'));
    c2.write(S.request(S.CMD.CANCEL, S.words(h ^ 1, 0)));
    expect(S.u32((await c2.read(8)) as Buffer, 4)).toBe(0x80100003);
  });
});

describe('what closes a connection (docs/protocol.md#requests, docs/protocol.md#partial-reads-errors-and-closing)', () => {
  it.each([
    ['LIST_READERS (0x03)', '2.4.1', bodiless(0x03)],
    ['GET_STATUS_CHANGE (0x0C)', '2.4.1', bodiless(0x0c)],
    ['CANCEL_TRANSACTION (0x0E)', '2.4.1', bodiless(0x0e)],
    ['GET_READER_EVENTS on 2.2.3', '2.2.3', bodiless(0x15)],
    ['GET_READERS_STATE_SIZE on 2.4.1', '2.4.1', bodiless(0x16)],
    ['CMD_VERSION with size 8', '2.4.1', S.request(S.CMD.VERSION, S.words(4, 5))],
    ['a 4:3 WAIT (8-byte body) on 4:4', '2.2.3', S.request(S.CMD.WAIT_READER_STATE_CHANGE, S.words(0, 0))],
    ['GET_ATTRIB with cbAttrLen 265', '2.4.1', S.request(S.CMD.GET_ATTRIB, S.pack(S.getset, { cbAttrLen: 265 }))],
  ])('%s', async (_what, v, bytes) => {
    const f = await daemon(v);
    const c = await client(f);
    c.write(bytes);
    expect(await c.ended()).not.toBeNull();
    expect(f.violations.length).toBeGreaterThan(0);
  });

  it('a foreign card handle: the daemon waits, then closes that connection', async () => {
    const f = await daemon('2.4.1', 1, { foreignHandleDelay: 300 });
    const c = await client(f);
    await establishOn(c);
    c.write(S.request(S.CMD.STATUS, S.words(12345, 0)));
    expect(await c.quiet(150)).toBe(0);
    expect(await c.ended()).not.toBeNull();
  });

  it('transmit: verified trace bytes (docs/protocol.md#transmit-and-control)', async () => {
    const f = await daemon('2.4.1', 1);
    const c = await client(f);
    const h = await establishOn(c);
    const name = Buffer.alloc(128);
    name.write('Fake Reader 00 00');
    c.write(S.request(S.CMD.CONNECT, Buffer.concat([S.words(h), name, S.words(2, 3, 0, 0, 0)])));
    const r = S.unpack(S.connect(128), (await c.read(152)) as Buffer);
    expect(r.num('rv')).toBe(0);
    expect(r.num('dwActiveProtocol')).toBe(2);
    const hCard = r.num('hCard');
    f.world.find('Fake Reader 00 00')!.card!.respond = () => Buffer.from('00b00000029000', 'hex');
    c.write(S.request(S.CMD.TRANSMIT, S.words(hCard, 2, 16, 5, 3, 16, 300, 0), Buffer.from('00b0000002', 'hex')));
    expect(hex(await c.read(32))).toBe(S.words(hCard, 2, 16, 5, 3, 16, 7, 0).toString('hex'));
    expect(hex(await c.read(7))).toBe('00b00000029000');
  });
});
