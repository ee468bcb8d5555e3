// The USB backend's Context and Card on simulated readers: several slots, status changes and
// PnP, voltage selection, PPS and SetParameters, T=1, APDU levels, errors.

import { afterEach, describe, expect, it } from 'vitest';
import { UsbContext, type UsbIo } from '../../../src/core/ccid/context.js';
import { IOCTL_VENDOR_IFD_EXCHANGE } from '../../../src/core/ccid/card.js';
import type { DriverEntry } from '../../../src/core/ccid/names.js';
import type { UsbCcidInterface } from '../../../src/core/ccid/transport.js';
import { CM_IOCTL_GET_FEATURE_REQUEST } from '../../../src/core/scard/constants.js';
import { SimTransport, simInfo, type CardModel, type DescriptorFields, type SimSlot } from './sim.js';
import { T1Card } from './t1-card.js';
import { CcidError } from '../../../src/core/errors.js';
import { hex as h } from '../../helpers/hex.js';

const withTck = (s: string): Buffer => {
  const b = h(s);
  let x = 0;
  for (const v of b.subarray(1)) x ^= v;
  return Buffer.concat([b, Buffer.from([x])]);
};
const T0_ATR = h('3B 02 53 01');
const t0card = (extra: Partial<CardModel> = {}): CardModel => ({
  atr: T0_ATR,
  xfr: (d) => Buffer.concat([d.subarray(0, 2), h('9000')]),
  ...extra,
});
const DRIVERS: DriverEntry[] = [{ vendorId: 0x1234, productId: 0x5678, name: 'Sim Reader Pro', classDriver: false }];

let ctx: UsbContext | undefined;
afterEach(async () => {
  await ctx?.release();
  ctx = undefined;
});

function setup(
  desc: DescriptorFields,
  slots: SimSlot[],
  extra: Partial<UsbCcidInterface> = {},
): { t: SimTransport; io: UsbIo & { ifaces: UsbCcidInterface[] } } {
  const info = simInfo(desc, extra);
  const t = new SimTransport(info, slots);
  const io = { ifaces: [info], list: async () => io.ifaces, open: async () => t, drivers: () => DRIVERS };
  return { t, io };
}

