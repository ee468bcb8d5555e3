// The core against a real pcscd that has no reader at all.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context, PNP_NOTIFICATION, Scard, type Context as PcscContext } from '../../src/core/index.js';
import { startRig, type Rig } from '../rig/rig.js';
import { rejectsWithScard } from './helpers/scard.js';

describe('pcscd 1.9.9 with no reader', () => {
  let rig: Rig;
  let ctx: PcscContext;
  beforeAll(async () => {
    rig = await startRig({ readers: false });
    ctx = await Context.establish({ socket: rig.socket });
  });
  afterAll(async () => {
    await ctx?.release();
    await rig?.stop();
  });

  it('listReaders gives an empty array, not an error', async () => {
    expect(await ctx.listReaders()).toEqual([]);
  });

  it('connect and getStatusChange on a reader name give SCARD_E_UNKNOWN_READER', async () => {
    await rejectsWithScard(ctx.connect('Virtual PCD 00 00'), Scard.E_UNKNOWN_READER);
    await rejectsWithScard(ctx.getStatusChange([{ reader: 'Virtual PCD 00 00' }]), Scard.E_UNKNOWN_READER);
  });

  it(`waits on ${PNP_NOTIFICATION} until the timeout (no reader comes)`, async () => {
    await rejectsWithScard(ctx.getStatusChange([{ reader: PNP_NOTIFICATION }], { timeout: 300 }), Scard.E_TIMEOUT);
    expect(await ctx.listReaders()).toEqual([]);
  });
});
