// A daemon that accepts the connection and then says nothing (a hung pcscd, a wedged proxy): the calls pcscd
// answers at once give up within 5 s with a one-line reason; calls that legitimately wait keep their bounds.

import { beforeAll, describe, expect, it } from 'vitest';
import { PcscError } from '../../../src/core/index.js';
import { pcsc, requireBuild } from '../../helpers/cli.js';
import * as S from '../../fakes/structs.js';
import { READER, establish, guard, startFake, withCard } from './helpers.js';

guard();

beforeAll(() => {
  requireBuild();
});

const scanR = async (socket: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  pcsc(['scan', '-r', '--socket', socket], { timeoutMs: 60_000, env: { ...process.env, NO_COLOR: '1' } });

describe.concurrent('calls pcscd answers at once: a 5 s bound', () => {
  it.each([
    [
      'CMD_VERSION (the handshake)',
      S.CMD.VERSION,
      /pcscd accepted the connection at .* but did not answer CMD_VERSION in 5 s/,
    ],
    ['ESTABLISH_CONTEXT', S.CMD.ESTABLISH_CONTEXT, /no reply to SCARD_ESTABLISH_CONTEXT within 5000 ms/],
    ['the reader list (GET_READERS_STATE)', S.CMD.GET_READERS_STATE, /CMD_GET_READERS_STATE.*within 5000 ms/],
  ])(
    '%s: scan -r ends with one line and exit 5',
    async (_label, cmd, reason) => {
      const fake = await startFake({ version: '2.0.0', readers: [withCard()] });
      fake.inject({ cmd, action: { kind: 'silent' } });
      const r = await scanR(fake.path);
      expect(r.code, r.stderr).toBe(5);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(reason);
      expect(lines.length).toBeLessThanOrEqual(2);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    },
    60_000,
  );

  it('STATUS: the core gives up within 5 s', async () => {
    const fake = await startFake({ version: '2.0.0', readers: [withCard()] });
    const ctx = await establish(fake, { requestTimeout: 30_000 });
    try {
      const card = await ctx.connect(READER);
      fake.inject({ cmd: S.CMD.STATUS, action: { kind: 'silent' } });
      const e = await card.status().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PcscError);
      expect((e as PcscError).message).toMatch(/no reply to SCARD_STATUS within 5000 ms/);
    } finally {
      await ctx.release().catch(() => undefined);
    }
  }, 30_000);
});

describe('calls that legitimately wait keep their own bounds', () => {
  it('a TRANSMIT answered after 6 s still succeeds', async () => {
    const fake = await startFake({ version: '2.0.0', readers: [withCard()] });
    const ctx = await establish(fake, { requestTimeout: 30_000 });
    try {
      const card = await ctx.connect(READER);
      fake.inject({ cmd: S.CMD.TRANSMIT, action: { kind: 'delay', ms: 6000 } });
      const r = await card.transmit(Buffer.from('00A4040000', 'hex'));
      expect(r.length).toBeGreaterThanOrEqual(2);
    } finally {
      await ctx.release().catch(() => undefined);
    }
  }, 30_000);

  it('a CONNECT answered after 6 s still succeeds', async () => {
    const fake = await startFake({ version: '2.0.0', readers: [withCard()] });
    const ctx = await establish(fake, { requestTimeout: 30_000 });
    try {
      fake.inject({ cmd: S.CMD.CONNECT, action: { kind: 'delay', ms: 6000 } });
      const card = await ctx.connect(READER);
      expect(card.reader).toBe(READER);
    } finally {
      await ctx.release().catch(() => undefined);
    }
  }, 30_000);
});
