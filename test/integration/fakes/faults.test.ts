// Daemon faults on every command and protocol minor (docs/protocol.md#partial-reads-errors-and-closing,
// docs/protocol.md#access-control): death mid-call, truncated, garbage and absurd replies, silence,
// ECONNRESET, polkit denial. Each must end in a typed PcscError (kind service or timeout: CLI exit 3 or 5),
// never a hang or an unhandled rejection.

import { describe, expect, it } from 'vitest';
import { PNP_NOTIFICATION, PcscError } from '../../../src/core/index.js';
import type { PcscdContext } from '../../../src/core/pcscd/context.js';
import type { FakePcscd, FaultAction } from '../../fakes/fake-pcscd.js';
import * as S from '../../fakes/structs.js';
import { READER, READER2, empty, establish, guard, settle, startFake, withCard } from './helpers.js';

guard();

const REQUEST_TIMEOUT = 600;
const open = (f: FakePcscd): Promise<PcscdContext> => establish(f, { requestTimeout: REQUEST_TIMEOUT });
const apdu = Buffer.from('80CA000000', 'hex');

interface Op {
  cmd: number;
  /** Protocol minors where the client sends this command in this flow. */
  minors: number[];
  run: (f: FakePcscd, keep: (c: PcscdContext) => void) => Promise<unknown>;
}

async function withCtx(
  f: FakePcscd,
  keep: (c: PcscdContext) => void,
  fn: (c: PcscdContext) => Promise<unknown>,
): Promise<unknown> {
  const c = await open(f);
  keep(c);
  return fn(c);
}

const ALL = [2, 3, 4, 5, 6];
const OPS: Record<string, Op> = {
  VERSION: { cmd: S.CMD.VERSION, minors: ALL, run: (f, k) => withCtx(f, k, (c) => c.listReaders()) },
  ESTABLISH: { cmd: S.CMD.ESTABLISH_CONTEXT, minors: ALL, run: (f, k) => withCtx(f, k, (c) => c.listReaders()) },
  GET_READERS_STATE: {
    cmd: S.CMD.GET_READERS_STATE,
    minors: [2, 3, 4, 5],
    run: (f, k) => withCtx(f, k, (c) => c.listReaders()),
  },
  READERS_STATE_SIZE: {
    cmd: S.CMD.GET_READERS_STATE_SIZE,
    minors: [6],
    run: (f, k) => withCtx(f, k, (c) => c.listReaders()),
  },
  READERS_STATE_ARRAY: {
    cmd: S.CMD.GET_READERS_STATE_ARRAY,
    minors: [6],
    run: (f, k) => withCtx(f, k, (c) => c.listReaders()),
  },
  WAIT: {
    cmd: S.CMD.WAIT_READER_STATE_CHANGE,
    minors: ALL,
    run: (f, k) => withCtx(f, k, (c) => c.getStatusChange([{ reader: READER, currentState: 0x20 }], { timeout: 400 })),
  },
  READER_EVENTS: {
    cmd: S.CMD.GET_READER_EVENTS,
    minors: [5, 6],
    run: (f, k) => withCtx(f, k, (c) => c.getStatusChange([{ reader: PNP_NOTIFICATION }], { timeout: 400 })),
  },
  STOP: {
    cmd: S.CMD.STOP_WAITING_READER_STATE_CHANGE,
    minors: ALL,
    run: (f, k) => withCtx(f, k, (c) => c.getStatusChange([{ reader: READER }])),
  },
  CONNECT: { cmd: S.CMD.CONNECT, minors: ALL, run: (f, k) => withCtx(f, k, (c) => c.connect(READER)) },
  TRANSMIT: {
    cmd: S.CMD.TRANSMIT,
    minors: ALL,
    run: (f, k) => withCtx(f, k, async (c) => (await c.connect(READER)).transmit(apdu, { timeout: REQUEST_TIMEOUT })),
  },
  CONTROL: {
    cmd: S.CMD.CONTROL,
    minors: ALL,
    run: (f, k) =>
      withCtx(f, k, async (c) =>
        (await c.connect(READER)).control(0x42000d48, undefined, { timeout: REQUEST_TIMEOUT }),
      ),
  },
  GET_ATTRIB: {
    cmd: S.CMD.GET_ATTRIB,
    minors: ALL,
    run: (f, k) => withCtx(f, k, async (c) => (await c.connect(READER)).getAttribute(0x90303)),
  },
  STATUS: {
    cmd: S.CMD.STATUS,
    minors: ALL,
    run: (f, k) => withCtx(f, k, async (c) => (await c.connect(READER)).status()),
  },
  BEGIN: {
    cmd: S.CMD.BEGIN_TRANSACTION,
    minors: ALL,
    run: (f, k) => withCtx(f, k, async (c) => (await c.connect(READER)).beginTransaction()),
  },
  RECONNECT: {
    cmd: S.CMD.RECONNECT,
    minors: ALL,
    run: (f, k) => withCtx(f, k, async (c) => (await c.connect(READER)).reconnect()),
  },
  DISCONNECT: {
    cmd: S.CMD.DISCONNECT,
    minors: ALL,
    run: (f, k) => withCtx(f, k, async (c) => (await c.connect(READER)).disconnect()),
  },
  RELEASE: { cmd: S.CMD.RELEASE_CONTEXT, minors: ALL, run: (f, k) => withCtx(f, k, (c) => c.release()) },
};

