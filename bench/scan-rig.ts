// Set-up shared by the scan benchmarks: the real rig with no card in yet (card.py with vicc's ATR),
// and a HOME whose cache holds pcsc-tools' ATR list, so that both tools name the card the same way.

import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, requireBuild } from '../test/helpers/cli.js';
import { stopAll } from '../test/helpers/scan-process.js';
import { startRig, type Rig } from '../test/rig/rig.js';

const ATR = '3B951381018073FF01000B';

export interface ScanBench {
  rig: Rig;
  home: string;
  /** The CLI's environment: its own HOME and cache, the rig's socket. */
  env: NodeJS.ProcessEnv;
  /** Stops every watcher, the rig, and removes HOME. */
  stop(): Promise<void>;
}

export async function startScanBench(prefix: string): Promise<ScanBench> {
  requireBuild();
  const rig = await startRig({ insert: [], atr: ATR });
  const home = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(home, 'cache'));
  await copyFile('/usr/share/pcsc/smartcard_list.txt', join(home, 'cache', 'smartcard_list.txt'));
  return {
    rig,
    home,
    env: cleanEnv(home, { PCSCLITE_CSOCK_NAME: rig.socket }),
    async stop() {
      await stopAll();
      await rig.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
