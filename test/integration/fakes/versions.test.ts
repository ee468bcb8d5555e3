// Version negotiation against every pcscd release line (docs/protocol.md#cmd_version-answers,
// docs/protocol.md#negotiation), and the 4:2 reader-name layout probe (docs/protocol.md#negotiation), on the
// fake daemon.

import { describe, expect, it } from 'vitest';
import { PcscError } from '../../../src/core/index.js';
import { RELEASE_LINES } from '../../fakes/releases.js';
import * as S from '../../fakes/structs.js';
import { READER, establish, guard, startFake, withCard } from './helpers.js';

guard();

describe.each(RELEASE_LINES)('pcscd $line', (line) => {
  it(`negotiates ${line.expected}, lists the readers, connects and transmits`, async () => {
    const fake = await startFake({ version: line.version, slots: line.slots, readers: [withCard()] });
    const ctx = await establish(fake);
    expect(ctx.info.protocol).toBe(line.expected);
    expect(await ctx.listReaders()).toEqual([READER]);
    const card = await ctx.connect(READER);
    expect((await card.transmit(Buffer.from('80CA000000', 'hex'))).toString('hex')).toBe('cafe9000');
    await card.disconnect();
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });
});

describe('docs/protocol.md#cmd_version-answers through the client: offering 4:k to each daemon', () => {
  const daemons: [string, number][] = [
    ['1.8.3', 2],
    ['1.8.8', 2],
    ['1.8.23', 3],
    ['1.8.25', 4],
    ['2.2.3', 4],
    ['2.4.0', 5],
    ['2.4.1', 5],
    ['2.5.1', 6],
  ];
  /** What a client that offers k, and retries with the daemon's version when it is not newer, gets. */
  function expected(version: string, m: number, k: number): string | null {
    if (version === '2.4.1') return k >= 4 ? `4:${Math.min(k, 5)}` : null;
    if (version === '2.5.1') return k >= 4 ? `4:${k}` : null;
    return m <= k ? `4:${m}` : null;
  }
  for (const [version, m] of daemons) {
    it.each([2, 3, 4, 5, 6])(`pcscd ${version}, client offering at most 4:%i`, async (k) => {
      const fake = await startFake({ version, readers: [withCard()] });
      const want = expected(version, m, k);
      const got = await establish(fake, { maxMinor: k }).then(
        async (ctx) => {
          const p = ctx.info.protocol;
          expect(await ctx.listReaders()).toEqual([READER]);
          await ctx.release();
          return p;
        },
        (e: unknown) => e,
      );
      if (want) expect(got).toBe(want);
      else {
        expect(got).toBeInstanceOf(PcscError);
        expect((got as PcscError).scardName).toBe('SCARD_E_SERVICE_STOPPED');
      }
      // Never more than one retry. Offers are the CMD_VERSIONs before any other request: on 4:2 the
      // one sent behind the layout probe's 0x12 marks the array's end (src/core/pcscd/array-length.ts).
      const sent = fake.requests.filter((r) => r.conn === 1).map((r) => r.cmd);
      const other = sent.findIndex((c) => c !== S.CMD.VERSION);
      const offered = other === -1 ? sent.length : other;
      expect(offered).toBeLessThanOrEqual(2);
      expect(fake.violations).toEqual([]);
    });
  }
});

describe('odd CMD_VERSION replies', () => {
  const reply = (major: number, minor: number, rv: number): S.Values => ({ major, minor, rv });
  it.each([
    ['a mismatch naming a future minor (4:7)', reply(4, 7, 0x8010001e)],
    ['a mismatch naming 4:1', reply(4, 1, 0x8010001e)],
    ['a mismatch naming major 5', reply(5, 4, 0x8010001e)],
    ['success from major 3', reply(3, 6, 0)],
  ])('%s is SCARD_E_SERVICE_STOPPED', async (_what, v) => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
    fake.inject({ cmd: S.CMD.VERSION, action: { kind: 'replace', bytes: S.pack(S.version, v) } });
    const e = await establish(fake).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PcscError);
    expect((e as PcscError).scardName).toBe('SCARD_E_SERVICE_STOPPED');
  });

  it('a daemon that refuses its own version too: one retry, then SERVICE_STOPPED', async () => {
    const fake = await startFake({ version: '2.2.3', readers: [withCard()] });
    fake.inject({
      cmd: S.CMD.VERSION,
      nth: 2,
      action: { kind: 'replace', bytes: S.pack(S.version, reply(4, 4, 0x8010001e)) },
    });
    const e = await establish(fake).catch((x: unknown) => x);
    expect((e as PcscError).scardName).toBe('SCARD_E_SERVICE_STOPPED');
    expect(fake.commands(1).filter((c) => c === S.CMD.VERSION)).toHaveLength(2);
  });

  it('keeps the daemon version apart from the negotiated one', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
    const ctx = await establish(fake);
    expect(ctx.info.protocol).toBe('4:5');
    expect(ctx.daemonVersion).toEqual({ major: 4, minor: 5 });
    await ctx.release();
  });
});

describe('the 4:2 reader-name layout probe (docs/protocol.md#negotiation)', () => {
  const long = (n: number): string => 'R'.repeat(n - 6) + ' 00 00';
  it.each([
    ['1.8.3', 100, 124],
    ['1.8.8', 128, 152],
  ])('pcscd %s: %i-byte names, CONNECT of %i bytes', async (version, nameSize, connectSize) => {
    const name = long(nameSize - 1);
    for (const fragment of [0, 184]) {
      const fake = await startFake({ version, fragment, readers: [withCard(name), withCard('Second 01 00')] });
      const ctx = await establish(fake);
      expect(ctx.info.protocol).toBe('4:2');
      expect(await ctx.listReaders()).toEqual([name, 'Second 01 00']);
      const card = await ctx.connect(name);
      expect((await card.status()).reader).toBe(name);
      await card.disconnect();
      expect(fake.requests.find((r) => r.cmd === S.CMD.CONNECT)?.size).toBe(connectSize);
      await ctx.release();
      expect(fake.violations).toEqual([]);
    }
  });

  it('refuses, locally, a name longer than the daemon can take', async () => {
    const fake = await startFake({ version: '1.8.3', readers: [withCard()] });
    const ctx = await establish(fake);
    const e = await ctx.connect('x'.repeat(100)).catch((x: unknown) => x);
    expect((e as PcscError).scardName).toBe('SCARD_E_INVALID_VALUE');
    expect(fake.commands()).not.toContain(S.CMD.CONNECT);
    await ctx.release();
  });

  it('an empty 1.8.3 daemon (no reader) is still told apart', async () => {
    const fake = await startFake({ version: '1.8.3' });
    const ctx = await establish(fake);
    expect(await ctx.listReaders()).toEqual([]);
    await ctx.release();
  });
});