const FAULTS: Record<string, FaultAction> = {
  'dies on the request': { kind: 'die' },
  'dies after 1 byte of the reply': { kind: 'die-after-bytes', bytes: 1 },
  'truncates the reply (half of it)': { kind: 'truncate' },
  'sends garbage instead': { kind: 'garbage' },
  'never answers': { kind: 'silent' },
  'resets the connection (ECONNRESET)': { kind: 'reset' },
};

/**
 * Faults a correct client cannot see at all in this flow (so neither the call nor the next one
 * needs to fail), with the reason.
 */
function invisible(op: string, fault: string, minor: number): boolean {
  // STOP's reply only says "I was still registered"; a garbage one reads as a notification.
  if (op === 'STOP' && fault === 'sends garbage instead') return true;
  // ≤ 4:3 and 4:6 WAIT has no reply: silence, garbage or truncation of nothing change nothing.
  if (op === 'WAIT' && (minor <= 3 || minor === 6) && fault !== 'dies on the request') return true;
  // 4:6 arrays come from a context-free side connection, which the client retries once.
  if (op.startsWith('READERS_STATE_') && fault !== 'dies on the request' && fault !== 'dies after 1 byte of the reply')
    return true;
  // The 4:2 layout probe only counts the bytes of its CMD_GET_READERS_STATE.
  if (op === 'GET_READERS_STATE' && minor === 2 && fault === 'sends garbage instead') return true;
  return false;
}

/** Faults that show only on the next request: a reset after the reply, anything on STOP or RELEASE. */
function late(op: string, fault: string): boolean {
  return fault.startsWith('resets') || op === 'STOP' || op === 'RELEASE';
}

const VERSIONS: [string, number][] = [
  ['1.8.3', 2],
  ['1.8.23', 3],
  ['2.2.3', 4],
  ['2.4.1', 5],
  ['2.5.1', 6],
];

function check(e: unknown, label: string): void {
  expect(e, label).toBeInstanceOf(PcscError);
  expect(['service', 'timeout'], `${label}: ${(e as PcscError).message}`).toContain((e as PcscError).kind);
}

for (const [version, minor] of VERSIONS) {
  describe.concurrent(`pcscd ${version} (4:${minor})`, () => {
    for (const [opName, op] of Object.entries(OPS)) {
      if (!op.minors.includes(minor)) continue;
      for (const [faultName, fault] of Object.entries(FAULTS)) {
        it(`${opName}: the daemon ${faultName}`, async () => {
          const fake = await startFake({ version, readers: [withCard(), empty()] });
          fake.inject({ cmd: op.cmd, action: fault });
          const ctxs: PcscdContext[] = [];
          const out = await settle(op.run(fake, (c) => ctxs.push(c)));
          if (out instanceof Error) check(out, 'outcome');
          // Whatever state the context is in, the next call settles with a result or a typed error.
          const ctx = ctxs[0];
          // CONNECT goes over the context's own connection on every minor (listing may not, on 4:6).
          const next = ctx ? await settle(ctx.connect(READER)) : undefined;
          if (next instanceof Error) check(next, 'next call');
          if (ctx) await settle(ctx.release());
          if (!invisible(opName, faultName, minor)) {
            if (late(opName, faultName))
              expect(out instanceof Error || next instanceof Error, 'the call or the next one fails').toBe(true);
            else expect(out, 'the call fails').toBeInstanceOf(PcscError);
          }
          // A fault on one connection leaves the daemon serving others (unless it died).
          if (!fake.dead) {
            const fresh = await open(fake);
            expect(await fresh.listReaders()).toEqual([READER, READER2]);
            await fresh.release();
          } else {
            const e = await settle(open(fake));
            expect((e as PcscError).scardName).toBe('SCARD_E_NO_SERVICE');
          }
        });
      }
    }
  });
}

