// The 4:2 layout probe on a connection that goes on being used: the reply to the CMD_VERSION sent
// behind CMD_GET_READERS_STATE (src/core/pcscd/array-length.ts) is read by the probe however late
// it comes, so it is never taken for the answer to the next request; a daemon that never sends it
// gets a bounded error.
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/core/errors.js';
import * as S from '../../fakes/structs.js';
import { establish, guard, startFake, withCard } from './helpers.js';

guard();

/** A 4:2 daemon is asked 4:4, answers 4:2, is asked 4:2: the third CMD_VERSION is the probe's. */
const PROBE_VERSION = 3;

describe('a 4:2 daemon slow to answer the CMD_VERSION behind the reader-state array', () => {
  it.each([
    ['1.8.3', 0],
    ['1.8.8', 0],
    ['1.8.8', 7],
  ])(
    'pcscd %s (fragments of %i bytes): the connection stays in step when the reply comes 400 ms late',
    async (version, fragment) => {
      const fake = await startFake({ version, fragment, readers: [withCard()] });
      fake.inject({ cmd: S.CMD.VERSION, nth: PROBE_VERSION, action: { kind: 'delay', ms: 400 } });
      const ctx = await establish(fake);
      expect(ctx.info.protocol).toBe('4:2');
      expect(await ctx.listReaders()).toEqual(['Fake Reader 00 00']);
      const card = await ctx.connect('Fake Reader 00 00');
      expect((await card.transmit(Buffer.from('80CA000000', 'hex'))).toString('hex')).toBe('cafe9000');
      await card.disconnect();
      await ctx.release();
      expect(fake.violations).toEqual([]);
    },
  );

  it('pcscd 1.8.8 that never answers it: a protocol error within the timeout, no garbage later', async () => {
    const fake = await startFake({ version: '1.8.8', readers: [withCard()] });
    fake.inject({ cmd: S.CMD.VERSION, nth: PROBE_VERSION, action: { kind: 'silent' } });
    const start = Date.now();
    const err = await establish(fake, { requestTimeout: 1000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(/did not answer the CMD_VERSION sent behind CMD_GET_READERS_STATE/);
    expect(Date.now() - start).toBeLessThan(15_000);
  });
});
