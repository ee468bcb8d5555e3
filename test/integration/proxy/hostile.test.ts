// The proxy as a sandbox boundary (docs/proxy.md, "Bounds" and "Security"): raw-socket clients
// that do what no libpcsclite does, against `pcsc proxy` (the built CLI) in front of Debian's
// pcscd. A client that writes and never reads costs the proxy bounded memory; a client that
// leaves gets no further request sent for it; nobody else can reach a fresh socket; a daemon
// restart is reported as a lost connection; SCardCancel is answered as pcscd answers it.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcscdContext } from '../../../src/core/pcscd/context.js';
import { PcscError } from '../../../src/core/errors.js';
import { RawClient } from '../../fakes/raw-client.js';
import { requireBuild, startCli } from '../../helpers/cli.js';
import { requireFiles, startProcess, type Proc } from '../../rig/processes.js';
import { startRig, type Rig } from '../../rig/rig.js';

const R0 = 'Virtual PCD 00 00';
const SYSTEM_PYTHON = '/usr/bin/python3';

let rig: Rig;

beforeAll(async () => {
  requireBuild();
  requireFiles({ '/usr/bin/setpriv': 'util-linux', [SYSTEM_PYTHON]: 'python3', '/usr/bin/stat': 'coreutils' });
  rig = await startRig({ insert: [0], apdu: true });
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

/** `pcsc proxy` in front of the rig, started and listening. */
async function startProxy(name: string, extra: string[] = []): Promise<{ proc: Proc; listen: string }> {
  const listen = join(rig.dir, name);
  const proc = startCli(['proxy', '--listen', listen, '--upstream', rig.socket, ...extra], process.env);
  await proc.waitLine(/point clients at it/, 0, 15_000, 'the proxy listening');
  return { proc, listen };
}

/** A raw client with a card connection through `socket` (shared, or exclusive: share mode 1). */
async function session(
  socket: string,
  shareMode: 1 | 2 = 2,
): Promise<{ c: RawClient; hContext: number; hCard: number }> {
  const c = await RawClient.open(socket);
  expect((await c.version(4, 4)).rv).toBe(0);
  const hContext = await c.establish();
  const card = await c.connect(hContext, R0, 128, shareMode);
  expect(card.rv).toBe(0);
  return { c, hContext, hCard: card.hCard };
}

/** A /proc/PID/status field in kB (VmRSS: now, VmHWM: the peak). */
function memKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** How many times pcscd's --apdu log shows this APDU sent to a card. */
function sentToCard(apduHex: string): number {
  const spaced = apduHex.replace(/(..)(?!$)/g, '$1 ');
  return rig.pcscdLog.split('\n').filter((l) => l.includes('APDU: ') && l.trimEnd().endsWith(spaced)).length;
}

/** Polls `read` until it gives the same value for `quietMs`; resolves with it (bounded by maxMs). */
async function settled(read: () => number, quietMs = 600, maxMs = 20_000): Promise<number> {
  const end = Date.now() + maxMs;
  let last = read();
  let since = Date.now();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return now;
  }
  throw new Error(`still changing after ${maxMs} ms (last value ${last})`);
}

describe('a client that writes requests and never reads the replies', () => {
  it('costs the proxy bounded memory: its writes block, as with pcscd', async () => {
    const { proc, listen } = await startProxy('flood.comm');
    try {
      const { c, hCard } = await session(listen);
      c.stopReading();
      // GET CHALLENGE-sized answers (255 bytes each), 1,000 requests per write.
      const batch = Buffer.concat(
        Array.from({ length: 1000 }, () => RawClient.transmitRequest(hCard, Buffer.from('00E000FF00', 'hex'))),
      );
      const before = memKb(proc.pid, 'VmRSS');
      const taken = await c.flood(batch, 256 * 1024 * 1024);
      const peak = memKb(proc.pid, 'VmHWM');
      c.close();
      // Before the bounds the proxy read all 256 MiB (and grew by as much); now the kernel's
      // socket buffers and the proxy's read-ahead hold what the client got to write.
      expect(taken).toBeLessThan(16 * 1024 * 1024);
      expect(peak - before).toBeLessThan(48 * 1024);
    } finally {
      await proc.stop(3000, 'SIGINT');
    }
  }, 60_000);
});

describe('a client that leaves with requests queued', () => {
  it('gets nothing more sent for it: pcscd sees no APDU of it after it closed', async () => {
    const { proc, listen } = await startProxy('leave.comm');
    try {
      // Exclusive: the card is free for anyone else only once the proxy's daemon connection ends.
      const { c, hCard } = await session(listen, 1);
      c.stopReading();
      const apdu = '00E20000045A5A5A5A';
      const one = RawClient.transmitRequest(hCard, Buffer.from(apdu, 'hex'));
      await c.flood(Buffer.concat(Array.from({ length: 3000 }, () => one)), one.length * 3000);
      // The client reads nothing: the proxy stops serving it once its replies are not drained.
      const whileThere = await settled(() => sentToCard(apdu));
      expect(whileThere).toBeGreaterThan(0);
      expect(whileThere).toBeLessThan(3000);
      c.close();
      expect(await settled(() => sentToCard(apdu))).toBe(whileThere);
      // The proxy ended its daemon connection (pcscd released the context and the card, as for a
      // client that vanished): the card is free for a new exclusive client.
      const next = await session(listen, 1);
      expect((await next.c.transmit(next.hCard, Buffer.from('00E2000001AA', 'hex'))).resp.toString('hex')).toBe(
        'aa9000',
      );
      next.c.close();
    } finally {
      await proc.stop(3000, 'SIGINT');
    }
  }, 60_000);
});

describe('a fresh socket', () => {
  it('is never reachable by another user, even with umask 000', async () => {
    if (process.getuid?.() !== 0)
      throw new Error('this test plays another user with setpriv: run it as root (CI does)');
    // A directory another user can search, and a client of that user connecting in a loop
    // while the proxy starts: any connect that succeeds is a working session for a stranger.
    const dir = mkdtempSync(join(tmpdir(), 'pcsc-umask-'));
    chmodSync(dir, 0o711);
    const listen = join(dir, 'proxy.comm');
    const racer = startProcess(
      '/usr/bin/setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        SYSTEM_PYTHON,
        '-c',
        [
          'import socket, sys, time',
          'path, denied, end = sys.argv[1], 0, time.time() + 8',
          'print("racing", flush=True)',
          'while time.time() < end:',
          '    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
          '    try:',
          '        s.connect(path)',
          '        print("connected", flush=True)',
          '        sys.exit(1)',
          '    except PermissionError:',
          '        denied += 1',
          '        if denied == 20000: break',
          '    except OSError:',
          '        pass',
          '    finally:',
          '        s.close()',
          'print("denied", denied, flush=True)',
        ].join('\n'),
        listen,
      ],
      {},
    );
    await racer.waitLine(/racing/, 0, 5000, 'the racing client');
    const saved = process.umask(0o000);
    let proc: Proc;
    try {
      proc = startCli(['proxy', '--listen', listen, '--upstream', rig.socket], process.env);
    } finally {
      process.umask(saved);
    }
    try {
      await proc.waitLine(/point clients at it/, 0, 15_000, 'the proxy listening');
      expect(await racer.exited).toBe(0);
      expect(racer.lines).not.toContain('connected');
      expect(racer.lines.join('\n')).toMatch(/denied [1-9]/);
    } finally {
      await proc.stop(3000, 'SIGINT');
      await racer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('--mode widens it on purpose, and says so', async () => {
    const { proc, listen } = await startProxy('mode.comm', ['--mode', '0660']);
    try {
      expect(spawnSync('stat', ['-c', '%a', listen], { encoding: 'utf8' }).stdout.trim()).toBe('660');
      expect(proc.lines.join('\n')).toMatch(/mode 0660: the members of its group can use pcscd through it, as you/);
    } finally {
      await proc.stop(3000, 'SIGINT');
    }
    for (const mode of ['0755', '0400', 'rw']) {
      const bad = startCli(['proxy', '--listen', join(rig.dir, 'bad.comm'), '--mode', mode], process.env);
      expect(await bad.exited).toBe(2);
      expect(bad.lines.filter(Boolean)).toEqual([expect.stringMatching(`"${mode}" is not a socket mode`)]);
    }
  });
});

describe('pcscd restarting under the proxy', () => {
  it('clients are told the connection failed, never that access was refused', async () => {
    const { proc, listen } = await startProxy('restart.comm');
    const errors: PcscError[] = [];
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop) {
        try {
          const ctx = await PcscdContext.establish({ socket: listen });
          try {
            const card = await ctx.connect(R0);
            for (let i = 0; i < 50 && !stop; i++) await card.transmit(Buffer.from('00E2000001AA', 'hex'));
          } finally {
            await ctx.release().catch(() => undefined);
          }
        } catch (e) {
          if (!(e instanceof PcscError)) throw e;
          errors.push(e);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    try {
      const workers = Array.from({ length: 16 }, () => worker());
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 500));
        await rig.restartDaemon();
        await rig.card(0).insert();
      }
      stop = true;
      await Promise.all(workers);
    } finally {
      stop = true;
      await proc.stop(3000, 'SIGINT');
    }
    const names = new Set(errors.map((e) => e.scardName));
    expect(errors.length).toBeGreaterThan(0);
    expect([...names].filter((n) => n === 'SCARD_W_SECURITY_VIOLATION')).toEqual([]);
  }, 90_000);

  it('a client with requests still unread when pcscd dies reads the end of the stream, not a reset', async () => {
    const { proc, listen } = await startProxy('unread.comm');
    try {
      const { c, hCard } = await session(listen);
      // The card holds the first for 5 s; the rest fill the proxy's read-ahead and the socket.
      c.write(RawClient.transmitRequest(hCard, Buffer.from('00E61388', 'hex')));
      const big = RawClient.transmitRequest(
        hCard,
        Buffer.concat([Buffer.from('00E20000FF', 'hex'), Buffer.alloc(255)]),
      );
      await c.flood(Buffer.concat(Array.from({ length: 400 }, () => big)), big.length * 2000, 500);
      await rig.killDaemon();
      expect(await c.ended(10_000)).toBe('eof');
    } finally {
      await proc.stop(3000, 'SIGINT');
      await rig.restartDaemon();
      await rig.card(0).insert();
    }
  }, 60_000);
});

describe('SCardCancel of another client’s context that is not waiting', () => {
  it('is answered as pcscd answers it', async () => {
    const answer = async (socket: string): Promise<number> => {
      const a = await RawClient.open(socket);
      const b = await RawClient.open(socket);
      try {
        await a.version(4, 4);
        const h = await a.establish();
        return await b.cancel(h);
      } finally {
        a.close();
        b.close();
      }
    };
    const direct = await answer(rig.socket);
    const { proc, listen } = await startProxy('cancel.comm');
    try {
      expect(await answer(listen)).toBe(direct);
      expect(direct).toBe(0x80100003); // pcscd 1.9.9: SCARD_E_INVALID_HANDLE (2.0.1 and later: 0)
    } finally {
      await proc.stop(3000, 'SIGINT');
    }
  });
});
