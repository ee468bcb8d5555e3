// The library as a Node developer uses it, against the real pcscd + vpcd + card.py: transmit that
// follows 61xx/6Cxx (raw on request), the reader with a card (core and `pcsc apdu`), `await using`,
// a forgotten release() that never keeps the process alive, and AbortSignal on the waits.

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseReader, Context, PcscError, Scard, UsageError } from '../../src/core/index.js';
import { startRig, type Rig } from '../rig/rig.js';
import { assertFreshBuild } from '../helpers/build.js';
import { ROOT } from '../helpers/cli.js';
import { hex } from '../helpers/hex.js';
import { pcsc } from './helpers/apdu-cli.js';
import { rejectsWithScard, sleep, tracked } from './helpers/scard.js';

let rig: Rig;
let r0: string;
let r1: string;

// The card in reader 1 only: reader 0, the first one, is empty.
beforeAll(async () => {
  rig = await startRig({ insert: [1] });
  [r0, r1] = rig.readers as [string, string];
});
afterAll(async () => {
  await rig?.stop();
});

const pattern = (n: number): string =>
  Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff))
    .toString('hex')
    .toUpperCase();

describe('transmit', () => {
  it('follows a 61xx chain with GET RESPONSE by default: all the data, then 9000', async () => {
    await using ctx = await Context.establish({ socket: rig.socket });
    await using card = await ctx.connect(r1);
    await rig.card(1).clearLog();
    const r = await card.transmit(hex('00EA012C00')); // 300 bytes, handed out by GET RESPONSE
    expect(r.toString('hex').toUpperCase()).toBe(pattern(300) + '9000');
    const sent = await rig.card(1).apdus();
    expect(sent[0]).toBe('00EA012C00');
    expect(sent.slice(1).every((a) => a.startsWith('00C00000'))).toBe(true);
    expect(sent.length).toBeGreaterThan(1);
  });

  it('re-sends with Le = SW2 after 6Cxx by default', async () => {
    await using ctx = await Context.establish({ socket: rig.socket });
    await using card = await ctx.connect(r1);
    await rig.card(1).clearLog();
    const r = await card.transmit(hex('00EC100005')); // the card has 16 bytes
    expect(r.toString('hex').toUpperCase()).toBe(pattern(16) + '9000');
    expect(await rig.card(1).apdus()).toEqual(['00EC100005', '00EC100010']);
  });

  it('raw: true sends the command once and returns 61xx and 6Cxx as the card gave them', async () => {
    await using ctx = await Context.establish({ socket: rig.socket });
    await using card = await ctx.connect(r1);
    await rig.card(1).clearLog();
    expect((await card.transmit(hex('00EA012C00'), { raw: true }))[0]).toBe(0x61);
    expect(await card.transmit(hex('00EC100005'), { raw: true })).toEqual(hex('6C10'));
    expect(await rig.card(1).apdus()).toEqual(['00EA012C00', '00EC100005']);
  });
});

describe('the reader with a card', () => {
  it('is the only reader with a card, even when it is not the first', async () => {
    await using ctx = await Context.establish({ socket: rig.socket });
    expect(await chooseReader(ctx)).toEqual({ reader: r1, index: 1, by: 'card' });
    expect(await chooseReader(ctx, { reader: '0' })).toEqual({ reader: r0, index: 0, by: 'name' });
  });

  it('pcsc scan --wait-card without --reader prints the ATR of the only card, in reader 1', async () => {
    const r = await pcsc(['scan', '--wait-card', '--json'], { env: rig.env() });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reader: r1, index: 1, atr: '3B80800101' });
  });

  it('pcsc apdu without --reader uses it and says so on stderr (not with --json)', async () => {
    const r = await pcsc(['apdu', '00E2000001AA'], { env: rig.env() });
    expect(r.exitCode).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(`Using reader with a card: ${r1}`);
    expect(r.stdout).toContain('< AA 90 00');
    const j = await pcsc(['apdu', '--json', '00E2000001AA'], { env: rig.env() });
    expect(j.exitCode).toBe(0);
    expect(j.stderr).toBe('');
    expect(JSON.parse(j.stdout)).toMatchObject({ reader: r1 });
  });

  it('cards in two readers: a usage error listing both (core and pcsc apdu, exit 2)', async () => {
    await rig.card(0).insert();
    try {
      await using ctx = await Context.establish({ socket: rig.socket });
      const e = await chooseReader(ctx).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).message).toContain(`0: ${r0}, 1: ${r1}`);
      const r = await pcsc(['apdu', '00E2000001AA'], { env: rig.env() });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`cards are in 2 readers: 0: ${r0}, 1: ${r1}`);
      expect((await pcsc(['apdu', '--reader', '0', '00E2000001AA'], { env: rig.env() })).exitCode).toBe(0);
      const w = await pcsc(['scan', '--wait-card'], { env: rig.env() });
      expect(w.exitCode).toBe(2);
      expect(w.stderr).toContain(`cards are in 2 readers: 0: ${r0}, 1: ${r1}`);
      const named = await pcsc(['scan', '--wait-card', '--reader', '1'], { env: rig.env() });
      expect(named.exitCode).toBe(0);
      expect(named.stdout).toBe('3B 80 80 01 01');
    } finally {
      await rig.card(0).remove();
    }
  });

  it('no card: SCARD_E_NO_SMARTCARD at once, or a wait bounded by timeout and signal', async () => {
    await rig.card(1).remove();
    try {
      await using ctx = await Context.establish({ socket: rig.socket });
      await rejectsWithScard(chooseReader(ctx), Scard.E_NO_SMARTCARD);
      await rejectsWithScard(chooseReader(ctx, { wait: true, timeout: 300 }), Scard.E_TIMEOUT);
      const ac = new AbortController();
      const aborted = tracked(chooseReader(ctx, { wait: true, signal: ac.signal }).catch((x: unknown) => x));
      await sleep(200);
      expect(aborted.settled).toBe(false);
      ac.abort();
      expect(await aborted.promise).toMatchObject({ code: Scard.E_CANCELLED });
      const waiting = chooseReader(ctx, { wait: true, timeout: 20_000 });
      await rig.card(1).insert();
      expect(await waiting).toEqual({ reader: r1, index: 1, by: 'card' });
    } finally {
      if (!(await rig.card(1).status()).inserted) await rig.card(1).insert();
    }
  });
});

