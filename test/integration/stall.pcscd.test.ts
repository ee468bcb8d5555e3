// A real pcscd that accepts connections and answers nothing (stopped with SIGSTOP: the kernel still accepts on
// its listening socket): `pcsc scan -r` gives up on the handshake within 5 s, with one line saying why.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcsc, requireBuild } from '../helpers/cli.js';
import { startRig, type Rig } from '../rig/rig.js';

describe('a hung pcscd', () => {
  let rig: Rig;
  beforeAll(async () => {
    requireBuild();
    rig = await startRig({ insert: [] });
  });
  afterAll(async () => {
    try {
      process.kill(rig.pcscdPid, 'SIGCONT');
    } catch {
      // gone already
    }
    await rig?.stop();
  });

  it('scan -r: exit 5, "accepted the connection but did not answer CMD_VERSION in 5 s"', async () => {
    process.kill(rig.pcscdPid, 'SIGSTOP');
    try {
      const r = await pcsc(['scan', '-r', '--socket', rig.socket], {
        env: { ...process.env, NO_COLOR: '1' },
        timeoutMs: 30_000,
      });
      expect(r.code, r.stderr).toBe(5);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')[0]).toBe(
        `pcsc: Timed out (0x8010000A): pcscd accepted the connection at ${rig.socket} but did not answer CMD_VERSION in 5 s (a hung daemon, or a wedged proxy in front of it)`,
      );
    } finally {
      process.kill(rig.pcscdPid, 'SIGCONT');
    }
    // Woken up, it answers again.
    const ok = await pcsc(['scan', '-r', '--socket', rig.socket], { env: { ...process.env, NO_COLOR: '1' } });
    expect(ok.code, ok.stderr).toBe(0);
  }, 60_000);
});
