// `pcsc scan` and Debian's pcsc_scan watching the same readers of the same real pcscd at once:
// same readers, same event numbers and state words, same ATR, same card names (pcsc_scan gets them
// from ATR_analysis). Also -c on Debian's independent vicc card.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { cleanEnv, pcsc, requireBuild } from '../helpers/cli.js';
import { startPcsc, startWatched, stopAll, type Watched } from '../helpers/scan-process.js';

const ATR = '3B951381018073FF01000B';
const SYSTEM_LIST = '/usr/share/pcsc/smartcard_list.txt';

let home: string;
let peerEnv: (socket: string) => NodeJS.ProcessEnv;

beforeAll(async () => {
  requireBuild();
  for (const [f, pkg] of [
    ['/usr/bin/pcsc_scan', 'pcsc-tools'],
    ['/usr/bin/stdbuf', 'coreutils'],
    [SYSTEM_LIST, 'pcsc-tools'],
  ]) {
    if (!existsSync(f as string)) throw new Error(`${f} is missing: apt-get install ${pkg}`);
  }
  home = await mkdtemp(join(tmpdir(), 'pcsc-peer-home-'));
  // ATR_analysis (run by pcsc_scan) downloads the list when its cache copy is missing: give it a
  // fresh one so it stays offline and both tools read the same list.
  await mkdir(join(home, 'cache'));
  await copyFile(SYSTEM_LIST, join(home, 'cache', 'smartcard_list.txt'));
  peerEnv = (socket) => cleanEnv(home, { PCSCLITE_CSOCK_NAME: socket });
});

afterAll(async () => {
  await stopAll();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The reader blocks of a pcsc_scan-style transcript: {reader, event, state, atr, names}. */
function blocks(
  lines: string[],
): { reader: string; eventNumber: number; state: string; atr?: string; names: string[] }[] {
  const out: ReturnType<typeof blocks> = [];
  let cur: (typeof out)[number] | null = null;
  let inNames = false;
  for (const line of lines) {
    // ATR_analysis colours its output even into a pipe.
    // eslint-disable-next-line no-control-regex
    const raw = line.replace(/\u001b\[[0-9;]*m/g, '');
    let m;
    if ((m = /^ Reader \d+: (.+)$/.exec(raw))) {
      cur = { reader: m[1] as string, eventNumber: -1, state: '', names: [] };
      out.push(cur);
      inNames = false;
    } else if (cur && (m = /^ {2}Event number: (\d+)/.exec(raw))) cur.eventNumber = Number(m[1]);
    else if (cur && (m = /^ {2}Card state: (.*?)[, ]*$/.exec(raw))) cur.state = m[1] as string;
    else if (cur && (m = /^ {2}ATR: (.+)$/.exec(raw))) cur.atr = m[1];
    else if (/Possibly identified card/.test(raw)) inNames = true;
    else if (cur && inNames && (m = /^(?:\t| {4})(\S.*)$/.exec(raw))) cur.names.push(m[1] as string);
    else if (inNames && /^(\S|$)/.test(raw) && !raw.startsWith('3B')) inNames = false;
  }
  return out;
}

describe('side by side with pcsc_scan on the same rig', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ insert: [], atr: ATR });
  }, 60_000);
  afterAll(async () => {
    await stopAll();
    await rig?.stop();
  });

  it('same readers, event numbers, state words, ATR and names for an insertion and a removal', async () => {
    const env = peerEnv(rig.socket);
    const peer: Watched = startWatched('/usr/bin/stdbuf', ['-oL', '/usr/bin/pcsc_scan'], env);
    const ours = startPcsc(['scan'], env);
    for (const w of [peer, ours]) await w.waitLine(/^ {2}Card state: Card removed/);
    for (const w of [peer, ours]) await w.waitLine((l) => / Reader 1: /.test(l));
    await rig.card(0).insert();
    await ours.waitLine(/^ {2}Possibly identified card:$/);
    await peer.waitLine(/^Possibly identified card/);
    await peer.waitLine((l) => l.includes('vsmartcard'));
    await rig.card(0).remove();
    for (const w of [peer, ours]) {
      const from = w.lines.findIndex((l) => /ATR: 3B 95/.test(l));
      await w.waitLine(/^ {2}Card state: Card removed/, { from });
    }
    await ours.stop();
    await peer.stop();

    const readers = (w: Watched): string[] => w.lines.filter((l) => /^\d+: /.test(l));
    expect(readers(ours)).toEqual(readers(peer));
    expect(readers(ours)).toEqual(['0: Virtual PCD 00 00', '1: Virtual PCD 00 01']);
    const a = blocks(ours.lines);
    const b = blocks(peer.lines);
    expect(a.map((x) => [x.reader, x.eventNumber, x.state, x.atr ?? null])).toEqual(
      b.map((x) => [x.reader, x.eventNumber, x.state, x.atr ?? null]),
    );
    expect(a.map((x) => x.state)).toEqual(['Card removed', 'Card removed', 'Card inserted', 'Card removed']);
    const inserted = (bs: ReturnType<typeof blocks>) => bs.find((x) => x.atr);
    expect(inserted(a)?.atr).toBe('3B 95 13 81 01 80 73 FF 01 00 0B');
    expect(inserted(a)?.names).toEqual(inserted(b)?.names);
    expect(inserted(a)?.names).toContain('vsmartcard - iso7816 (Other)');
  });

  it('-c: the same blocks as pcsc_scan -c', async () => {
    await rig.card(1).insert();
    const env = peerEnv(rig.socket);
    const peer = await promisify(execFile)('/usr/bin/pcsc_scan', ['-c'], { env, timeout: 20_000 });
    const ours = await pcsc(['scan', '-c', '-n'], { env });
    expect(ours.code).toBe(0);
    const strip = (s: string): string[] =>
      s
        .split('\n')
        .map((l) => l.replace(/\r[ \-\\|/]*\r?/g, ''))
        .filter(Boolean);
    expect(blocks(strip(ours.stdout))).toEqual(blocks(strip(peer.stdout)));
    await rig.card(1).remove();
  });
});

describe("Debian's vicc card (an independent ISO 7816 card)", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ vicc: [0] });
  }, 60_000);
  afterAll(async () => {
    await rig?.stop();
  });

  it('-c shows its ATR and names, as pcsc_scan -c and ATR_analysis do', async () => {
    const env = peerEnv(rig.socket);
    const j = JSON.parse((await pcsc(['scan', '-c', '--json'], { env })).stdout);
    expect(j.readers[0]).toMatchObject({
      name: 'Virtual PCD 00 00',
      card: 'present',
      atr: '3B951381018073FF01000B',
      names: [expect.objectContaining({ names: ['vsmartcard - iso7816 (Other)'] })],
    });
    const peer = await promisify(execFile)('/usr/bin/pcsc_scan', ['-c'], { env, timeout: 20_000 });
    expect(peer.stdout).toContain('ATR: 3B 95 13 81 01 80 73 FF 01 00 0B');
  });
});
