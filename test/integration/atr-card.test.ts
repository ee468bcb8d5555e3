// `pcsc atr` without an ATR on the command line, against the rig: a pipe from `pcsc scan
// --wait-card`, and on a terminal the card in the reader.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { BIN, cleanEnv, cliEnv, pcscOnTty, requireBuild } from '../helpers/cli.js';

const VICC_ATR = '3B 95 13 81 01 80 73 FF 01 00 0B';

let rig: Rig;
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  requireBuild();
  // Reader 0 empty, Debian's vicc in reader 1.
  rig = await startRig({ insert: [], vicc: [1] });
  home = mkdtempSync(join(tmpdir(), 'pcsc-atr-card-'));
  env = cleanEnv(home, { PCSCLITE_CSOCK_NAME: rig.socket });
});

afterAll(async () => {
  await rig?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** `pcsc scan --wait-card ARGS | pcsc atr`, a real pipe between the two processes. */
function pipeline(scanArgs: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const scan = spawn(process.execPath, [BIN, 'scan', '--wait-card', ...scanArgs], {
      env: cliEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const atr = spawn(process.execPath, [BIN, 'atr'], { env: cliEnv(env), stdio: [scan.stdout, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    atr.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    atr.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const t = setTimeout(() => {
      scan.kill('SIGKILL');
      atr.kill('SIGKILL');
    }, 20_000);
    atr.on('error', reject);
    atr.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('pcsc atr with no ATR argument', () => {
  it('pcsc scan --wait-card | pcsc atr: analyses the card the scan found', async () => {
    const r = await pipeline(['--reader', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ATR: ${VICC_ATR}`);
    expect(r.stdout).toContain('vsmartcard - iso7816 (Other)');
  });

  it('on a terminal: the ATR of the card in the reader', async () => {
    const r = await pcscOnTty(['atr', '--reader', '1'], { env });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`ATR: ${VICC_ATR}`);
    expect(r.out).toContain('K=5 historical bytes; TA1, TD1 follow');
    expect(r.out).not.toContain('Using reader');
  });

  it('on a terminal without --reader: the only reader with a card (the rule of every command)', async () => {
    const r = await pcscOnTty(['atr'], { env });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`ATR: ${VICC_ATR}`);
    // Which reader it took, as pcsc apdu and opensc-tool -s say (stderr, never in --json).
    expect(r.out).toMatch(/^Using reader with a card: Virtual PCD 00 01\r?\nATR: /m);
    const j = await pcscOnTty(['atr', '--json'], { env });
    expect(j.code, j.out).toBe(0);
    expect(j.out).not.toContain('Using reader');
    expect(j.out).toContain('"atr"');
  });

  it('on a terminal, an empty reader: "no card", exit 4', async () => {
    const r = await pcscOnTty(['atr', '--reader', '0'], { env });
    expect(r.code, r.out).toBe(4);
    expect(r.out).toMatch(/no card in Virtual PCD 00 00: insert one, or give an ATR in hex/);
  });
});
