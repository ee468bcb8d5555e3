// A small stand-in for the project's test rig (test/rig/rig.ts, not on main yet): Debian's pcscd
// on a private socket through test/rig/pcscd-launch.py, the vpcd reader on free TCP ports, and a
// minimal vpcd card (framing from spec/test-rig.md: 2-byte length, control byte 04 = "send ATR").

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PcscdContext } from '../../../src/core/index.js';

const LAUNCH = fileURLToPath(new URL('../../rig/pcscd-launch.py', import.meta.url));
const VPCD = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const PCSCD = '/usr/sbin/pcscd';
/** vicc's ATR (spec/test-rig.md): T=1. */
const ATR = Buffer.from('3B9513810180 73FF01000B'.replace(/ /g, ''), 'hex');

export interface MiniRig {
  dir: string;
  socket: string;
  readers: string[];
  /** Inserts a card in slot 0 and waits until pcscd reports it present. */
  insert(): Promise<void>;
  killDaemon(): Promise<void>;
  stop(): Promise<void>;
}

export function requireRig(): void {
  for (const f of [PCSCD, VPCD, '/usr/bin/python3']) {
    if (!existsSync(f)) throw new Error(`${f} is missing: apt-get install pcscd vsmartcard-vpcd python3`);
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20_000 + 2 * Math.floor(Math.random() * 20_000);
    if ((await canListen(base)) && (await canListen(base + 1))) return base;
  }
  throw new Error('no free TCP port pair');
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen within ${ms} ms${last ? `: ${String(last)}` : ''}`);
}

export async function startMiniRig(opts: { readers?: boolean } = {}): Promise<MiniRig> {
  requireRig();
  const dir = mkdtempSync(join(tmpdir(), 'pcsc-doc-rig-'));
  const conf = join(dir, 'conf');
  mkdirSync(conf);
  const port = opts.readers === false ? 0 : await freePortPair();
  if (port) writeFileSync(join(conf, 'vpcd'), `FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x${port.toString(16)}\nLIBPATH ${VPCD}\nCHANNELID 0x${port.toString(16)}\n`);
  const socket = join(dir, 'pcscd.comm');
  let log = '';
  const daemon: ChildProcess = spawn(LAUNCH, [socket, '--foreground', '--config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  daemon.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  daemon.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  let card: Socket | undefined;
  const readers = await until(`pcscd on ${socket} (log: ${log})`, async () => {
    const c = await PcscdContext.establish({ socket, requestTimeout: 2000, connectTimeout: 1000 });
    try {
      const names = await c.listReaders();
      return port && names.length < 2 ? undefined : names;
    } finally {
      await c.release();
    }
  });
  const stopDaemon = async (signal: NodeJS.Signals): Promise<void> => {
    if (daemon.exitCode !== null || daemon.signalCode !== null) return;
    const gone = new Promise((r) => daemon.once('exit', r));
    daemon.kill(signal);
    await gone;
  };
  return {
    dir,
    socket,
    readers,
    async insert() {
      card = connect(port, '127.0.0.1');
      card.setNoDelay(true);
      let buf = Buffer.alloc(0);
      card.on('error', () => undefined);
      card.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          const reply = msg.length === 1 ? (msg[0] === 0x04 ? ATR : null) : Buffer.from([0x90, 0x00]);
          if (reply) card?.write(Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply]));
        }
      });
      await until('card present', async () => {
        const c = await PcscdContext.establish({ socket, requestTimeout: 2000 });
        try {
          const [st] = await c.getStatusChange([{ reader: readers[0] as string }], { timeout: 0 });
          return st?.flags.includes('PRESENT') ? true : undefined;
        } finally {
          await c.release();
        }
      });
    },
    killDaemon: () => stopDaemon('SIGKILL'),
    async stop() {
      card?.destroy();
      await stopDaemon('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
