// Released clients through the proxy to Debian's real pcscd (4:4) with a vpcd reader: pcsc_scan,
// scriptor and a libpcsclite C client, full sessions; 4:3 and 4:6 clients written from docs/protocol.md; many
// clients at once; the daemon dying and coming back. The spy's records are checked against the
// exchanges made.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcscdContext } from '../../../src/core/pcscd/context.js';
import { ProxyServer } from '../../../src/core/proxy/server.js';
import type { ProxyCall } from '../../../src/core/proxy/types.js';
import { parseArray, RawClient } from '../../fakes/raw-client.js';
import { words } from '../../fakes/structs.js';
import { buildPcscClient } from '../../rig/build-c.js';
import { requireFiles, startProcess } from '../../rig/processes.js';
import { startRig, type Rig } from '../../rig/rig.js';
import { pinCard } from './pin-card.js';

const SESSION_C = fileURLToPath(new URL('./clients/session.c', import.meta.url));
const CANCEL_C = fileURLToPath(new URL('./clients/cancel.c', import.meta.url));
const R0 = 'Virtual PCD 00 00';

let rig: Rig;
let proxy: ProxyServer;
let calls: ProxyCall[] = [];
let session: string;
const viaProxy = (): NodeJS.ProcessEnv => ({ ...process.env, PCSCLITE_CSOCK_NAME: proxy.listen });