describe('USB context on a simulated two-slot reader', () => {
  it('names one reader per slot and reports each slot', async () => {
    const { io } = setup({ maxSlotIndex: 1 }, [{ card: t0card(), powered: false }, { powered: false }]);
    ctx = await UsbContext.establish({ io });
    const names = await ctx.listReaders();
    expect(names).toEqual(['Sim Reader Pro [CCID] (S1) 00 00', 'Sim Reader Pro [CCID] (S1) 00 01']);
    const st = await ctx.getStatusChange(
      names.map((reader) => ({ reader })),
      { timeout: 0 },
    );
    expect(st.map((s) => s.flags)).toEqual([
      ['CHANGED', 'PRESENT'],
      ['CHANGED', 'EMPTY'],
    ]);
    expect(st[0]?.atr).toEqual(T0_ATR);
    await expect(ctx.connect(names[1] as string)).rejects.toMatchObject({ scardName: 'SCARD_E_NO_SMARTCARD' });
    await expect(ctx.getStatusChange([{ reader: 'nope' }], { timeout: 0 })).rejects.toMatchObject({
      scardName: 'SCARD_E_UNKNOWN_READER',
    });
  });

  it('wakes on a slot-change notification with the new card and its ATR', async () => {
    const { t, io } = setup({ maxSlotIndex: 1 }, [{ card: t0card(), powered: false }, { powered: false }]);
    ctx = await UsbContext.establish({ io });
    const names = await ctx.listReaders();
    const [s0] = await ctx.getStatusChange([{ reader: names[1] as string }], { timeout: 0 });
    const waiting = ctx.getStatusChange([{ reader: names[1] as string, currentState: s0?.eventState }], {
      timeout: 5000,
    });
    setTimeout(() => {
      (t.slots[1] as SimSlot).card = t0card({ atr: h('3B 02 14 50') });
      t.notify(h('50 0C'));
    }, 30);
    const [s1] = await waiting;
    expect(s1?.flags).toEqual(['CHANGED', 'PRESENT']);
    expect(s1?.atr.toString('hex')).toBe('3b021450');
    expect(s1?.eventCount).toBe((s0?.eventCount ?? 0) + 1);
  });

  it('never reports a new card without its ATR, even when the first power-up fails for a passing reason', async () => {
    const { t, io } = setup({ maxSlotIndex: 1 }, [{ card: t0card(), powered: false }, { powered: false }]);
    ctx = await UsbContext.establish({ io });
    const names = await ctx.listReaders();
    const [s0] = await ctx.getStatusChange([{ reader: names[1] as string }], { timeout: 0 });
    // The first two PowerOns after the insertion time out (a slow bus), the next one works.
    const write = t.write.bind(t);
    let failures = 2;
    t.write = async (data: Uint8Array): Promise<void> => {
      if (data[0] === 0x62 && failures-- > 0) throw new CcidError('USB bulk IN timed out', 'ETIMEDOUT', 'timeout');
      return write(data);
    };
    const waiting = ctx.getStatusChange([{ reader: names[1] as string, currentState: s0?.eventState }], {
      timeout: 5000,
    });
    setTimeout(() => {
      (t.slots[1] as SimSlot).card = t0card({ atr: h('3B 02 14 50') });
      t.notify(h('50 0C'));
    }, 30);
    const [s1] = await waiting;
    expect(failures).toBe(-1);
    expect(s1?.flags).toEqual(['CHANGED', 'PRESENT']);
    expect(s1?.atr.toString('hex')).toBe('3b021450');
    expect(s1?.eventCount).toBe((s0?.eventCount ?? 0) + 1);
  });

  it('reports reader arrival on the PnP entry, and a reader gone as UNKNOWN', async () => {
    const { io } = setup({}, [{ card: t0card(), powered: false }]);
    ctx = await UsbContext.establish({ io });
    const [name] = await ctx.listReaders();
    const [r0] = await ctx.getStatusChange([{ reader: name as string }], { timeout: 0 });
    const pnp = ctx.getStatusChange([{ reader: '\\\\?PnP?\\Notification' }], { timeout: 5000 });
    const second = simInfo({}, { id: '1-3:0', sysName: '1-3', serial: 'S2' });
    setTimeout(() => io.ifaces.push(second), 30);
    const [p] = await pnp;
    expect(p?.changed).toBe(true);
    expect(await ctx.listReaders()).toHaveLength(2);
    setTimeout(() => io.ifaces.shift(), 30);
    const [gone] = await ctx.getStatusChange([{ reader: name as string, currentState: r0?.eventState }], {
      timeout: 5000,
    });
    expect(gone?.flags).toEqual(['CHANGED', 'UNKNOWN', 'UNAVAILABLE']);
  });

  it('times out, and can be cancelled', async () => {
    const { io } = setup({}, [{ card: t0card(), powered: false }]);
    ctx = await UsbContext.establish({ io });
    const [name] = await ctx.listReaders();
    const [s] = await ctx.getStatusChange([{ reader: name as string }], { timeout: 0 });
    await expect(
      ctx.getStatusChange([{ reader: name as string, currentState: s?.eventState }], { timeout: 50 }),
    ).rejects.toMatchObject({ scardName: 'SCARD_E_TIMEOUT' });
    const waiting = ctx.getStatusChange([{ reader: name as string, currentState: s?.eventState }]);
    setTimeout(() => void ctx?.cancel(), 30);
    await expect(waiting).rejects.toMatchObject({ scardName: 'SCARD_E_CANCELLED' });
  });
});

