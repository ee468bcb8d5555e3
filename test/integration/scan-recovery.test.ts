// `pcsc scan` when pcscd goes away mid-watch: the real daemon is killed and started again on the
// same socket (as socket activation or a restart does); scan says so, waits, resumes, and reports
// what changed while it was gone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { cleanEnv, requireBuild } from '../helpers/cli.js';
import { startPcsc, stopAll } from '../helpers/scan-process.js';

const ATR = '3B951381018073FF01000B';

let rig: Rig;
let home: string;

beforeAll(async () => {
  requireBuild();
  rig = await startRig({ insert: [0], atr: ATR });
  home = await mkdtemp(join(tmpdir(), 'pcsc-scan-rec-'));
}, 60_000);

afterAll(async () => {
  await stopAll();
  await rig?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

it('says pcscd went away, resumes when it is back, reports the missed removal, then sees new events', async () => {
  const env = cleanEnv(home, { PCSCLITE_CSOCK_NAME: rig.socket });
  const scan = startPcsc(['scan', '--json', '-n'], env);
  const before = await scan.waitEvent((e) => e.event === 'status' && e.reader === 'Virtual PCD 00 00');
  expect(before).toMatchObject({ card: 'present', atr: ATR });
  await scan.waitEvent((e) => e.event === 'status' && e.reader === 'Virtual PCD 00 01');

  await rig.killDaemon();
  const lost = await scan.waitEvent((e) => e.event === 'daemon-lost');
  expect((lost.error as { name: string }).name).toMatch(/^SCARD_(F_COMM_ERROR|E_NO_SERVICE|W_SECURITY_VIOLATION)$/);
  // Still running, retrying against a socket nobody accepts on.
  await new Promise((r) => setTimeout(r, 1500));
  expect(scan.child.exitCode).toBeNull();

  // The card in slot 0 went with the old daemon (vpcd's connection closed).
  await rig.restartDaemon();
  const back = await scan.waitEvent((e) => e.event === 'daemon-back', { timeoutMs: 15_000 });
  expect(back).toMatchObject({ daemon: { protocol: '4:4', socket: rig.socket } });
  // Away for at least the 1.5 s waited above, in microseconds.
  expect(back.durationUs as number).toBeGreaterThanOrEqual(1_500_000);
  const missed = await scan.waitEvent((e) => e.event === 'card-removed');
  expect(missed).toMatchObject({ reader: 'Virtual PCD 00 00', missed: true });

  await rig.card(1).insert({ wait: false });
  const live = await scan.waitEvent((e) => e.event === 'card-inserted' && !e.initial);
  expect(live).toMatchObject({ reader: 'Virtual PCD 00 01', atr: ATR });
  expect(live).not.toHaveProperty('missed');
  expect(await scan.stop()).toBe(130);

  const order = scan
    .events()
    .map((e) => e.event)
    .filter(Boolean);
  // The card in reader 0 at start: its status, then card-inserted (initial).
  expect(order).toEqual([
    'started',
    'status',
    'card-inserted',
    'status',
    'daemon-lost',
    'daemon-back',
    'card-removed',
    'card-inserted',
  ]);
});