describe('await using and release', () => {
  it('await using releases the context and disconnects the card at the end of the block', async () => {
    let outer: Context;
    {
      await using ctx = await Context.establish({ socket: rig.socket });
      outer = ctx;
      await using card = await ctx.connect(r1, { share: 'exclusive' });
      expect(card.share).toBe('exclusive');
    }
    await rejectsWithScard(outer.listReaders(), Scard.E_INVALID_HANDLE);
    // The exclusive handle is gone: another program can connect.
    await using again = await Context.establish({ socket: rig.socket });
    await using card = await again.connect(r1, { share: 'exclusive' });
    expect(card.reader).toBe(r1);
  });

  /** Runs a program against the built package in a fresh Node process. */
  const child = (code: string): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: ROOT,
      env: rig.env(),
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('a program that never releases its context or card still exits on its own', () => {
    assertFreshBuild();
    const r = child(`
      import { Context } from 'pcsc';
      const ctx = await Context.establish();
      const [, reader] = await ctx.listReaders();
      const card = await ctx.connect(reader);
      const answer = await card.transmit(Buffer.from('00E2000001AA', 'hex'));
      await ctx.getStatusChange([{ reader }], { timeout: 0 });
      console.log(answer.toString('hex'));
    `);
    expect(r.signal).toBeNull(); // not killed by the 30 s bound: it ended by itself
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('aa9000\n');
    expect(r.status).toBe(0);
  });

  it('a call that waits keeps the program alive until it ends', () => {
    const r = child(`
      import { Context } from 'pcsc';
      const ctx = await Context.establish();
      const [s] = await ctx.getStatusChange([{ reader: ${JSON.stringify(r0)} }], { timeout: 0 });
      const e = await ctx.getStatusChange([{ reader: s.reader, currentState: s.eventState }], { timeout: 700 }).catch((e) => e);
      console.log(e.scardName);
    `);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('SCARD_E_TIMEOUT\n');
    expect(r.status).toBe(0);
  });
});

describe('AbortSignal', () => {
  it('connect with an aborted signal is SCARD_E_CANCELLED, and the context goes on working', async () => {
    await using ctx = await Context.establish({ socket: rig.socket });
    await rejectsWithScard(ctx.connect(r1, { signal: AbortSignal.abort() }), Scard.E_CANCELLED);
    await using card = await ctx.connect(r1);
    expect(await card.transmit(hex('00E2000001A5'))).toEqual(hex('A59000'));
  });

  it('transmit, control and reconnect with an aborted signal send nothing; the handle goes on working', async () => {
    await using ctx = await Context.establish({ socket: rig.socket });
    await using card = await ctx.connect(r1);
    await rig.card(1).clearLog();
    const aborted = { signal: AbortSignal.abort() };
    await rejectsWithScard(card.transmit(hex('00E2000001A5'), aborted), Scard.E_CANCELLED);
    await rejectsWithScard(card.control(0x42000d48, undefined, aborted), Scard.E_CANCELLED);
    await rejectsWithScard(card.reconnect(aborted), Scard.E_CANCELLED);
    expect(await rig.card(1).apdus()).toEqual([]);
    expect(await card.transmit(hex('00E2000001A5'))).toEqual(hex('A59000'));
  });

  it("beginTransaction ends with SCARD_E_CANCELLED when aborted while another handle's transaction holds the card", async () => {
    await using ctx = await Context.establish({ socket: rig.socket });
    await using other = await Context.establish({ socket: rig.socket });
    await using a = await ctx.connect(r1);
    await using b = await other.connect(r1);
    await a.beginTransaction();
    const ac = new AbortController();
    const waiting = tracked(b.beginTransaction({ signal: ac.signal, timeout: 20_000 }).catch((e: unknown) => e));
    await sleep(300);
    expect(waiting.settled).toBe(false);
    ac.abort();
    const e = await waiting.promise;
    expect(e).toBeInstanceOf(PcscError);
    expect((e as PcscError).code).toBe(Scard.E_CANCELLED);
    await a.endTransaction();
  });
});