beforeAll(async () => {
  requireFiles({
    '/usr/bin/pcsc_scan': 'pcsc-tools',
    '/usr/bin/scriptor': 'pcsc-tools',
    '/usr/bin/stdbuf': 'coreutils',
  });
  session = buildPcscClient(SESSION_C);
  rig = await startRig({ insert: [0] });
  await pinCard(rig.card(0));
  proxy = await ProxyServer.start({
    listen: join(rig.dir, 'proxy.comm'),
    upstream: rig.socket,
    onCall: (c) => calls.push(c),
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await rig?.stop();
});

/** Runs the C client through the proxy; resolves with its output lines. */
async function runSession(tag: number, count: number): Promise<{ code: number | null; lines: string[] }> {
  const p = startProcess(session, [`0x${tag.toString(16)}`, String(count)], { env: viaProxy() });
  const code = await p.exited;
  return { code, lines: p.lines.filter((l) => l !== '') };
}

describe('released clients through the proxy to Debian’s pcscd', () => {
  it('pcsc_scan -r lists the same readers as without the proxy', async () => {
    // Asynchronously: the proxy runs in this process and must keep serving while pcsc_scan runs.
    const direct = startProcess('pcsc_scan', ['-r'], { env: { ...process.env, PCSCLITE_CSOCK_NAME: rig.socket } });
    const proxied = startProcess('pcsc_scan', ['-r'], { env: viaProxy() });
    expect(await direct.exited).toBe(0);
    expect(await proxied.exited).toBe(0);
    expect(proxied.lines).toEqual(direct.lines);
    expect(proxied.lines).toContain(`0: ${R0}`);
  });

  it('pcsc_scan watches a card go and come back through the proxy', async () => {
    const scan = startProcess('stdbuf', ['-oL', 'pcsc_scan', '-n'], { env: viaProxy() });
    try {
      await scan.waitLine(/Card state: Card inserted/, 0, 10_000, 'Card state: Card inserted');
      await scan.waitLine(/ATR: 3B 80 80 01 01/, 0, 10_000, 'ATR: 3B 80 80 01 01');
      const before = scan.lines.length;
      await rig.card(0).remove();
      await scan.waitLine(/Card state: Card removed/, before, 10_000, 'Card state: Card removed');
      const after = scan.lines.length;
      await rig.card(0).insert();
      await scan.waitLine(/Card state: Card inserted/, after, 10_000, 'Card state: Card inserted');
      await scan.waitLine(/ATR: 3B 80 80 01 01/, after, 10_000, 'ATR: 3B 80 80 01 01');
    } finally {
      await scan.stop(3000, 'SIGINT');
    }
  });

  it('scriptor sends APDUs and gets the card’s answers; the spy logs them, PIN masked', async () => {
    calls = [];
    const script = '00 E2 00 00 03 01 02 03\n00 20 00 81 04 31 32 33 34\n00 20 00 81 04 39 39 39 39\n00 A4 04 00 00\n';
    const p = startProcess('scriptor', ['-r', R0], { env: viaProxy(), stdin: script });
    expect(await p.exited).toBe(0);
    const out = p.lines.join('\n');
    expect(out).toContain('< 01 02 03 90 00');
    expect(out).toContain('< 90 00');
    expect(out).toContain('< 63 C2');
    expect(out).toContain('< 6D 00');
    const tx = calls.filter((c) => c.command === 'SCARD_TRANSMIT');
    expect(tx.map((c) => [c.apdu, c.response, c.sw, c.rvName])).toEqual([
      ['00E2000003010203', '010203', '9000', 'SCARD_S_SUCCESS'],
      ['0020008104********', '', '9000', 'SCARD_S_SUCCESS'],
      ['0020008104********', '', '63C2', 'SCARD_S_SUCCESS'],
      ['00A4040000', '', '6D00', 'SCARD_S_SUCCESS'],
    ]);
    expect(tx.every((c) => c.reader === R0 && c.protocol === 'T=1')).toBe(true);
    expect(tx[2]?.swMeaning).toMatch(/2 tries left/);
    const connect = calls.find((c) => c.command === 'SCARD_CONNECT');
    expect(connect).toMatchObject({ reader: R0, share: 'shared', protocol: 'T=1', rvName: 'SCARD_S_SUCCESS' });
  });

  it('a libpcsclite 4:4 C client: readers, states, PnP, APDUs, status', async () => {
    calls = [];
    const r = await runSession(0x51, 100);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      `reader ${R0}`,
      'reader Virtual PCD 00 01',
      expect.stringMatching(/^state 0x000[0-9A-F]0022$/), // PRESENT | CHANGED, event counter above
      'pnp 0x00000000', // 4:4 has no reader-event counter: libpcsclite leaves the high word 0
      'atr 3B80800101',
      'ok 100',
    ]);
    const tx = calls.filter((c) => c.command === 'SCARD_TRANSMIT');
    expect(tx).toHaveLength(100);
    tx.forEach((c, i) => {
      const payload = '00000051' + i.toString(16).toUpperCase().padStart(8, '0');
      expect([c.apdu, c.response, c.sw]).toEqual(['00E2000008' + payload, payload, '9000']);
    });
  });

  it('libpcsclite’s SCardCancel wakes the waiting thread through the proxy as it does directly', async () => {
    const cancel = buildPcscClient(CANCEL_C);
    const run = async (env: NodeJS.ProcessEnv): Promise<{ code: number | null; lines: string[] }> => {
      const p = startProcess(cancel, [R0], { env });
      const code = await p.exited;
      return { code, lines: p.lines.filter((l) => l !== '') };
    };
    calls = [];
    const direct = await run({ ...process.env, PCSCLITE_CSOCK_NAME: rig.socket });
    const proxied = await run(viaProxy());
    expect(direct).toEqual({ code: 0, lines: ['cancel 0x00000000 wait 0x80100002', 'list 0x00000000'] });
    expect(proxied).toEqual(direct);
    // The cancel came on a connection of its own, without CMD_VERSION, and was answered by the proxy.
    const cancels = calls.filter((c) => c.command === 'SCARD_CANCEL');
    expect(cancels.length).toBeGreaterThan(0);
    expect(cancels.at(-1)).toMatchObject({ rvName: 'SCARD_S_SUCCESS' });
    expect(cancels.at(-1)?.clientProtocol).toBeUndefined();
  });

  it('8 client processes × 1,000 APDUs at once: every answer is the asker’s own, and the spy saw each', async () => {
    calls = [];
    const runs = await Promise.all(Array.from({ length: 8 }, (_, k) => runSession(0xc0de0000 + k, 1000)));
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.lines.at(-1)).toBe('ok 1000');
    }
    const byClient = new Map<number, ProxyCall[]>();
    for (const c of calls.filter((x) => x.command === 'SCARD_TRANSMIT'))
      byClient.set(c.client, [...(byClient.get(c.client) ?? []), c]);
    expect(byClient.size).toBe(8);
    const tags = new Set<string>();
    for (const list of byClient.values()) {
      expect(list).toHaveLength(1000);
      const tag = list[0]?.apdu?.slice(10, 18) ?? '';
      tags.add(tag);
      list.forEach((c, i) => {
        const payload = tag + i.toString(16).toUpperCase().padStart(8, '0');
        expect(c.apdu).toBe('00E2000008' + payload);
        expect(c.response).toBe(payload);
      });
    }
    expect(tags.size).toBe(8);
  }, 120_000);
});

