// Card calls on every release line's layout (docs/protocol.md#structs, docs/protocol.md#calls): transmit short and
// extended, receive buffers, control, attributes, status, sharing, transactions, removal, polkit.

import { describe, expect, it } from 'vitest';
import { Attr, PcscError, type Card } from '../../../src/core/index.js';
import type { PcscdContext } from '../../../src/core/pcscd/context.js';
import { RELEASE_LINES } from '../../fakes/releases.js';
import * as S from '../../fakes/structs.js';
import { FAKE_ATR } from '../../fakes/test-card.js';
import { READER, READER2, empty, establish, guard, settle, startFake, withCard } from './helpers.js';
import { hex } from '../../helpers/hex.js';

guard();

const scardName = (e: unknown): string => (e instanceof PcscError ? e.scardName : `not a PcscError: ${String(e)}`);

async function fails(p: Promise<unknown>): Promise<string> {
  return scardName(await settle(p));
}

describe.each(RELEASE_LINES)('pcscd $line', (line) => {
  it('transmit (short and extended), control, attributes, status', async () => {
    const fake = await startFake({
      version: line.version,
      slots: line.slots,
      readers: [
        {
          name: READER,
          card: { atr: FAKE_ATR },
          attributes: { [Attr.VENDOR_NAME]: Buffer.from('Fake') },
          writable: [Attr.VENDOR_NAME],
        },
      ],
    });
    const ctx = await establish(fake);
    const card = await ctx.connect(READER);
    expect(card.protocol).toBe('T=1');
    expect((await card.transmit(hex('00B0000004'))).toString('hex')).toBe('000102039000');
    // Extended: 65535 bytes out and in, the most a 16-bit Lc/Le carries.
    const data = Buffer.alloc(65535, 0x5a);
    const echo = await card.transmit(Buffer.concat([hex('80EE000000FFFF'), data, hex('0000')]));
    expect(echo.length).toBe(65537);
    expect(echo.subarray(0, 65535).equals(data)).toBe(true);
    const big = await card.transmit(hex('00B00000000000'));
    expect(big.length).toBe(65538);
    expect(await fails(card.transmit(hex('00B0000010'), { maxResponse: 4 }))).toBe('SCARD_E_INSUFFICIENT_BUFFER');
    expect((await card.transmit(hex('80CA000000'))).toString('hex')).toBe('cafe9000');

    expect((await card.control(0x42000d48)).length).toBe(0);
    expect(await fails(card.control(0x42000001))).toBe('SCARD_E_UNSUPPORTED_FEATURE');

    expect((await card.getAttribute(Attr.ATR_STRING)).equals(FAKE_ATR)).toBe(true);
    expect((await card.getAttribute(Attr.DEVICE_FRIENDLY_NAME)).toString()).toBe(READER + '\0');
    expect(await fails(card.getAttribute(Attr.CHANNEL_ID))).toBe('SCARD_E_UNSUPPORTED_FEATURE');
    await card.setAttribute(Attr.VENDOR_NAME, Buffer.from('Other'));
    expect((await card.getAttribute(Attr.VENDOR_NAME)).toString()).toBe('Other');
    expect(await fails(card.setAttribute(Attr.CHANNEL_ID, Buffer.from([1])))).toBe('SCARD_E_UNSUPPORTED_FEATURE');

    const st = await card.status();
    expect(st).toMatchObject({
      reader: READER,
      state: ['PRESENT', 'POWERED', 'NEGOTIABLE'],
      protocol: 'T=1',
      eventCount: 1,
    });
    expect(st.atr.equals(FAKE_ATR)).toBe(true);
    await card.disconnect();
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });

  it('sharing, transactions and a second context', async () => {
    const fake = await startFake({ version: line.version, slots: line.slots, readers: [withCard(), empty()] });
    const a = await establish(fake);
    const b = await establish(fake);
    const ex = await a.connect(READER, { share: 'exclusive' });
    expect(await fails(b.connect(READER))).toBe('SCARD_E_SHARING_VIOLATION');
    await ex.disconnect();
    const ca = await a.connect(READER);
    const cb = await b.connect(READER);
    await ca.beginTransaction();
    // b's transmit is retried every 100 ms while a holds the transaction, then goes through.
    const pending = settle(cb.transmit(hex('80CA000000')));
    const bConn = fake.requests.find((q) => q.cmd === S.CMD.CONNECT && q.conn !== 1)?.conn;
    await fake.until(
      () => fake.requests.filter((q) => q.conn === bConn && q.cmd === S.CMD.TRANSMIT).length >= 2,
      'b retrying',
    );
    await ca.endTransaction();
    expect(((await pending) as Buffer).toString('hex')).toBe('cafe9000');
    await ca.beginTransaction();
    expect(await fails(cb.beginTransaction({ timeout: 250 }))).toBe('SCARD_E_SHARING_VIOLATION');
    expect(await fails(cb.endTransaction())).toBe('SCARD_E_NOT_TRANSACTED');
    await ca.endTransaction('reset');
    expect(await fails(cb.transmit(hex('80CA000000')))).toBe('SCARD_W_RESET_CARD');
    expect(await cb.reconnect()).toBe('T=1');
    expect((await cb.transaction(async (c) => c.transmit(hex('80CA000000')))).toString('hex')).toBe('cafe9000');
    await a.release();
    await b.release();
    expect(fake.violations).toEqual([]);
  });

  it('card and reader removed under an open handle', async () => {
    const fake = await startFake({
      version: line.version,
      slots: line.slots,
      readers: [withCard(), withCard(READER2)],
    });
    const ctx = await establish(fake);
    const card = await ctx.connect(READER);
    fake.removeCard(READER);
    expect(await fails(card.transmit(hex('80CA000000')))).toBe('SCARD_W_REMOVED_CARD');
    expect(await fails(card.status())).toBe('SCARD_W_REMOVED_CARD');
    await card.disconnect();
    expect(await fails(ctx.connect(READER))).toBe('SCARD_E_NO_SMARTCARD');
    const direct = await ctx.connect(READER, { share: 'direct', protocols: [] });
    expect(direct.protocol).toBe(null);
    expect((await direct.control(0x42000d48)).length).toBe(0);
    await direct.disconnect();
    const other = await ctx.connect(READER2);
    fake.removeReader(READER2);
    expect(await fails(other.status())).toBe('SCARD_E_READER_UNAVAILABLE');
    await other.disconnect();
    expect(await fails(ctx.connect('No Such Reader'))).toBe('SCARD_E_UNKNOWN_READER');
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });
});