describe('USB card on simulated readers', () => {
  it('selects the voltage in ISO order when the reader has no automatic voltage', async () => {
    const { t, io } = setup({ features: 0x00010000, voltageSupport: 7 }, [
      { card: t0card({ voltages: [2] }), powered: false },
    ]);
    ctx = await UsbContext.establish({ io });
    const card = await ctx.connect((await ctx.listReaders())[0] as string);
    const powerOns = t.commands.filter((c) => c[0] === 0x62).map((c) => c[7]);
    expect(powerOns).toEqual([3, 2]);
    expect(t.commands.some((c) => c[0] === 0x63)).toBe(true);
    expect(card.protocol).toBe('T=0');
    // Without automatic parameters, the T=0 structure is set from the ATR.
    const setp = t.commands.find((c) => c[0] === 0x61);
    expect(setp?.subarray(7, 8).toString('hex')).toBe('00');
    expect(setp?.subarray(10).toString('hex')).toBe('1100000a00');
  });

  it('negotiates Fi/Di with PPS, sets T=1 parameters, exchanges IFSD and talks T=1 blocks', async () => {
    const atr = withTck('3B 94 96 81 31 FE 45 80 31 C0 65');
    const t1 = new T1Card((apdu) => Buffer.concat([apdu.subarray(0, 4), h('9000')]), [], 254, 254);
    const model: CardModel = { atr, xfr: (d) => (d[0] === 0xff ? d : t1.handle(d)) };
    const { t, io } = setup({ features: 0x00010000, protocols: 3 }, [{ card: model, powered: false }]);
    ctx = await UsbContext.establish({ io });
    const card = await ctx.connect((await ctx.listReaders())[0] as string);
    expect(card.protocol).toBe('T=1');
    const xfrs = t.commands.filter((c) => c[0] === 0x6f).map((c) => c.subarray(10).toString('hex'));
    expect(xfrs[0]).toBe(`ff1196${(0xff ^ 0x11 ^ 0x96).toString(16)}`);
    const setp = t.slots[0]?.params;
    expect(setp?.protocol).toBe(1);
    expect(setp?.data.toString('hex')).toBe('9610004500fe00');
    expect(t1.seen[0]).toBe('00c101fe3e');
    expect((await card.transmit(h('00A4040000'))).toString('hex')).toBe('00a404009000');
  });

  it('plays the T=0 procedure bytes itself at character level', async () => {
    const steps = ['b0', '010203', '90', '00'];
    const seen: [string, number][] = [];
    const xfr: CardModel['xfr'] = (d, _bwi, level) => {
      seen.push([d.toString('hex'), level]);
      return h(steps.shift() ?? '6f00');
    };
    const { io } = setup({ features: 0x000000fe }, [{ card: t0card({ xfr }), powered: false }]);
    ctx = await UsbContext.establish({ io });
    const card = await ctx.connect((await ctx.listReaders())[0] as string);
    expect((await card.transmit(h('00B0000003'))).toString('hex')).toBe('0102039000');
    expect(seen).toEqual([
      ['00b0000003', 1],
      ['', 3],
      ['', 1],
      ['', 1],
    ]);
  });

  it('sends whole APDUs at short APDU level and refuses longer ones', async () => {
    const { io } = setup({ features: 0x00020000 | 0xfe }, [
      { card: t0card({ xfr: (d) => Buffer.concat([Buffer.from([d.length]), h('9000')]) }), powered: false },
    ]);
    ctx = await UsbContext.establish({ io });
    const card = await ctx.connect((await ctx.listReaders())[0] as string);
    expect((await card.transmit(h('00A4040002AABB00'))).toString('hex')).toBe('089000');
    await expect(card.transmit(Buffer.alloc(300))).rejects.toMatchObject({ scardName: 'SCARD_E_INVALID_PARAMETER' });
  });

  it('transmit follows 61xx with GET RESPONSE on the USB backend too, unless raw', async () => {
    const seen: string[] = [];
    const xfr: CardModel['xfr'] = (d) => {
      seen.push(d.toString('hex'));
      return d[1] === 0xc0 ? h('010203049000') : h('6104');
    };
    const { io } = setup({ features: 0x00020000 | 0xfe }, [{ card: t0card({ xfr }), powered: false }]);
    ctx = await UsbContext.establish({ io });
    const card = await ctx.connect((await ctx.listReaders())[0] as string);
    expect((await card.transmit(h('00A4040002AABB'))).toString('hex')).toBe('010203049000');
    expect(seen).toEqual(['00a4040002aabb', '00c0000004']);
    expect((await card.transmit(h('00A4040002AABB'), { raw: true })).toString('hex')).toBe('6104');
    expect(seen).toHaveLength(3);
  });

  it('chains commands and answers at extended APDU level', async () => {
    const levels: number[] = [];
    const received: Buffer[] = [];
    let pending: Buffer[] = [];
    const xfr: CardModel['xfr'] = (d, _bwi, level) => {
      levels.push(level);
      if (level === 0x10) {
        const part = pending.shift() as Buffer;
        return { reply: part, chain: pending.length ? 0x03 : 0x02 };
      }
      received.push(d);
      if (level === 0x01 || level === 0x03) return { reply: Buffer.alloc(0), chain: 0x10 };
      const answer = Buffer.concat([Buffer.alloc(600, 0x42), h('9000')]);
      pending = [answer.subarray(250, 500), answer.subarray(500)];
      return { reply: answer.subarray(0, 250), chain: 0x01 };
    };
    const { io } = setup({ features: 0x00040000 | 0xfe, maxMessageLength: 271 }, [
      { card: t0card({ xfr }), powered: false },
    ]);
    ctx = await UsbContext.establish({ io });
    const card = await ctx.connect((await ctx.listReaders())[0] as string);
    const apdu = Buffer.concat([h('80E20000 000258'), Buffer.alloc(600, 7)]);
    const r = await card.transmit(apdu);
    expect(Buffer.concat(received)).toEqual(apdu);
    expect(levels).toEqual([1, 3, 2, 0x10, 0x10]);
    expect(r).toHaveLength(602);
  });

  it('reports a removed card on the old handle, a mute card, and a hardware error', async () => {
    const { t, io } = setup({}, [{ card: t0card(), powered: false }]);
    ctx = await UsbContext.establish({ io });
    const [name] = await ctx.listReaders();
    const card = await ctx.connect(name as string);
    delete (t.slots[0] as SimSlot).card;
    await expect(card.transmit(h('00B0000000'))).rejects.toMatchObject({ scardName: 'SCARD_W_REMOVED_CARD' });
    (t.slots[0] as SimSlot).card = t0card({ voltages: [9] });
    (t.slots[0] as SimSlot).powered = false;
    const { io: io2 } = setup({ features: 0x00010000 }, [{ card: t0card({ voltages: [9] }), powered: false }], {
      id: '1-9:0',
      sysName: '1-9',
    });
    const ctx2 = await UsbContext.establish({ io: io2 });
    const [n2] = await ctx2.listReaders();
    const [st] = await ctx2.getStatusChange([{ reader: n2 as string }], { timeout: 0 });
    expect(st?.flags).toContain('MUTE');
    await expect(ctx2.connect(n2 as string)).rejects.toMatchObject({ scardName: 'SCARD_W_UNRESPONSIVE_CARD' });
    await ctx2.release();
    const { io: io3 } = setup({}, [{ card: t0card({ xfr: () => ({ error: 0xfb }) }), powered: false }]);
    const ctx3 = await UsbContext.establish({ io: io3 });
    const c3 = await ctx3.connect((await ctx3.listReaders())[0] as string);
    await expect(c3.transmit(h('00B0000000'))).rejects.toMatchObject({
      code: 'HW_ERROR',
      message: expect.stringMatching(/hardware error in the reader/),
    });
    await ctx3.release();
  });

  it('answers SCardControl: no features, Escape to the reader, nothing else', async () => {
    const { io } = setup({}, [{ card: t0card(), powered: false }]);
    ctx = await UsbContext.establish({ io });
    const card = await ctx.connect((await ctx.listReaders())[0] as string);
    expect(await card.control(CM_IOCTL_GET_FEATURE_REQUEST)).toHaveLength(0);
    expect((await card.control(IOCTL_VENDOR_IFD_EXCHANGE, h('0102'))).toString('hex')).toBe('6573633a0102');
    await expect(card.control(0x42000dac)).rejects.toMatchObject({ scardName: 'SCARD_E_UNSUPPORTED_FEATURE' });
    await card.disconnect('unpower');
    await expect(card.transmit(h('00B0000000'))).rejects.toMatchObject({ scardName: 'SCARD_E_INVALID_HANDLE' });
  });
});
