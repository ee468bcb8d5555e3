// `pcsc apdu` against Debian's vicc, a card written by others, and against scriptor (pcsc-tools):
// the same script file through `scriptor` and `pcsc apdu --raw` gives the same responses.

import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { pcscJson } from './helpers/apdu-cli.js';

const SCRIPTOR = '/usr/bin/scriptor';

interface Result {
  protocol: string;
  atr: string;
  exchanges: { kind: string; command: string; response: string; sw: string; meaning: string; steps?: unknown[] }[];
}

let rig: Rig;
let dir: string;

beforeAll(async () => {
  if (!existsSync(SCRIPTOR)) throw new Error(`${SCRIPTOR} is missing: apt-get install pcsc-tools`);
  rig = await startRig({ insert: [0], vicc: [1] });
  dir = mkdtempSync(join(tmpdir(), 'pcsc-apdu-vicc-'));
});

afterAll(async () => {
  await rig?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** scriptor's `< …` answers (data and SW, as hex), in order; it wraps long answers every 16 bytes. */
function scriptorAnswers(out: string): string[] {
  const answers: string[] = [];
  let cur: string | null = null;
  for (const line of out.split('\n')) {
    if (/^< (OK|KO):/.test(line)) {
      answers.push(line.startsWith('< OK') ? 'RESET' : 'RESET FAILED');
      continue;
    }
    if (line.startsWith('< ')) cur = '';
    if (cur === null) continue;
    const text = line.startsWith('< ') ? line.slice(2) : line;
    const colon = text.indexOf(' : ');
    cur += (colon >= 0 ? text.slice(0, colon) : text).replace(/\s+/g, '');
    if (colon >= 0) {
      answers.push(cur.toUpperCase());
      cur = null;
    }
  }
  return answers;
}

async function both(reader: string, lines: string[]): Promise<{ scriptor: string[]; ours: string[] }> {
  const file = join(dir, `s${Math.random().toString(16).slice(2)}.script`);
  writeFileSync(file, lines.join('\n') + '\n');
  const s = await execa(SCRIPTOR, ['-r', reader, file], { env: rig.env(), reject: false, timeout: 20_000 });
  expect(s.exitCode, String(s.stderr)).toBe(0);
  const ours = await pcscJson<Result>(['apdu', '--raw', '--reader', reader, '-f', file], { env: rig.env() });
  expect(ours.exitCode, ours.stderr).toBe(0);
  return {
    scriptor: scriptorAnswers(String(s.stdout)),
    ours: ours.json.exchanges.map((x) => (x.kind === 'reset' ? 'RESET' : x.response + x.sw)),
  };
}

describe('vicc (Debian vsmartcard-vpicc, ISO 7816 card)', () => {
  const reader = 'Virtual PCD 00 01';

  it('answers as test-rig.md records, with GET RESPONSE done for us', async () => {
    const { exitCode, json } = await pcscJson<Result>(
      ['apdu', '--reader', '1', '00A4040000', '00 A4 00 00 02 3F 00', '0084000008', '00B0000010'],
      { env: rig.env() },
    );
    expect(exitCode).toBe(0);
    expect(json.atr).toBe('3B951381018073FF01000B');
    expect(json.protocol).toBe('T=1');
    expect(json.exchanges.map((x) => x.sw)).toEqual(['6A82', '9000', '9000', '6986']);
    expect(json.exchanges[1]).toMatchObject({ response: '6F0A83023F008A0105820138', meaning: 'Success' });
    expect(json.exchanges[1]?.steps).toHaveLength(2);
    expect(json.exchanges[2]?.response).toMatch(/^[0-9A-F]{16}$/);
    expect(json.exchanges[3]?.meaning).toBe('Command not allowed: no current EF');
  });

  it('refuses T=0 (vicc offers T=1 only): protocol mismatch, exit 4', async () => {
    const { exitCode, json } = await pcscJson<{ error: { name: string } }>(
      ['apdu', '--reader', '1', '-p', 'T=0', '00A4040000'],
      { env: rig.env() },
    );
    expect(exitCode).toBe(4);
    expect(json.error.name).toBe('SCARD_E_PROTO_MISMATCH');
  });

  it('scriptor and pcsc apdu --raw give the same responses to the same script', async () => {
    const r = await both(reader, [
      '# the same file for both tools',
      '00 A4 04 00 00',
      '00 A4 00 00 02 3F 00',
      '00 C0 00 00 0C',
      '00A40000023F00',
      'reset',
      '00 B0 00 00 10',
      '00 20 00 00',
    ]);
    expect(r.ours).toEqual(['6A82', '610C', '6F0A83023F008A01058201389000', '610C', 'RESET', '6986', '6300']);
    expect(r.ours).toEqual(r.scriptor);
  });
});

describe('card.py through both tools', () => {
  it('same responses for 61xx, 6Cxx, extended and long answers', async () => {
    const r = await both('Virtual PCD 00 00', [
      '00 E0 00 03',
      '80 EA 00 20',
      '80 C0 00 00 20',
      '00 EC 10 00 00',
      '00 EC 10 00 10',
      '00 E2 00 00 03 01 02 03',
      '00 E0 00 30',
      '00 E4 00 00 00 00 02 AB CD',
    ]);
    expect(r.ours).toHaveLength(8);
    expect(r.ours[1]).toBe('6120');
    expect(r.ours[3]).toBe('6C10');
    expect(r.ours).toEqual(r.scriptor);
  });
});