describe('receive buffers and daemons before 1.9.8 (docs/protocol.md#transmit_struct, docs/protocol.md#control_struct)', () => {
  it.each(['1.9.7', '1.9.8'])('pcscd %s: capacities stay ≤ 65548; too small a buffer is an error', async (version) => {
    const fake = await startFake({
      version,
      readers: [{ name: READER, card: { atr: FAKE_ATR }, control: () => ({ data: Buffer.alloc(10, 1) }) }],
    });
    const ctx = await establish(fake);
    const card = await ctx.connect(READER);
    expect((await card.transmit(hex('80CA000000'), { maxResponse: 1_000_000 })).toString('hex')).toBe('cafe9000');
    expect((await card.control(0x42000001, Buffer.alloc(0), { maxResponse: 1_000_000 })).length).toBe(10);
    expect(await fails(card.control(0x42000001, Buffer.alloc(0), { maxResponse: 4 }))).toBe(
      'SCARD_E_INSUFFICIENT_BUFFER',
    );
    expect(await fails(card.transmit(hex('00B0000010'), { maxResponse: 1 }))).toBe('SCARD_E_INSUFFICIENT_BUFFER');
    expect((await card.transmit(hex('80CA000000'))).toString('hex')).toBe('cafe9000');
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });
});

describe('polkit denies a card (docs/protocol.md#access-control)', () => {
  it('2.0.1+: SCARD_W_SECURITY_VIOLATION, and the context stays usable', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()], polkit: { denyCard: () => true } });
    const ctx = await establish(fake);
    expect(await fails(ctx.connect(READER))).toBe('SCARD_W_SECURITY_VIOLATION');
    expect(await ctx.listReaders()).toEqual([READER]);
    await ctx.release();
  });

  it('before 2.0.1 the daemon drops the connection: a typed error, then every call fails cleanly', async () => {
    const fake = await startFake({ version: '2.0.0', readers: [withCard()], polkit: { denyCard: () => true } });
    const ctx = await establish(fake);
    const e = await settle(ctx.connect(READER));
    expect(e).toBeInstanceOf(PcscError);
    expect((e as PcscError).kind).toBe('service');
    expect(await settle(ctx.listReaders())).toBeInstanceOf(PcscError);
    await ctx.release();
  });
});

describe('write fragmentation: replies split into 7-byte writes', () => {
  it.each(['1.8.3', '1.8.23', '2.4.1', '2.5.1'])('pcscd %s', async (version) => {
    const fake = await startFake({ version, fragment: 7, readers: [withCard(), empty()] });
    const ctx: PcscdContext = await establish(fake);
    expect(await ctx.listReaders()).toEqual([READER, READER2]);
    const card: Card = await ctx.connect(READER);
    expect((await card.transmit(hex('00B0000040'))).length).toBe(66);
    expect((await card.getAttribute(Attr.ATR_STRING)).equals(FAKE_ATR)).toBe(true);
    const [r] = await ctx.getStatusChange([{ reader: READER2 }]);
    expect(r?.flags).toEqual(['CHANGED', 'EMPTY']);
    await card.disconnect();
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });
});
