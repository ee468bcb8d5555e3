// A 4:2 daemon's reader-name width is probed once per daemon socket, not on every client
// connection (the probe waits for the stream to go idle: about 0.4 s against pcscd 1.8.8), and
// again when the daemon's socket is re-created (a restarted pcscd).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PcscdContext } from '../../../src/core/pcscd/context.js';
import { ProxyServer } from '../../../src/core/proxy/server.js';
import { FakePcscd } from '../../fakes/fake-pcscd.js';

const GET_READERS_STATE = 0x12;
let dir: string;
let fake: FakePcscd | undefined;
let proxy: ProxyServer | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pcsc-layout-'));
});
afterEach(async () => {
  await proxy?.close();
  await fake?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One client through the proxy: establish, list the readers, release. */
async function oneClient(): Promise<string[]> {
  const c = await PcscdContext.establish({ socket: (proxy as ProxyServer).listen, env: {} });
  try {
    return await c.listReaders();
  } finally {
    await c.release();
  }
}

/** CMD_GET_READERS_STATE requests the daemon got so far. */
const probes = (): number => (fake as FakePcscd).requests.filter((r) => r.cmd === GET_READERS_STATE).length;

describe('the 4:2 layout probe', () => {
  it('runs once per daemon socket, and again for a re-created socket', async () => {
    const sock = join(dir, 'pcscd.comm');
    fake = await FakePcscd.start({ version: '1.8.8', readers: [{ name: 'Old Reader 00 00' }], path: sock });
    proxy = await ProxyServer.start({ listen: join(dir, 'proxy.comm'), upstream: sock });
    expect(await oneClient()).toEqual(['Old Reader 00 00']);
    const first = probes();
    expect(await oneClient()).toEqual(['Old Reader 00 00']);
    const second = probes() - first;
    // The second client's connection skipped the probe: one CMD_GET_READERS_STATE fewer.
    expect(second).toBe(first - 1);
    // pcscd restarted: a new socket file, probed again.
    await fake.stop();
    fake = await FakePcscd.start({ version: '1.8.8', readers: [{ name: 'Old Reader 00 00' }], path: sock });
    expect(await oneClient()).toEqual(['Old Reader 00 00']);
    expect(probes()).toBe(first);
  });
});
