// The core and libpcsclite's own client, on the same real pcscd and card: same answers, call by call.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Attr,
  CM_IOCTL_GET_FEATURE_REQUEST,
  Context,
  PcscError,
  PNP_NOTIFICATION,
  type Card,
  type Context as PcscContext,
} from '../../src/core/index.js';
import { cardStateNames } from '../../src/core/scard/types.js';
import { buildPcscClient } from '../rig/build-c.js';
import { startRig, type Rig } from '../rig/rig.js';

type PeerResult = { call: string; rv: number } & Record<string, unknown>;

function peer(rig: Rig, bin: string, calls: string[]): Promise<PeerResult[]> {
  return new Promise((resolve, reject) => {
    execFile(bin, calls, { env: rig.env(), timeout: 20_000 }, (err, stdout) => {
      if (err) reject(err);
      else
        resolve(
          stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as PeerResult)
            .slice(1),
        );
    });
  });
}

/** The core's outcome as libpcsclite reports one: rv, plus the value when it succeeded. */
async function outcome<T>(p: Promise<T>): Promise<{ rv: number; value?: T }> {
  try {
    return { rv: 0, value: await p };
  } catch (e) {
    if (e instanceof PcscError) return { rv: e.code };
    throw e;
  }
}

const hexOf = (b: Buffer | undefined): string => (b ?? Buffer.alloc(0)).toString('hex').toUpperCase();

describe('core vs libpcsclite on pcscd 1.9.9 + vpcd', () => {
  let rig: Rig;
  let bin: string;
  let ctx: PcscContext;
  let card: Card;
  const r0 = 'Virtual PCD 00 00';
  const r1 = 'Virtual PCD 00 01';

  beforeAll(async () => {
    bin = buildPcscClient(fileURLToPath(new URL('../rig/peer.c', import.meta.url)));
    rig = await startRig();
    ctx = await Context.establish({ socket: rig.socket });
    card = await ctx.connect(r0);
  });
  afterAll(async () => {
    await ctx?.release();
    await rig?.stop();
  });

  it('lists the same readers', async () => {
    const [list] = await peer(rig, bin, ['list']);
    expect(await ctx.listReaders()).toEqual(list?.readers);
  });

  it('reports the same event states, counter word included, for readers and the PnP entry', async () => {
    const [gsc] = await peer(rig, bin, [`gsc:${r0}:${r1}:${PNP_NOTIFICATION}`]);
    const ours = await ctx
      .getStatusChange([{ reader: r0 }, { reader: r1 }, { reader: PNP_NOTIFICATION }], { timeout: 0 })
      .catch((e: unknown) => e);
    const theirs = gsc?.states as { reader: string; eventState: number; atr: string }[];
    expect(gsc?.rv).toBe(0);
    expect(Array.isArray(ours)).toBe(true);
    const mine = ours as Awaited<ReturnType<PcscContext['getStatusChange']>>;
    // libpcsclite flags INUSE from the sharing count: the core's own open handle makes r0 in use.
    expect(mine.map((s) => ({ reader: s.reader, eventState: s.eventState, atr: hexOf(s.atr) }))).toEqual(theirs);
  });

  it('connects with the same protocol and reports the same status', async () => {
    const [conn, status] = await peer(rig, bin, [`connect:${r0}:2:3`, 'status']);
    expect(conn?.rv).toBe(0);
    expect(card.protocol).toBe({ 1: 'T=0', 2: 'T=1' }[conn?.protocol as number]);
    const s = await card.status();
    const state = status?.state as number;
    expect({ state: s.state, eventCount: s.eventCount, atr: hexOf(s.atr) }).toEqual({
      state: cardStateNames(state & 0xffff),
      eventCount: state >>> 16,
      atr: status?.atr,
    });
  });

  it.each([
    ['the driver ATR tag 0x0303', 0x0303],
    ['ATR_STRING', Attr.ATR_STRING],
    ['VENDOR_NAME', Attr.VENDOR_NAME],
    ['CURRENT_PROTOCOL_TYPE', Attr.CURRENT_PROTOCOL_TYPE],
    ['DEVICE_FRIENDLY_NAME', Attr.DEVICE_FRIENDLY_NAME],
    ['DEVICE_SYSTEM_NAME', Attr.DEVICE_SYSTEM_NAME],
  ])('getAttribute(%s) gives what libpcsclite gets', async (_name, id) => {
    const [, attr] = await peer(rig, bin, [`connect:${r0}:2:3`, `attr:${id.toString(16)}`]);
    const ours = await outcome(card.getAttribute(id));
    expect({ rv: ours.rv, value: hexOf(ours.value) }).toEqual({ rv: attr?.rv, value: attr?.value });
  });

  it('setAttribute and control fail with the codes libpcsclite gets', async () => {
    const [, set, ctl] = await peer(rig, bin, [
      `connect:${r0}:2:3`,
      'setattr:10100:41',
      `control:${CM_IOCTL_GET_FEATURE_REQUEST.toString(16)}`,
    ]);
    expect((await outcome(card.setAttribute(Attr.VENDOR_NAME, Buffer.from('A')))).rv).toBe(set?.rv);
    expect((await outcome(card.control(CM_IOCTL_GET_FEATURE_REQUEST))).rv).toBe(ctl?.rv);
  });

  it('transmits the same bytes both ways, short and extended', async () => {
    const apdus = [
      '00E2000003010203',
      '00E0010000',
      '00E400000100' + 'AB'.repeat(256),
      '00E20000000400' + 'CD'.repeat(1024),
    ];
    const theirs = await peer(rig, bin, [`connect:${r0}:2:3`, ...apdus.map((a) => `transmit:${a}`)]);
    for (const [i, a] of apdus.entries()) {
      const ours = await outcome(card.transmit(Buffer.from(a, 'hex'), { raw: true })); // as SCardTransmit
      expect({ rv: ours.rv, value: hexOf(ours.value) }).toEqual({ rv: theirs[i + 1]?.rv, value: theirs[i + 1]?.value });
    }
  });
});
