// Every program of examples/ (docs/library.md), run as a user runs it (`node examples/x.mjs`,
// importing 'pcsc' from the built package) against the real pcscd with vicc in reader 0 and
// reader 1 empty. The whole program of the issue (list readers, connect, send one APDU) is 6 lines.

import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { startProcess } from '../rig/processes.js';
import { assertFreshBuild } from '../helpers/build.js';
import { ROOT } from '../helpers/cli.js';

const EXAMPLES = join(ROOT, 'examples');
const VICC_ATR = '3B951381018073FF01000B';
/** vicc's answer to SELECT 3F00 once GET RESPONSE has fetched it: the FCI, then 9000. */
const FCI = '6f0a83023f008a01058201389000';

let rig: Rig;
beforeAll(async () => {
  assertFreshBuild();
  rig = await startRig({ vicc: [0], insert: [] });
});
afterAll(async () => {
  await rig?.stop();
});

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(EXAMPLES, file)],
      { cwd: ROOT, env: rig.env(), timeout: 30_000, encoding: 'utf8' },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** What each example must print (and exit 0, nothing on stderr). */
const EXPECTED: Record<string, RegExp[]> = {
  'send-apdu.mjs': [/^readers: \[ 'Virtual PCD 00 00', 'Virtual PCD 00 01' \]$/m, new RegExp(`^${FCI} Success$`, 'm')],
  'list-readers.mjs': [
    new RegExp(`^0: Virtual PCD 00 00 \\[.*PRESENT.*\\] ATR ${VICC_ATR}$`, 'm'),
    /^1: Virtual PCD 00 01 \[.*EMPTY.*\]$/m,
  ],
  'status-words.mjs': [
    /sw: '6A82'/,
    /meaning: 'File or application not found'/,
    /2 tries left/,
    /^true false$/m,
    /^6110$/m,
    /^refused: "900" is not a status word/m,
  ],
  'wait-for-card.mjs': [new RegExp(`^card in Virtual PCD 00 00: ATR ${VICC_ATR}$`, 'm')],
  'transaction.mjs': [/^6F0A83023F008A01058201389000 Success$/m, /^[0-9A-F]{16}9000 Success$/m],
  'control-features.mjs': [/^features: SCARD_E_UNSUPPORTED_FEATURE$/m, /^vendor: /m],
  'atr.mjs': [new RegExp(`^ATR ${VICC_ATR}: valid$`, 'm'), /^protocols T=1, 5 historical byte\(s\)$/m],
  'errors.mjs': [
    /^SCARD_E_UNKNOWN_READER: /m,
    /^no card: \{"code":"0x8010000C","name":"SCARD_E_NO_SMARTCARD"/m,
    /^usage \(EUSAGE\): an empty reader name/m,
  ],
};

describe('examples/', () => {
  it('every example is run here (monitor.mjs below)', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.mjs'));
    expect(files.sort()).toEqual([...Object.keys(EXPECTED), 'monitor.mjs'].sort());
  });

  it.each(Object.entries(EXPECTED))('%s', async (file, patterns) => {
    const r = await run(file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const p of patterns) expect(r.stdout).toMatch(p);
  });

  it('send-apdu.mjs: list readers, connect, send one APDU in 6 lines', () => {
    const lines = readFileSync(join(EXAMPLES, 'send-apdu.mjs'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(6);
    expect(lines.join('\n')).toMatch(/listReaders\(\)[\s\S]*connect\([\s\S]*transmit\(/);
  });

  it.each([
    ['README.md', /## Library[\s\S]*?```js\n([\s\S]*?)```/],
    ['docs/library.md', /## Send an APDU[\s\S]*?```js\n([\s\S]*?)```/],
  ])('the program shown in %s is send-apdu.mjs, line for line', (doc, re) => {
    const block = re.exec(readFileSync(join(ROOT, doc), 'utf8'))?.[1];
    expect(block).toBe(readFileSync(join(EXAMPLES, 'send-apdu.mjs'), 'utf8'));
  });

  it('monitor.mjs: the status at start, then a removal ends it', async () => {
    const p = startProcess(process.execPath, [join(EXAMPLES, 'monitor.mjs')], { env: rig.env(), cwd: ROOT });
    try {
      await p.waitLine(/^Virtual PCD 00 01: absent$/, 0, 15_000, 'the empty reader at start');
      await p.waitLine(/^Virtual PCD 00 00: present$/, 0, 15_000, 'the card at start');
      await p.waitLine(/^in Virtual PCD 00 00: 3B951381018073FF01000B$/, 0, 15_000, 'its card-inserted (initial)');
      await rig.vicc(0).remove();
      await p.waitLine(/^removed from Virtual PCD 00 00$/, 0, 15_000, 'the removal');
      expect(await p.exited).toBe(0);
      expect(p.lines[0]).toBe('watching 2 reader(s)');
    } finally {
      await p.stop();
      await rig.vicc(0).insert();
    }
  });
});
