// Every PC/SC call of the core against one daemon: a reusable suite (real pcscd + vpcd, or a
// scripted daemon of another protocol version).
//
// Usage: coreCallsSuite('pcscd 1.9.9 (4:4) + vpcd', async () => target), where `target` is a
// CoreCallsTarget:
//   socket     the daemon's socket path
//   protocol   the protocol the core must negotiate ("4:4")
//   readers    what listReaders() must return, in slot order; readers[0] holds the card, and
//              readers[1] must exist and stay empty
//   atr        the ATR of the card in readers[0]
//   card       insert()/remove() of that card, each resolving once the daemon shows the change;
//              optional log()/clearLog() of what the card received (card.py's format), which
//              turns on the checks of resets and power-offs
//   maxApdu    the largest C-APDU and R-APDU the reader path carries (vpcd: 65,535)
//   expect     what the daemon and driver answer where PC/SC leaves it to them: the SCARD code
//              of control(CM_IOCTL_GET_FEATURE_REQUEST) and of setAttribute(VENDOR_NAME), what
//              transmit gives when the card leaves during a command, and which attribute id
//              the driver answers with the ATR
//   teardown   optional; runs after the suite
// The card must answer card.py's built-in commands (see test/rig/card.py): E0 (N bytes),
// E2 (echo), E4 (length of the C-APDU), E6 (wait P1P2 ms), E8 (leave during the command).

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Attr,
  CM_IOCTL_GET_FEATURE_REQUEST,
  Context,
  PNP_NOTIFICATION,
  Scard,
  StateFlag,
  type Card,
  type Context as PcscContext,
} from '../../../src/core/index.js';
import type { CardLogEntry } from '../../rig/rig.js';
import { rejectsWithScard, sleep, tracked } from '../helpers/scard.js';
import { hex as apdu } from '../../helpers/hex.js';

export interface CoreCallsTarget {
  socket: string;
  protocol: string;
  /** The version the daemon's CMD_VERSION reply announces; default: the protocol spoken. */
  daemonProtocol?: string;
  readers: string[];
  atr: Buffer;
  card: {
    insert(): Promise<void>;
    remove(): Promise<void>;
    log?(): Promise<CardLogEntry[]>;
    clearLog?(): Promise<void>;
  };
  maxApdu: number;
  expect: {
    control: number;
    setAttribute: number;
    /** A typed error, or (vpcd, which reports a closed card socket as an empty answer) a response. */
    removedDuringCommand: { code: number } | { response: Buffer };
    /** The attribute id the driver answers with the ATR (vpcd: 0x0303, TAG_IFD_ATR). */
    atrAttribute: number;
  };
  teardown?(): Promise<void>;
}

const OK = '9000';
const ext = (cla: number, ins: number, p1p2: number, data: Buffer, le?: number): Buffer => {
  const head = Buffer.from([cla, ins, p1p2 >> 8, p1p2 & 0xff, 0, data.length >> 8, data.length & 0xff]);
  const tail = le === undefined ? Buffer.alloc(0) : Buffer.from([le >> 8, le & 0xff]);
  return Buffer.concat([head, data, tail]);
};
const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff));
const fill = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));

