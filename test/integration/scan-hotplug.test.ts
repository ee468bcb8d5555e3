// `pcsc scan` with readers coming and going at run time, which vpcd cannot do: against the scripted
// fake pcscd (test/fakes, written from docs/protocol.md) on every protocol line it speaks, and
// 4:5's daemon-wide reader-event counter as -d shows it; also a mute card, side by side with pcsc_scan.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakePcscd, type FakeReader } from '../fakes/fake-pcscd.js';
import { cleanEnv, pcsc, requireBuild } from '../helpers/cli.js';
import { startPcsc, stopAll } from '../helpers/scan-process.js';

const R0 = 'Fake Reader 00 00';
const R1 = 'Fake Reader 01 00';
const R2 = 'Other Reader 02 00';
const ATR = Buffer.from('3B951381018073FF01000B', 'hex');

let home: string;
let env: NodeJS.ProcessEnv;
const fakes: FakePcscd[] = [];

beforeAll(async () => {
  requireBuild();
  home = await mkdtemp(join(tmpdir(), 'pcsc-hotplug-'));
  env = cleanEnv(home);
});
afterEach(async () => {
  await stopAll();
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

async function fake(version: string, readers: FakeReader[]): Promise<FakePcscd> {
  const f = await FakePcscd.start({ version, readers });
  fakes.push(f);
  return f;
}

/** Resolves once scan has registered for notifications (a change now happens during its wait). */
async function waiting(f: FakePcscd): Promise<void> {
  const before = f.requests.length;
  await f.until(() => f.registered.length > 0 && f.requests.length > before, 'pcsc scan waiting on the fake');
  await new Promise((r) => setTimeout(r, 50));
}

describe.each([
  { version: '1.8.23', protocol: '4:3' },
  { version: '2.2.3', protocol: '4:4' },
  { version: '2.4.1', protocol: '4:5' },
  { version: '2.5.1', protocol: '4:6' },
])('pcscd $version ($protocol)', ({ version, protocol }) => {
  it('a reader plugged in with a card, a reader unplugged, then the card removed', async () => {
    const f = await fake(version, [{ name: R0 }]);
    const scan = startPcsc(['scan', '--json', '-n', '--socket', f.path], env);
    expect(await scan.waitEvent((e) => e.event === 'started')).toMatchObject({
      pnp: true,
      readers: [R0],
      daemon: { protocol },
    });
    await scan.waitEvent((e) => e.event === 'status');
    await waiting(f);
    f.addReader({ name: R1, card: { atr: ATR } });
    const added = await scan.waitEvent((e) => e.event === 'reader-added');
    expect(added).toMatchObject({ reader: R1, index: 1, card: 'present', atr: ATR.toString('hex').toUpperCase() });
    expect(await scan.waitEvent((e) => e.event === 'card-inserted')).toMatchObject({ reader: R1, index: 1 });
    await waiting(f);
    f.removeReader(R0);
    expect(await scan.waitEvent((e) => e.event === 'reader-removed')).toMatchObject({
      reader: R0,
      index: 0,
      card: 'unknown',
    });
    await waiting(f);
    f.removeCard(R1);
    expect(await scan.waitEvent((e) => e.event === 'card-removed')).toMatchObject({ reader: R1 });
    expect(await scan.stop()).toBe(130);
    expect(
      scan
        .events()
        .map((e) => e.event)
        .filter(Boolean),
    ).toEqual(['started', 'status', 'reader-added', 'card-inserted', 'reader-removed', 'card-removed']);
    expect(f.violations).toEqual([]);
  });

  it('no reader at start: says it waits, then reports the first one', async () => {
    const f = await fake(version, []);
    const scan = startPcsc(['scan', '--json', '-n', '--socket', f.path], env);
    expect(await scan.waitEvent((e) => e.event === 'started')).toMatchObject({ readers: [] });
    await scan.waitEvent((e) => e.event === 'waiting-reader');
    await waiting(f);
    f.addReader({ name: R0 });
    expect(await scan.waitEvent((e) => e.event === 'reader-added')).toMatchObject({
      reader: R0,
      index: 0,
      card: 'absent',
    });
    expect(f.violations).toEqual([]);
  });

  it('a reader swapped for another during a wait (same reader count)', async () => {
    const f = await fake(version, [{ name: R0 }, { name: R1 }]);
    const scan = startPcsc(['scan', '--json', '-n', '--socket', f.path], env);
    await scan.waitEvent((e) => e.event === 'status' && e.reader === R1);
    await waiting(f);
    f.removeReader(R0);
    f.addReader({ name: R2 });
    expect(await scan.waitEvent((e) => e.event === 'reader-removed')).toMatchObject({ reader: R0 });
    expect(await scan.waitEvent((e) => e.event === 'reader-added')).toMatchObject({ reader: R2 });
    expect(f.violations).toEqual([]);
  });
});

describe("the PnP pseudo-reader's event counter (-d)", () => {
  it('4:5 counts reader arrivals and departures daemon-wide; 4:4 has no counter (0)', async () => {
    for (const [version, counts] of [
      ['2.4.1', true],
      ['2.2.3', false],
    ] as const) {
      const f = await fake(version, [{ name: R0 }]);
      const scan = startPcsc(['scan', '--json', '-n', '-d', '--socket', f.path], env);
      await scan.waitEvent((e) => e.event === 'status');
      await waiting(f);
      f.addReader({ name: R1 });
      const t1 = await scan.waitEvent((e) => e.event === 'transition' && e.index === -1);
      await scan.waitEvent((e) => e.event === 'reader-added');
      await waiting(f);
      f.removeReader(R1);
      const t2 = await scan.waitEvent((e) => e.event === 'transition' && e.index === -1, {
        from: scan.lines.findIndex((l) => l.includes('"reader-added"')),
      });
      await scan.waitEvent((e) => e.event === 'reader-removed');
      expect(t1).toMatchObject({ reader: '\\\\?PnP?\\Notification', set: expect.arrayContaining(['CHANGED']) });
      if (counts) {
        // The fake started with one reader (counter 2), then one added (3), then one removed (4).
        expect([t1.eventNumber, t2.eventNumber]).toEqual([3, 4]);
      } else {
        expect([t1.eventNumber, t2.eventNumber]).toEqual([0, 0]);
      }
      await scan.stop();
      expect(f.violations).toEqual([]);
    }
  });
});

describe('an unresponsive (mute) card, which vpcd cannot make', () => {
  it('-c says "Unresponsive card" as pcsc_scan -c does; --wait-card exits 4 with one line', async () => {
    if (!existsSync('/usr/bin/pcsc_scan')) throw new Error('/usr/bin/pcsc_scan is missing: apt-get install pcsc-tools');
    // 2.2.3 speaks 4:4, the protocol of Debian's libpcsclite that pcsc_scan links.
    const f = await fake('2.2.3', [{ name: R0, card: { atr: ATR, mute: true } }]);
    const ours = await pcsc(['scan', '-c', '-n', '--socket', f.path], { env });
    expect(ours.code, ours.stderr).toBe(0);
    const peer = await promisify(execFile)('/usr/bin/pcsc_scan', ['-c'], {
      env: { ...env, PCSCLITE_CSOCK_NAME: f.path },
      timeout: 20_000,
    });
    const state = (s: string): string[] =>
      s
        .split('\n')
        .filter((l) => l.startsWith('  Card state: '))
        .map((l) => l.replace(/[, ]+$/, ''));
    expect(state(ours.stdout)).toEqual(state(peer.stdout));
    expect(state(ours.stdout)).toEqual(['  Card state: Card inserted, Unresponsive card']);
    const j = JSON.parse((await pcsc(['scan', '-c', '-n', '--json', '--socket', f.path], { env })).stdout);
    expect(j.readers[0]).toMatchObject({ name: R0, card: 'mute', state: expect.arrayContaining(['MUTE', 'PRESENT']) });
    const wait = await pcsc(['scan', '--wait-card', '--socket', f.path], { env });
    expect(wait.code).toBe(4);
    expect(wait.stdout).toBe('');
    expect(wait.stderr.trim().split('\n')).toHaveLength(1);
    expect(wait.stderr).toMatch(/^pcsc: .*unresponsive/i);
    expect(f.violations).toEqual([]);
  });
});