describe('every card call answered through the proxy as pcscd answers it directly', () => {
  /** The same sequence on a connection; replies with the card handle (offset 0) zeroed. */
  async function sequence(socket: string): Promise<Buffer[]> {
    const c = await RawClient.open(socket);
    try {
      await c.version(4, 4);
      const h = await c.establish();
      const { hCard, rv } = await c.connect(h, R0);
      expect(rv).toBe(0);
      const out: Buffer[] = [];
      const call = async (cmd: number, body: Buffer, size: number): Promise<void> => {
        c.send(cmd, body);
        const r = await c.take(size);
        r.writeUInt32LE(0, 0);
        out.push(r);
      };
      const attr = (id: number, len: number): Buffer =>
        Buffer.concat([words(hCard, id), Buffer.alloc(264), words(len, 0)]);
      await call(0x0f, attr(0x00090303, 264), 280); // GET_ATTRIB ATR string
      await call(0x0f, attr(0x7fff0003, 264), 280); // friendly name (answered by pcscd itself)
      await call(0x0f, attr(0x00010100, 264), 280); // vendor name: unsupported by vpcd
      await call(0x10, attr(0x00010100, 4), 280); // SET_ATTRIB
      await call(0x0a, words(hCard, 0x42000d48, 0, 256, 0, 0), 24); // CONTROL: features
      await call(0x07, words(hCard, 0), 8); // BEGIN_TRANSACTION
      await call(0x0b, words(hCard, 0), 8); // STATUS
      await call(0x08, words(hCard, 0, 0), 12); // END_TRANSACTION
      await call(0x08, words(hCard, 0, 0), 12); // END again: not transacted
      await call(0x05, words(hCard, 2, 3, 1, 0, 0), 24); // RECONNECT with reset
      await call(0x0b, words(hCard, 0), 8); // STATUS after our own reset
      const tx = await c.transmit(hCard, Buffer.from('00E2000001AA', 'hex'), 1); // T=0 PCI on a T=1 card
      out.push(words(tx.rv));
      await call(0x06, words(hCard, 0, 0), 12); // DISCONNECT
      return out;
    } finally {
      c.close();
    }
  }

  it('GET/SET_ATTRIB, CONTROL, transactions, STATUS, RECONNECT, DISCONNECT, a protocol mismatch', async () => {
    const direct = await sequence(rig.socket);
    const proxied = await sequence(proxy.listen);
    expect(proxied.map((b) => b.toString('hex'))).toEqual(direct.map((b) => b.toString('hex')));
    // pcscd answers the friendly name itself: the reader name and its NUL, 18 bytes.
    expect(direct[1]?.readUInt32LE(272)).toBe(18);
    expect(direct[8]?.subarray(8)).toEqual(words(0x80100016)); // END without a transaction
    expect(direct[11]).toEqual(words(0x8010000f));
  });
});

