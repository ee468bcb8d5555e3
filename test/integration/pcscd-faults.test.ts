// The real pcscd dying under the core: killed mid-call (also with a request of ours unread), and a
// stale socket file left behind.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Context, PcscError, Scard, type Context as PcscContext } from '../../src/core/index.js';
import { Session } from '../../src/core/pcscd/session.js';
import { RawClient } from '../fakes/raw-client.js';
import * as S from '../fakes/structs.js';
import { startRig, type Rig } from '../rig/rig.js';
import { rejectsWithScard, sleep, tracked } from './helpers/scard.js';

const BOUND_MS = 10_000;

/** Settles p, or fails the test if it has not settled within BOUND_MS (a hang is the bug). */
async function settles<T>(p: Promise<T>, what: string): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending ${BOUND_MS} ms after pcscd died`)), BOUND_MS);
  });
  try {
    return await Promise.race([
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      guard,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function expectServiceError(outcome: { value?: unknown; error?: unknown }): PcscError {
  expect(outcome.error).toBeInstanceOf(PcscError);
  const e = outcome.error as PcscError;
  expect(e.kind).toBe('service'); // exit code 3 on the CLI
  return e;
}

describe('pcscd killed mid-call', () => {
  let rig: Rig;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => {
    unhandled.push(e);
  };
  const contexts: PcscContext[] = [];
  const ctx = async (): Promise<PcscContext> => {
    const c = await Context.establish({ socket: rig.socket });
    contexts.push(c);
    return c;
  };

  beforeEach(async () => {
    process.on('unhandledRejection', onUnhandled);
    rig = await startRig();
  });
  afterEach(async () => {
    await Promise.allSettled(contexts.splice(0).map((c) => c.release()));
    await rig?.stop();
    await sleep(50);
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled.splice(0)).toEqual([]);
  });

  it('a waiting getStatusChange fails with a service error; so do later calls and new contexts', async () => {
    const c = await ctx();
    const [s] = await c.getStatusChange([{ reader: rig.readers[0] as string }]);
    const wait = tracked(c.getStatusChange([{ reader: rig.readers[0] as string, currentState: s?.eventState }]));
    await sleep(200);
    expect(wait.settled).toBe(false);
    await rig.killDaemon();
    const e = expectServiceError(await settles(wait.promise, 'getStatusChange'));
    expect(e.scardName).toBe('SCARD_F_COMM_ERROR');
    expectServiceError(await settles(c.listReaders(), 'listReaders after the death'));
    await rejectsWithScard(Context.establish({ socket: rig.socket }), Scard.E_NO_SERVICE);
  });

  it('a transmit waiting for a slow card fails with a service error', async () => {
    const card = await (await ctx()).connect(rig.readers[0] as string);
    const slow = tracked(card.transmit(Buffer.from('00E61388', 'hex'))); // 5 s
    await sleep(300);
    expect(slow.settled).toBe(false);
    await rig.killDaemon();
    expectServiceError(await settles(slow.promise, 'transmit'));
    expectServiceError(await settles(card.status(), 'status after the death'));
    await card.disconnect().catch(() => undefined); // may fail, must not hang or throw unhandled
  });

  it('a beginTransaction waiting for another holder fails with a service error', async () => {
    const [a, b] = await Promise.all([ctx(), ctx()]);
    const [ca, cb] = [await a.connect(rig.readers[0] as string), await b.connect(rig.readers[0] as string)];
    await ca.beginTransaction();
    const begin = tracked(cb.beginTransaction({ timeout: 60_000 }));
    await sleep(300);
    expect(begin.settled).toBe(false);
    await rig.killDaemon();
    expectServiceError(await settles(begin.promise, 'beginTransaction'));
  });

  it('many calls in flight on one context all settle with typed errors', async () => {
    const c = await ctx();
    const card = await c.connect(rig.readers[0] as string);
    const calls: Promise<unknown>[] = [
      card.transmit(Buffer.from('00E607D0', 'hex')),
      card.transmit(Buffer.from('00E2000001AA', 'hex')),
      card.status(),
      c.listReaders(),
      c.getStatusChange([{ reader: rig.readers[1] as string, currentState: 0x10 }]),
    ].map((p) => tracked<unknown>(p).promise); // handled now: they are awaited one after another
    await sleep(300);
    await rig.killDaemon();
    for (const p of calls) expectServiceError(await settles(p, 'a queued call'));
  });
});

describe('pcscd killed with a request of ours still unread', () => {
  it('is a failed connection (SCARD_F_COMM_ERROR), not an access refusal', async () => {
    // pcscd refuses a client (polkit) by resetting it before its first answer; a daemon that dies
    // with a request unread resets the connection too, after answering: that is no refusal.
    const rig = await startRig();
    try {
      const session = await Session.open({ path: rig.socket });
      const call = async (req: Buffer, size: number): Promise<Buffer> => {
        session.conn.write(req);
        return session.conn.read(size, { timeout: 5000, what: 'reply' });
      };
      const est = await call(S.request(S.CMD.ESTABLISH_CONTEXT, S.pack(S.establish, { dwScope: 2 })), 12);
      const hContext = S.unpack(S.establish, est).num('hContext');
      const connect = S.connect(128);
      const body = S.pack(connect, {
        hContext,
        szReader: rig.readers[0] as string,
        dwShareMode: 2,
        dwPreferredProtocols: 3,
      });
      const hCard = S.unpack(connect, await call(S.request(S.CMD.CONNECT, body), S.sizeOf(connect))).num('hCard');
      // The card holds this one for 5 s; pcscd reads the STATUS behind it only afterwards.
      session.conn.write(RawClient.transmitRequest(hCard, Buffer.from('00E61388', 'hex')));
      session.conn.write(S.request(S.CMD.STATUS, S.pack(S.handle, { hCard })));
      const reply = tracked(session.conn.read(S.sizeOf(S.transmit), { timeout: 10_000, what: 'reply' }));
      await sleep(300);
      await rig.killDaemon();
      const e = await rejectsWithScard(reply.promise, Scard.F_COMM_ERROR);
      expect(e.message).toMatch(/reset the connection \(the daemon stopped or restarted\)/);
      session.close();
    } finally {
      await rig.stop();
    }
  });
});

describe('a socket with nothing behind it', () => {
  it('a stale socket file (pcscd gone) gives SCARD_E_NO_SERVICE', async () => {
    const rig = await startRig({ readers: false });
    try {
      await rig.killDaemon();
      const e = await rejectsWithScard(Context.establish({ socket: rig.socket }), Scard.E_NO_SERVICE);
      expect(e.message).toContain('stale socket');
    } finally {
      await rig.stop();
    }
  });

  it('a missing socket file gives SCARD_E_NO_SERVICE', async () => {
    const e = await rejectsWithScard(Context.establish({ socket: '/nonexistent/pcscd.comm' }), Scard.E_NO_SERVICE);
    expect(e.message).toContain('/nonexistent/pcscd.comm');
  });
});