export function coreCallsSuite(name: string, setup: () => Promise<CoreCallsTarget>): void {
  describe(name, () => {
    let t: CoreCallsTarget;
    let present = true;
    const open: PcscContext[] = [];
    const ctx = async (): Promise<PcscContext> => {
      const c = await Context.establish({ socket: t.socket });
      open.push(c);
      return c;
    };
    const remove = async (): Promise<void> => {
      present = false;
      await t.card.remove();
    };
    const insert = async (): Promise<void> => {
      await t.card.insert();
      present = true;
    };
    const [r0, r1] = [(): string => t.readers[0] as string, (): string => t.readers[1] as string];

    beforeAll(async () => {
      t = await setup();
    });
    afterAll(async () => {
      await t?.teardown?.();
    });
    beforeEach(async () => {
      await t.card.clearLog?.();
    });
    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map((c) => c.release()));
      if (!present) await insert();
    });

    describe('contexts and readers', () => {
      it('lists the readers in slot order', async () => {
        expect(await (await ctx()).listReaders()).toEqual(t.readers);
      });

      it('establishes on the expected protocol; a released context refuses calls', async () => {
        const c = await ctx();
        expect(c.info).toEqual({
          backend: 'pcscd',
          protocol: t.protocol,
          socket: t.socket,
          daemonProtocol: t.daemonProtocol ?? t.protocol,
        });
        await c.release();
        await rejectsWithScard(c.listReaders(), Scard.E_INVALID_HANDLE);
        await c.release(); // twice is harmless
      });

      it('serves several contexts at once', async () => {
        const cs = await Promise.all([ctx(), ctx(), ctx()]);
        const lists = await Promise.all(cs.map((c) => c.listReaders()));
        expect(lists).toEqual([t.readers, t.readers, t.readers]);
      });
    });

    describe('getStatusChange', () => {
      it('answers at once for an unaware caller: card present with its ATR and counter, other reader empty', async () => {
        const [a, b] = await (await ctx()).getStatusChange([{ reader: r0() }, { reader: r1() }], { timeout: 5000 });
        expect(a?.flags).toEqual(expect.arrayContaining(['CHANGED', 'PRESENT']));
        expect(a?.flags).not.toContain('EMPTY');
        expect(a?.atr).toEqual(t.atr);
        expect(a?.eventCount).toBe((a?.eventState ?? 0) >>> 16);
        expect(a?.changed).toBe(true);
        expect(b?.flags).toEqual(expect.arrayContaining(['CHANGED', 'EMPTY']));
        expect(b?.atr.length).toBe(0);
      });

      it('waits when given back eventState, and times out with SCARD_E_TIMEOUT', async () => {
        const c = await ctx();
        const [a] = await c.getStatusChange([{ reader: r0() }]);
        await rejectsWithScard(
          c.getStatusChange([{ reader: r0(), currentState: a?.eventState }], { timeout: 300 }),
          Scard.E_TIMEOUT,
        );
        // The context is still in step after the timeout (no stale notification left behind).
        const [again] = await c.getStatusChange([{ reader: r0() }]);
        expect(again?.eventState).toBe(a?.eventState);
      });

      it('sees a removal then an insertion, the counter in the high word going up by one each', async () => {
        const c = await ctx();
        const [before] = await c.getStatusChange([{ reader: r0() }]);
        const waitRemoval = tracked(
          c.getStatusChange([{ reader: r0(), currentState: before?.eventState }], { timeout: 10_000 }),
        ).promise;
        await remove();
        const [gone] = await waitRemoval;
        expect(gone?.flags).toEqual(expect.arrayContaining(['CHANGED', 'EMPTY']));
        expect(gone?.flags).not.toContain('PRESENT');
        expect(gone?.eventCount).toBe(((before?.eventCount ?? 0) + 1) & 0xffff);
        expect(gone?.eventState).toBe((((gone?.eventCount ?? 0) << 16) | StateFlag.EMPTY | StateFlag.CHANGED) >>> 0);

        const waitInsertion = tracked(
          c.getStatusChange([{ reader: r0(), currentState: gone?.eventState }], { timeout: 10_000 }),
        ).promise;
        await insert();
        const [back] = await waitInsertion;
        expect(back?.flags).toEqual(expect.arrayContaining(['CHANGED', 'PRESENT']));
        expect(back?.eventCount).toBe(((before?.eventCount ?? 0) + 2) & 0xffff);
        expect(back?.atr).toEqual(t.atr);
      });

      it(`serves ${PNP_NOTIFICATION} as the negotiated protocol defines it`, async () => {
        const c = await ctx();
        const [card, pnp] = await c.getStatusChange([{ reader: r0() }, { reader: PNP_NOTIFICATION }], {
          timeout: 5000,
        });
        expect(card?.changed).toBe(true);
        // Unaware alone never wakes the PnP entry; the counter in its high word exists from 4:5
        // (CMD_GET_READER_EVENTS): 4:2, 4:3 and 4:4 have none.
        expect(pnp?.changed).toBe(false);
        if (['4:2', '4:3', '4:4'].includes(t.protocol)) expect(pnp?.eventState).toBe(0);
        else expect(pnp?.eventCount).toBeGreaterThanOrEqual(1);
        // A card event is not a reader event: the PnP entry alone stays quiet through a removal.
        const waitPnp = tracked(
          c.getStatusChange([{ reader: PNP_NOTIFICATION, currentState: pnp?.eventState }], { timeout: 2500 }),
        ).promise;
        await remove();
        await rejectsWithScard(waitPnp, Scard.E_TIMEOUT);
      });

      it('rejects an unknown reader with SCARD_E_UNKNOWN_READER', async () => {
        await rejectsWithScard(
          (await ctx()).getStatusChange([{ reader: 'No Such Reader 00 00' }]),
          Scard.E_UNKNOWN_READER,
        );
      });

      it('returns at once when every entry is ignored', async () => {
        const [a] = await (
          await ctx()
        ).getStatusChange([{ reader: r0(), currentState: StateFlag.IGNORE }], { timeout: 60_000 });
        expect(a?.changed).toBe(false);
      });

      it('cancel() ends a waiting call with SCARD_E_CANCELLED; the context goes on working', async () => {
        const c = await ctx();
        const [a] = await c.getStatusChange([{ reader: r0() }]);
        const wait = tracked(c.getStatusChange([{ reader: r0(), currentState: a?.eventState }]));
        await sleep(200); // let the wait reach the daemon
        expect(wait.settled).toBe(false);
        await c.cancel();
        await rejectsWithScard(wait.promise, Scard.E_CANCELLED);
        expect(await c.listReaders()).toEqual(t.readers);
        await rejectsWithScard(
          c.getStatusChange([{ reader: r0(), currentState: a?.eventState }], { timeout: 200 }),
          Scard.E_TIMEOUT,
        );
      });

      it('cancel() right after starting a wait still ends it', async () => {
        const c = await ctx();
        const [a] = await c.getStatusChange([{ reader: r0() }]);
        const wait = tracked(c.getStatusChange([{ reader: r0(), currentState: a?.eventState }], { timeout: 15_000 }));
        await c.cancel();
        await rejectsWithScard(wait.promise, Scard.E_CANCELLED);
        expect(await c.listReaders()).toEqual(t.readers);
      });

      it('cancel() with nothing waiting does nothing', async () => {
        const c = await ctx();
        await c.cancel();
        expect(await c.listReaders()).toEqual(t.readers);
      });

      it('an AbortSignal ends a wait with SCARD_E_CANCELLED; the context goes on working', async () => {
        const c = await ctx();
        const [a] = await c.getStatusChange([{ reader: r0() }]);
        const ac = new AbortController();
        const wait = tracked(c.getStatusChange([{ reader: r0(), currentState: a?.eventState }], { signal: ac.signal }));
        await sleep(200);
        expect(wait.settled).toBe(false);
        ac.abort();
        await rejectsWithScard(wait.promise, Scard.E_CANCELLED);
        const [again] = await c.getStatusChange([{ reader: r0() }]);
        expect(again?.eventState).toBe(a?.eventState);
      });
    });

    describe('connect and sharing', () => {
      it('connects shared from two contexts; exclusive is then refused with SCARD_E_SHARING_VIOLATION', async () => {
        const [a, b, x] = await Promise.all([ctx(), ctx(), ctx()]);
        const ca = await a.connect(r0());
        const cb = await b.connect(r0(), { share: 'shared' });
        expect(ca.share).toBe('shared');
        expect(['T=0', 'T=1']).toContain(ca.protocol);
        expect(cb.protocol).toBe(ca.protocol);
        await rejectsWithScard(x.connect(r0(), { share: 'exclusive' }), Scard.E_SHARING_VIOLATION);
        const [st] = await x.getStatusChange([{ reader: r0() }]);
        expect(st?.flags).toContain('INUSE');
      });

      it('an exclusive holder keeps other contexts out until it lets go', async () => {
        const [a, b] = await Promise.all([ctx(), ctx()]);
        const ca = await a.connect(r0(), { share: 'exclusive' });
        await rejectsWithScard(b.connect(r0()), Scard.E_SHARING_VIOLATION);
        const [st] = await b.getStatusChange([{ reader: r0() }]);
        expect(st?.flags).toContain('EXCLUSIVE');
        await ca.disconnect();
        const cb = await b.connect(r0());
        expect(await cb.transmit(apdu('00E2000002CAFE'))).toEqual(apdu('CAFE' + OK));
      });

      it('connects in direct mode without asking for a protocol', async () => {
        const c = await (await ctx()).connect(r0(), { share: 'direct', protocols: [] });
        expect(c.share).toBe('direct');
        expect(await c.getAttribute(t.expect.atrAttribute)).toEqual(t.atr);
      });

      it('refuses an unknown reader with SCARD_E_UNKNOWN_READER and an empty reader with SCARD_E_NO_SMARTCARD', async () => {
        const c = await ctx();
        await rejectsWithScard(c.connect('No Such Reader 00 00'), Scard.E_UNKNOWN_READER);
        await rejectsWithScard(c.connect(r1()), Scard.E_NO_SMARTCARD);
      });
    });

    describe('transactions', () => {
      it('blocks a second context until the first ends its transaction', async () => {
        const [a, b] = await Promise.all([ctx(), ctx()]);
        const [ca, cb] = [await a.connect(r0()), await b.connect(r0())];
        await ca.beginTransaction();
        const begin = tracked(cb.beginTransaction({ timeout: 20_000 }));
        const send = tracked(cb.transmit(apdu('00E20000' + '0101')).catch(() => null)); // queued behind begin on b
        for (let i = 0; i < 3; i++) expect(await ca.transmit(apdu('00E0000400'))).toEqual(apdu('00010203' + OK));
        await sleep(300);
        expect(begin.settled).toBe(false);
        expect(send.settled).toBe(false);
        await ca.endTransaction();
        await begin.promise;
        expect(await send.promise).toEqual(apdu('01' + OK));
        await cb.endTransaction();
      });

      it('transaction(fn) runs fn inside and ends the transaction even when fn throws', async () => {
        const [a, b] = await Promise.all([ctx(), ctx()]);
        const [ca, cb] = [await a.connect(r0()), await b.connect(r0())];
        const out = await ca.transaction((card) => card.transmit(apdu('00E2000001AA')));
        expect(out).toEqual(apdu('AA' + OK));
        await expect(
          ca.transaction(async () => {
            throw new Error('inside');
          }),
        ).rejects.toThrow('inside');
        await cb.transaction(async () => undefined, { timeout: 2000 }); // not left locked
      });

      it('a begin that waits for another holder ends with SCARD_E_CANCELLED when aborted', async () => {
        const [a, b] = await Promise.all([ctx(), ctx()]);
        const [ca, cb] = [await a.connect(r0()), await b.connect(r0())];
        await ca.beginTransaction();
        const ac = new AbortController();
        const begin = cb.beginTransaction({ signal: ac.signal });
        setTimeout(() => ac.abort(), 250);
        await rejectsWithScard(begin, Scard.E_CANCELLED);
        await ca.endTransaction();
        await cb.beginTransaction({ timeout: 2000 });
        await cb.endTransaction();
      });

      it('ending without a transaction gives SCARD_E_NOT_TRANSACTED', async () => {
        const c = await (await ctx()).connect(r0());
        await rejectsWithScard(c.endTransaction(), Scard.E_NOT_TRANSACTED);
      });
    });

    describe('transmit', () => {
      let card: Card;
      beforeEach(async () => {
        card = await (await ctx()).connect(r0());
      });

      it('carries short APDUs: echo, 256 bytes, case 1', async () => {
        expect(await card.transmit(apdu('00E2000003010203'))).toEqual(apdu('010203' + OK));
        expect(await card.transmit(apdu('00E0010000'))).toEqual(Buffer.concat([pattern(256), apdu(OK)]));
        expect(await card.transmit(apdu('00E40000'))).toEqual(apdu('00000004' + OK));
        expect(await card.transmit(apdu('00FF0000'))).toEqual(apdu('6D00'));
      });

      it(`carries extended APDUs up to the path's cap in both directions`, async () => {
        const max = t.maxApdu;
        for (const n of [256, 4096, 32_768, max - 7]) {
          const data = fill(n);
          expect(await card.transmit(ext(0, 0xe2, 0, data))).toEqual(Buffer.concat([data, apdu(OK)]));
        }
        expect(await card.transmit(ext(0, 0xe0, max - 2, Buffer.alloc(0), 0))).toEqual(
          Buffer.concat([pattern(max - 2), apdu(OK)]),
        );
        const lengthOfMax = Buffer.alloc(4);
        lengthOfMax.writeUInt32BE(max);
        expect(await card.transmit(ext(0, 0xe4, 0, fill(max - 7)))).toEqual(Buffer.concat([lengthOfMax, apdu(OK)]));
      });

      it('a response larger than maxResponse gives SCARD_E_INSUFFICIENT_BUFFER; the handle goes on working', async () => {
        await rejectsWithScard(card.transmit(apdu('00E0000800'), { maxResponse: 4 }), Scard.E_INSUFFICIENT_BUFFER);
        expect(await card.transmit(apdu('00E0000800'), { maxResponse: 10 })).toEqual(
          Buffer.concat([pattern(8), apdu(OK)]),
        );
      });

      it('waits for a slow card, longer than the bound on ordinary replies', async () => {
        expect(await card.transmit(apdu('00E60258'))).toEqual(apdu(OK)); // 600 ms
        const quick = await Context.establish({ socket: t.socket, requestTimeout: 500 });
        open.push(quick);
        const slow = await quick.connect(r0());
        expect(await slow.transmit(apdu('00E605DC'))).toEqual(apdu(OK)); // 1500 ms
      });

      it('a transmit timeout bounds the wait for the card: SCARD_E_TIMEOUT, then the context reports it', async () => {
        const c = await ctx();
        const slow = await c.connect(r0());
        await rejectsWithScard(slow.transmit(apdu('00E605DC'), { timeout: 200 }), Scard.E_TIMEOUT); // 1500 ms
        // pcscd's replies carry no header: after an abandoned reply the stream is out of step,
        // so the context is closed, and says why.
        await rejectsWithScard(c.listReaders(), Scard.E_TIMEOUT);
      });

      it('an AbortSignal ends a transmit waiting for a slow card with SCARD_E_CANCELLED', async () => {
        const c = await ctx();
        const slow = await c.connect(r0());
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 200);
        await rejectsWithScard(slow.transmit(apdu('00E605DC'), { signal: ac.signal }), Scard.E_CANCELLED);
        await rejectsWithScard(c.listReaders(), Scard.E_CANCELLED);
        const fresh = await (await ctx()).connect(r0()); // the daemon and the card go on serving
        expect(await fresh.transmit(apdu('00E2000001A5'))).toEqual(apdu('A5' + OK));
      });

      it('a card that leaves during a command gives a typed error, then the reader is empty', async () => {
        present = false;
        const gone = t.expect.removedDuringCommand;
        if ('code' in gone) await rejectsWithScard(card.transmit(apdu('00E80000')), gone.code);
        else expect(await card.transmit(apdu('00E80000'))).toEqual(gone.response);
        const c = await ctx();
        for (let i = 0; i < 50; i++) {
          const [s] = await c.getStatusChange([{ reader: r0() }]);
          if (s?.flags.includes('EMPTY')) return;
          await sleep(100);
        }
        throw new Error('the reader never showed the card gone');
      });
    });

    describe('status, attributes, control', () => {
      it('status: state, protocol, ATR and the event counter of getStatusChange', async () => {
        const c = await ctx();
        const card = await c.connect(r0());
        const s = await card.status();
        const [gsc] = await c.getStatusChange([{ reader: r0() }]);
        expect(s.reader).toBe(r0());
        expect(s.state).toEqual(expect.arrayContaining(['PRESENT', 'POWERED']));
        expect(s.state).not.toContain('ABSENT');
        expect(s.protocol).toBe(card.protocol);
        expect(s.atr).toEqual(t.atr);
        expect(s.eventCount).toBe(gsc?.eventCount);
      });

      it('getAttribute: the ATR; an attribute the driver lacks gives SCARD_E_UNSUPPORTED_FEATURE cleanly', async () => {
        const card = await (await ctx()).connect(r0());
        expect(await card.getAttribute(t.expect.atrAttribute)).toEqual(t.atr);
        const others = [Attr.ATR_STRING, Attr.VENDOR_NAME, Attr.VENDOR_IFD_VERSION, Attr.CURRENT_CLK, Attr.MAX_IFSD];
        for (const id of others.filter((x) => x !== t.expect.atrAttribute)) {
          await rejectsWithScard(card.getAttribute(id), Scard.E_UNSUPPORTED_FEATURE);
        }
        expect(await card.transmit(apdu('00E2000001EE'))).toEqual(apdu('EE' + OK));
      });

      it('setAttribute: the driver refuses with a typed error; the handle goes on working', async () => {
        const card = await (await ctx()).connect(r0());
        await rejectsWithScard(card.setAttribute(Attr.VENDOR_NAME, Buffer.from('x')), t.expect.setAttribute);
        expect(await card.getAttribute(t.expect.atrAttribute)).toEqual(t.atr);
      });

      it('control: the answer of the driver as a typed error; the handle goes on working', async () => {
        const card = await (await ctx()).connect(r0());
        await rejectsWithScard(card.control(CM_IOCTL_GET_FEATURE_REQUEST), t.expect.control);
        expect(await card.transmit(apdu('00E2000001EE'))).toEqual(apdu('EE' + OK));
      });
    });

    describe('reconnect and disconnect', () => {
      const ctrls = async (): Promise<string[]> =>
        ((await t.card.log?.()) ?? []).flatMap((e) => ('ctrl' in e ? [e.ctrl] : []));
      /** vpcd sends a power-off without awaiting an answer: the card may log it a moment later. */
      const sawCtrl = async (name: string): Promise<string[]> => {
        for (let i = 0; i < 30; i++) {
          const seen = await ctrls();
          if (seen.includes(name)) return seen;
          await sleep(100);
        }
        return ctrls();
      };

      it('reconnect with reset: the card is reset, the handle stays valid; others see SCARD_W_RESET_CARD once', async () => {
        const [a, b] = await Promise.all([ctx(), ctx()]);
        const [ca, cb] = [await a.connect(r0()), await b.connect(r0())];
        await t.card.clearLog?.();
        const proto = await ca.reconnect({ initialization: 'reset' });
        expect(proto).toBe(ca.protocol);
        expect(['T=0', 'T=1']).toContain(proto);
        if (t.card.log) expect(await ctrls()).toContain('reset');
        expect((await ca.status()).atr).toEqual(t.atr);
        expect(await ca.transmit(apdu('00E2000001A5'))).toEqual(apdu('A5' + OK));
        await rejectsWithScard(cb.transmit(apdu('00E2000001A5')), Scard.W_RESET_CARD);
        await cb.reconnect();
        expect(await cb.transmit(apdu('00E2000001A5'))).toEqual(apdu('A5' + OK));
      });

      it('reconnect with leave and a new share mode', async () => {
        const card = await (await ctx()).connect(r0());
        await card.reconnect({ share: 'exclusive' });
        expect(card.share).toBe('exclusive');
        const other = await ctx();
        await rejectsWithScard(other.connect(r0()), Scard.E_SHARING_VIOLATION);
        await card.reconnect({ share: 'shared' });
        expect(card.share).toBe('shared');
        // pcscd 1.9.9 keeps the reader locked to this handle after exclusive → shared (a CONNECT
        // from elsewhere then blocks until it disconnects; libpcsclite's client sees the same).
        await card.disconnect();
        await (await other.connect(r0())).disconnect();
      });

      it.each([
        ['leave', null],
        ['reset', 'reset'],
        ['unpower', 'off'],
        ['eject', null],
      ] as const)(
        'disconnect(%s) succeeds; the card sees the reset or power-off it asks for',
        async (disposition, seen) => {
          const c = await ctx();
          const card = await c.connect(r0());
          await t.card.clearLog?.();
          await card.disconnect(disposition);
          if (seen && t.card.log) expect(await sawCtrl(seen)).toContain(seen);
          await rejectsWithScard(card.transmit(apdu('00E2000001A5')), Scard.E_INVALID_HANDLE);
          await card.disconnect(); // already disconnected: nothing to do
          const again = await c.connect(r0());
          expect(await again.transmit(apdu('00E2000001A5'))).toEqual(apdu('A5' + OK));
        },
      );

      it('card removed mid-session: SCARD_W_REMOVED_CARD, disconnect works, connect gives SCARD_E_NO_SMARTCARD', async () => {
        const c = await ctx();
        const card = await c.connect(r0());
        expect(await card.transmit(apdu('00E2000001A5'))).toEqual(apdu('A5' + OK));
        await remove();
        await rejectsWithScard(card.transmit(apdu('00E2000001A5')), Scard.W_REMOVED_CARD);
        await rejectsWithScard(card.status(), Scard.W_REMOVED_CARD);
        await card.disconnect();
        await rejectsWithScard(c.connect(r0()), Scard.E_NO_SMARTCARD);
        await insert();
        const back = await c.connect(r0());
        expect(await back.transmit(apdu('00E2000001A5'))).toEqual(apdu('A5' + OK));
      });
    });
  });
}