describe('clients of other versions, written from docs/protocol.md, through the proxy to Debian’s pcscd (4:4)', () => {
  it('a 4:3 client: states, a card insertion seen through 4:3 WAIT, an APDU', async () => {
    await rig.card(0).remove();
    const c = await RawClient.open(proxy.listen);
    try {
      expect(await c.version(4, 3)).toEqual({ major: 4, minor: 3, rv: 0 });
      const h = await c.establish();
      const before = await c.states();
      expect(before.map((e) => e.name)).toEqual([R0, 'Virtual PCD 00 01']);
      expect(before[0]?.state).toBe(0x02);
      c.send(0x13, words(30_000, 0));
      expect(await c.quiet(100)).toBe(0);
      await rig.card(0).insert();
      expect(await c.take(8, 10_000)).toEqual(words(0, 0));
      const after = await c.states();
      expect(after[0]?.eventCounter).toBeGreaterThan(before[0]?.eventCounter ?? 0);
      expect(after[0]?.atr.toString('hex')).toBe('3b80800101');
      const card = await c.connect(h, R0);
      expect(card.rv).toBe(0);
      expect(await c.transmit(card.hCard, Buffer.from('00E20000020A0B', 'hex'))).toEqual({
        rv: 0,
        resp: Buffer.from('0A0B9000', 'hex'),
      });
      expect(await c.disconnect(card.hCard)).toBe(0);
      expect(await c.release(h)).toBe(0);
    } finally {
      c.close();
    }
  });

  it('a 4:6 client: SIZE/ARRAY, WAIT without array, a removal, an APDU', async () => {
    const c = await RawClient.open(proxy.listen);
    try {
      expect(await c.version(4, 6)).toEqual({ major: 4, minor: 6, rv: 0 });
      const h = await c.establish();
      c.send(0x13);
      c.send(0x16);
      const n = (await c.take(4)).readInt32LE(0);
      expect(n).toBeGreaterThanOrEqual(2);
      c.send(0x17);
      const arr = parseArray(await c.take(n * 184));
      expect(arr.map((e) => e.name)).toEqual([R0, 'Virtual PCD 00 01']);
      expect(arr[0]?.state).toBe(0x34);
      await rig.card(0).remove();
      expect(await c.take(8, 10_000)).toEqual(words(0, 0));
      c.send(0x16);
      c.send(0x17);
      const n2 = (await c.take(4)).readInt32LE(0);
      expect(n2).toBe(n);
      expect(parseArray(await c.take(n2 * 184))[0]?.state).toBe(0x02);
      await rig.card(0).insert();
      const card = await c.connect(h, R0);
      expect(card.rv).toBe(0);
      expect((await c.transmit(card.hCard, Buffer.from('00E2000001FF', 'hex'))).resp).toEqual(
        Buffer.from('FF9000', 'hex'),
      );
      expect(await c.release(h)).toBe(0);
    } finally {
      c.close();
    }
  });
});

describe('pcsc’s own client (4:6) through the proxy', () => {
  it('lists readers, sees a removal, and exchanges APDUs over the 4:6 size/array path', async () => {
    const ctx = await PcscdContext.establish({ socket: proxy.listen });
    try {
      expect(ctx.info.protocol).toBe('4:6');
      expect(await ctx.listReaders()).toEqual([R0, 'Virtual PCD 00 01']);
      const [now] = await ctx.getStatusChange([{ reader: R0 }], { timeout: 0 });
      expect(now?.flags).toContain('PRESENT');
      const waiting = ctx.getStatusChange([{ reader: R0, currentState: now?.eventState ?? 0 }], { timeout: 10_000 });
      await rig.card(0).remove();
      expect((await waiting)[0]?.flags).toContain('EMPTY');
      await rig.card(0).insert();
      const card = await ctx.connect(R0);
      expect(await card.transmit(Buffer.from('00E2000002ABCD', 'hex'))).toEqual(Buffer.from('ABCD9000', 'hex'));
      await card.disconnect();
    } finally {
      await ctx.release();
    }
  });
});

describe('the daemon going away and coming back', () => {
  it('closes the clients cleanly, keeps listening, and serves the restarted daemon', async () => {
    const c = await RawClient.open(proxy.listen);
    await c.version(4, 4);
    await c.establish();
    c.send(0x13);
    await c.take(2944);
    await rig.killDaemon();
    expect(await c.ended(5000)).not.toBeNull();
    const down = await runSession(1, 1);
    expect(down.code).toBe(1);
    expect(down.lines.join('\n')).toMatch(/FAIL SCardEstablishContext 0x8010001D/);
    await rig.restartDaemon();
    await rig.card(0).insert();
    const up = await runSession(2, 10);
    expect(up.code).toBe(0);
    expect(up.lines.at(-1)).toBe('ok 10');
  });
});
