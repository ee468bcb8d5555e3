// The core against an independent card: Debian's vicc (vsmartcard's ISO 7816 emulator) behind vpcd.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context, Scard, type Context as PcscContext } from '../../src/core/index.js';
import { startRig, type Rig } from '../rig/rig.js';
import { rejectsWithScard, tracked } from './helpers/scard.js';
import { hex } from '../helpers/hex.js';

const VICC_ATR = hex('3B 95 13 81 01 80 73 FF 01 00 0B');

describe('core against vicc', () => {
  let rig: Rig;
  let ctx: PcscContext;
  let reader: string;
  beforeAll(async () => {
    rig = await startRig({ vicc: [1], insert: [] });
    reader = rig.vicc(1).reader;
    ctx = await Context.establish({ socket: rig.socket });
  });
  afterAll(async () => {
    await ctx?.release();
    await rig?.stop();
  });

  it('sees the card with its ATR', async () => {
    const [s] = await ctx.getStatusChange([{ reader }]);
    expect(s?.flags).toContain('PRESENT');
    expect(s?.atr).toEqual(VICC_ATR);
  });

  it('connects with T=1 (the only protocol its ATR offers); T=0 alone is a protocol mismatch', async () => {
    await rejectsWithScard(ctx.connect(reader, { protocols: ['T=0'] }), Scard.E_PROTO_MISMATCH);
    const card = await ctx.connect(reader);
    expect(card.protocol).toBe('T=1');
    expect((await card.status()).atr).toEqual(VICC_ATR);
    await card.disconnect();
  });

  it('answers SELECT, GET RESPONSE, GET CHALLENGE and READ BINARY through the core (raw)', async () => {
    const card = await ctx.connect(reader);
    const raw = { raw: true };
    expect(await card.transmit(hex('00 A4 04 00 00'), raw)).toEqual(hex('6A 82'));
    expect(await card.transmit(hex('00 A4 00 00 02 3F 00'), raw)).toEqual(hex('61 0C'));
    expect(await card.transmit(hex('00 C0 00 00 0C'), raw)).toEqual(hex('6F 0A 83 02 3F 00 8A 01 05 82 01 38 90 00'));
    const challenge = await card.transmit(hex('00 84 00 00 08'));
    expect(challenge.length).toBe(10);
    expect(challenge.subarray(8)).toEqual(hex('90 00'));
    expect(await card.transmit(hex('00 B0 00 00 10'))).toEqual(hex('69 86'));
    await card.disconnect();
  });

  it('follows 61xx with GET RESPONSE by default: SELECT 3F00 answers the FCI and 9000', async () => {
    const card = await ctx.connect(reader);
    expect(await card.transmit(hex('00 A4 00 00 02 3F 00'))).toEqual(hex('6F 0A 83 02 3F 00 8A 01 05 82 01 38 90 00'));
    expect(await card.transmit(hex('00 A4 04 00 00'))).toEqual(hex('6A 82'));
    await card.disconnect();
  });

  it('sees vicc leave and come back', async () => {
    const [before] = await ctx.getStatusChange([{ reader }]);
    const gone = tracked(
      ctx.getStatusChange([{ reader, currentState: before?.eventState }], { timeout: 10_000 }),
    ).promise;
    await rig.vicc(1).remove();
    const [after] = await gone;
    expect(after?.flags).toContain('EMPTY');
    await rig.vicc(1).insert();
    const [back] = await ctx.getStatusChange([{ reader, currentState: after?.eventState }], { timeout: 10_000 });
    expect(back?.flags).toContain('PRESENT');
    expect(back?.eventCount).toBe(((before?.eventCount ?? 0) + 2) & 0xffff);
  });
});
