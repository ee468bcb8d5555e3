// Debian's pcscd on a private socket with the vpcd reader and echo-card.py cards, for the proxy's
// integration tests (a stand-in until test/rig/rig.ts lands on main): start, insert and remove
// cards, kill and restart the daemon on the same socket, stop everything.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireFiles, start, type Proc } from './procs.js';

const PCSCD = '/usr/sbin/pcscd';
const VPCD = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const PYTHON = '/usr/bin/python3';
const LAUNCH = fileURLToPath(new URL('../../../rig/pcscd-launch.py', import.meta.url));
const CARD = fileURLToPath(new URL('./echo-card.py', import.meta.url));

export interface Rig {
  readonly dir: string;
  readonly socket: string;
  readonly readers: string[];
  insert(slot?: 0 | 1): Promise<void>;
  remove(slot?: 0 | 1): Promise<void>;
  killDaemon(): Promise<void>;
  startDaemon(): Promise<void>;
  stop(): Promise<void>;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20_000 + 2 * Math.floor(Math.random() * 20_000);
    if ((await canListen(base)) && (await canListen(base + 1))) return base;
  }
  throw new Error('no free TCP port pair for vpcd');
}

export async function startRig(): Promise<Rig> {
  requireFiles({ [PCSCD]: 'pcscd', [VPCD]: 'vsmartcard-vpcd', [PYTHON]: 'python3' });
  const dir = mkdtempSync(join(tmpdir(), 'pcsc-proxy-rig-'));
  const socket = join(dir, 'pcscd.comm');
  const conf = join(dir, 'reader.conf.d');
  mkdirSync(conf);
  const readers = ['Virtual PCD 00 00', 'Virtual PCD 00 01'];
  let pcscd = null as Proc | null;
  let port = 0;
  const cards = new Map<number, Proc>();

  const startDaemon = async (): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!port || attempt > 0) port = await freePortPair();
      const hex = '0x' + port.toString(16);
      writeFileSync(join(conf, 'vpcd'), `FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:${hex}\nLIBPATH ${VPCD}\nCHANNELID ${hex}\n`);
      pcscd = start(PYTHON, [LAUNCH, socket, '--foreground', '--config', conf, '--info']);
      await pcscd.waitLine(/daemon ready/, 0, 10_000);
      if (!pcscd.lines.some((l) => /Address already in use|init failed/.test(l))) return;
      await pcscd.stop();
    }
    throw new Error('vpcd could not bind its ports');
  };

  const insert = async (slot: 0 | 1 = 0): Promise<void> => {
    if (cards.has(slot)) return;
    const from = pcscd?.lines.length ?? 0;
    const card = start(PYTHON, [CARD, String(port + slot)]);
    cards.set(slot, card);
    await pcscd?.waitLine(new RegExp(`Card inserted into ${readers[slot]}`), from, 10_000);
    // pcscd powers the card right after; its ATR line follows.
    await pcscd?.waitLine(/Card ATR:/, from, 10_000);
  };

  const remove = async (slot: 0 | 1 = 0): Promise<void> => {
    const card = cards.get(slot);
    if (!card) return;
    cards.delete(slot);
    const from = pcscd?.lines.length ?? 0;
    await card.stop();
    await pcscd?.waitLine(new RegExp(`Card Removed From ${readers[slot]}`), from, 10_000);
  };

  const killDaemon = async (): Promise<void> => {
    for (const c of cards.values()) await c.stop();
    cards.clear();
    await pcscd?.stop('SIGKILL');
  };

  try {
    await startDaemon();
  } catch (e) {
    await pcscd?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    socket,
    readers,
    insert,
    remove,
    killDaemon,
    startDaemon,
    async stop() {
      await killDaemon();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