describe('named faults', () => {
  const setU32 = (b: Buffer, off: number, v: number): Buffer => {
    S.putU32(b, off, v);
    return b;
  };
  async function cardOn(
    version: string,
    inject: (f: FakePcscd) => void,
  ): Promise<{ fake: FakePcscd; ctx: PcscdContext; card: Awaited<ReturnType<PcscdContext['connect']>> }> {
    const fake = await startFake({ version, readers: [withCard(), empty()] });
    const ctx = await open(fake);
    const card = await ctx.connect(READER);
    inject(fake);
    return { fake, ctx, card };
  }
  const name = (e: unknown): string => (e instanceof PcscError ? e.scardName : String(e));

  it('TRANSMIT reply with pcbRecvLength 0xFFFFFFF0: protocol error, context unusable after', async () => {
    const { ctx, card } = await cardOn('2.4.1', (f) =>
      f.inject({
        cmd: S.CMD.TRANSMIT,
        action: { kind: 'mutate', fn: ([st]) => [setU32(st as Buffer, 24, 0xfffffff0)] },
      }),
    );
    const e = await settle(card.transmit(apdu));
    expect(e).toBeInstanceOf(PcscError);
    expect(name(e)).toBe('SCARD_F_COMM_ERROR');
    expect(name(await settle(card.transmit(apdu)))).toBe('SCARD_F_COMM_ERROR');
    await ctx.release();
  });

  it('TRANSMIT reply announcing 65548 bytes and sending 3: bounded wait, SCARD_E_TIMEOUT', async () => {
    const { ctx, card } = await cardOn('2.2.3', (f) =>
      f.inject({
        cmd: S.CMD.TRANSMIT,
        action: { kind: 'mutate', fn: ([st]) => [setU32(st as Buffer, 24, 65548), Buffer.from([1, 2, 3])] },
      }),
    );
    expect(name(await settle(card.transmit(apdu)))).toBe('SCARD_E_TIMEOUT');
    await ctx.release();
  });

  it('a slow card is waited for with the card timeout, not the request timeout', async () => {
    const slow = (ms: number) => async (): Promise<Buffer> => {
      await new Promise((r) => setTimeout(r, ms));
      return Buffer.from([0x90, 0x00]);
    };
    const fake = await startFake({
      version: '2.4.1',
      readers: [{ name: READER, card: { atr: Buffer.from([0x3b, 0]), respond: slow(REQUEST_TIMEOUT * 2) } }],
    });
    const ctx = await open(fake);
    const card = await ctx.connect(READER);
    expect((await card.transmit(apdu, { timeout: 10_000 })).toString('hex')).toBe('9000');
    expect(name(await settle(card.transmit(apdu, { timeout: REQUEST_TIMEOUT / 2 })))).toBe('SCARD_E_TIMEOUT');
    await ctx.release();
  });

  it('GET_ATTRIB reply with cbAttrLen 300 (> 264): protocol error', async () => {
    const { ctx, card } = await cardOn('2.4.1', (f) =>
      f.inject({ cmd: S.CMD.GET_ATTRIB, action: { kind: 'mutate', fn: ([st]) => [setU32(st as Buffer, 272, 300)] } }),
    );
    expect(name(await settle(card.getAttribute(0x90303)))).toBe('SCARD_F_COMM_ERROR');
    await ctx.release();
  });

  it('CONTROL reply with dwBytesReturned 0xFFFFFFFF: protocol error', async () => {
    const { ctx, card } = await cardOn('1.8.23', (f) =>
      f.inject({
        cmd: S.CMD.CONTROL,
        action: { kind: 'mutate', fn: ([st]) => [setU32(st as Buffer, 16, 0xffffffff)] },
      }),
    );
    expect(name(await settle(card.control(0x42000d48)))).toBe('SCARD_F_COMM_ERROR');
    await ctx.release();
  });

  it.each([0x7fffffff, -5])('4:6 CMD_GET_READERS_STATE_SIZE of %i: protocol error on both tries', async (n) => {
    const fake = await startFake({ version: '2.5.1', readers: [withCard(), empty()] });
    const ctx = await open(fake);
    for (const nth of [1, 2])
      fake.inject({ cmd: S.CMD.GET_READERS_STATE_SIZE, nth, action: { kind: 'replace', bytes: S.words(n) } });
    expect(name(await settle(ctx.listReaders()))).toBe('SCARD_F_COMM_ERROR');
    await settle(ctx.release());
  });

  it('4:6 CMD_GET_READERS_STATE_SIZE of 3000 with 2 entries sent: the side connection is retried', async () => {
    const fake = await startFake({ version: '2.5.1', readers: [withCard(), empty()] });
    const ctx = await open(fake);
    fake.inject({ cmd: S.CMD.GET_READERS_STATE_SIZE, action: { kind: 'replace', bytes: S.words(3000) } });
    expect(await ctx.listReaders()).toEqual([READER, READER2]);
    await ctx.release();
  });

  it('a garbage notification (rv 0x12345678) ends the wait with a protocol error', async () => {
    const fake = await startFake({ version: '2.2.3', readers: [withCard(), empty()] });
    const ctx = await open(fake);
    fake.inject({
      cmd: S.CMD.WAIT_READER_STATE_CHANGE,
      action: { kind: 'mutate', fn: (p) => [...p, S.words(0, 0x12345678)] },
    });
    expect(name(await settle(ctx.getStatusChange([{ reader: READER, currentState: 0x20 }], { timeout: 5000 })))).toBe(
      'SCARD_F_COMM_ERROR',
    );
    await settle(ctx.release());
  });

  it('the daemon dies in the middle of a 64 KiB response: SCARD_F_COMM_ERROR', async () => {
    const { card } = await cardOn('2.4.1', (f) =>
      f.inject({ cmd: S.CMD.TRANSMIT, action: { kind: 'die-after-bytes', bytes: 32 + 30_000 } }),
    );
    expect(name(await settle(card.transmit(Buffer.from('00B00000000000', 'hex'))))).toBe('SCARD_F_COMM_ERROR');
  });

  it('ECONNRESET after pcscd answered is SCARD_F_COMM_ERROR, not a refusal', async () => {
    // libpcsclite reports every reset as SCARD_W_SECURITY_VIOLATION; pcscd refuses (polkit) only
    // before its first answer, and a daemon that stops or restarts resets its clients later.
    const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
    fake.inject({ cmd: S.CMD.ESTABLISH_CONTEXT, action: { kind: 'reset' } });
    const ctx = await open(fake);
    const e = await settle(ctx.listReaders());
    expect(name(e)).toBe('SCARD_F_COMM_ERROR');
    expect((e as PcscError).message).toMatch(/the daemon stopped or restarted/);
    await settle(ctx.release());
  });

  it('a reset before the first answer that does not repeat (a daemon restarting) is retried once', async () => {
    const fake = await startFake({
      version: '2.4.1',
      readers: [withCard()],
      polkit: { denyAccess: (id) => id === 1 },
    });
    const ctx = await open(fake);
    expect(await ctx.listReaders()).toEqual([READER]);
    await ctx.release();
  });

  it('polkit refuses the connection: SCARD_W_SECURITY_VIOLATION at establish', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()], polkit: { denyAccess: () => true } });
    const e = await settle(open(fake));
    expect(name(e)).toBe('SCARD_W_SECURITY_VIOLATION');
    expect((e as PcscError).kind).toBe('service');
  });

  it('nothing at the socket path: SCARD_E_NO_SERVICE', async () => {
    const fake = await startFake({ version: '2.4.1' });
    const e = await settle(establish(fake, { socket: fake.path + '.missing' } as never));
    expect(name(e)).toBe('SCARD_E_NO_SERVICE');
  });
});
