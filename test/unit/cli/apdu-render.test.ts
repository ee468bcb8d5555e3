// Human output of `pcsc apdu`, the --select APDU and --control codes.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { runScript } from '../../../src/core/script/runner.js';
import { parseScript } from '../../../src/core/script/parse.js';
import type { Card } from '../../../src/core/scard/types.js';
import {
  mismatchMessage,
  renderControl,
  renderDataOnly,
  renderRecord,
  renderRepeat,
  formatDuration,
} from '../../../src/cli/apdu/render.js';
import { selectItem } from '../../../src/cli/apdu/input.js';
import { parseControlCode } from '../../../src/cli/apdu/control.js';
import { exchangeJson } from '../../../src/cli/apdu/result.js';
import { hex as h } from '../../helpers/hex.js';

const plain = new Chalk({ level: 0 });
const card = (answers: Record<string, string>): Card =>
  ({
    transmit: async (a: Uint8Array) => h(answers[Buffer.from(a).toString('hex').toUpperCase()] ?? '6D00'),
  }) as unknown as Card;

async function records(script: string, answers: Record<string, string>) {
  return (await runScript(card(answers), parseScript(script))).records;
}

describe('renderRecord', () => {
  it('prints > and < lines with the meaning, wrapping data at 16 bytes', async () => {
    const [r] = await records('00B0000012', { '00B0000012': '00'.repeat(18) + '9000' });
    expect(renderRecord(r!, { timing: false, showSecrets: false, style: plain })).toEqual([
      '> 00 B0 00 00 12',
      '< 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '  00 00 90 00 : Success',
    ]);
  });

  it('says what GET RESPONSE and a re-send did', async () => {
    const [r] = await records('00A40000023F00', {
      '00A40000023F00': '6C02',
      '00A40000023F0002': '6101',
      '00C0000001': 'AA9000',
    });
    const lines = renderRecord(r!, { timing: false, showSecrets: false, style: plain });
    expect(lines.at(-1)).toBe('< AA 90 00 : Success (re-sent with Le = 02, 1 GET RESPONSE)');
  });

  it('hides the PIN and adds the time with --timing', async () => {
    const [r] = await records('0020008102 3132', { '00200081023132': '63C1' });
    const lines = renderRecord(r!, { timing: true, showSecrets: false, style: plain });
    expect(lines[0]).toBe('> 00 20 00 81 02 ** **');
    expect(lines[1]).toMatch(/^< 63 C1 : Warning: counter is 1 \(for VERIFY: wrong PIN, 1 try left\) {2}\[\d+ µs\]$/);
    expect(renderRecord(r!, { timing: false, showSecrets: true, style: plain })[0]).toBe('> 00 20 00 81 02 31 32');
    expect(exchangeJson(r!, false)).toMatchObject({ command: '0020008102****', sw: '63C1' });
    expect(exchangeJson(r!, true)).toMatchObject({ command: '00200081023132' });
  });

  it('prints resets, --data-only lines and mismatch messages', async () => {
    const rs = await records('00B0000002=9000', { '00B0000002': 'ABCD6A82' });
    expect(renderDataOnly(rs[0]!)).toBe('ABCD');
    expect(mismatchMessage(rs[0] as never)).toBe(
      'APDU 1 (line 1): status 6A82 (File or application not found), expected 9000',
    );
    const reset = { kind: 'reset', line: 3, atr: h('3B8080010101'), protocol: 'T=1', durationNs: 5_000_000n } as const;
    expect(renderRecord(reset, { timing: false, showSecrets: false, style: plain })).toEqual([
      '> reset',
      '< ATR 3B 80 80 01 01 01 (T=1)',
    ]);
    expect(renderDataOnly(reset)).toBeNull();
  });
});

describe('summaries', () => {
  it('formats durations', () => {
    expect([formatDuration(145_000n), formatDuration(2_500_000), formatDuration(3_210_000_000n)]).toEqual([
      '145 µs',
      '2.50 ms',
      '3.21 s',
    ]);
  });
  it('prints the --repeat summary', () => {
    expect(
      renderRepeat(
        { rounds: 100, apdus: 200, transmissions: 300, durationUs: 30000, perApduUs: 150, apduPerSecond: 6667 },
        plain,
      ),
    ).toBe('200 APDUs in 30.00 ms: 6667 APDU/s, 150 µs per APDU (300 commands with GET RESPONSE and re-sends)');
  });
  it('prints a feature list', () => {
    const lines = renderControl({
      code: '0x42000D48',
      command: '',
      response: '12044233001200',
      durationUs: 10,
      features: [{ tag: 0x12, name: 'GET_TLV_PROPERTIES', controlCode: '0x42330012' }],
      properties: [{ tag: 10, name: 'dwMaxAPDUDataSize', value: 65536 }],
    });
    expect(lines).toEqual([
      '> control 0x42000D48',
      '< 12 04 42 33 00 12 00',
      'PC/SC part 10 features:',
      '  GET_TLV_PROPERTIES         0x42330012',
      'TLV properties:',
      '  dwMaxAPDUDataSize          65536',
    ]);
  });
});

describe('--select and --control arguments', () => {
  it('builds SELECT by AID asking for the FCI, expecting success', () => {
    const s = selectItem('A0:00:00:03:08');
    expect(s.kind === 'apdu' && s.bytes).toEqual(h('00A4040005A00000030800'));
    expect(s.kind === 'apdu' && s.label).toBe('SELECT A000000308 (--select)');
    expect(() => selectItem('')).toThrow(/1 to 16 bytes/);
    expect(() => selectItem('00'.repeat(17))).toThrow(/got 17/);
  });
  it('reads control codes', () => {
    expect(parseControlCode('features')).toBe(0x42000d48);
    expect(parseControlCode('3400')).toBe(0x42000d48);
    expect(parseControlCode('0x42000D48')).toBe(0x42000d48);
    expect(() => parseControlCode('x12')).toThrow(/not a control code/);
  });
});

describe('renderRecord colours', () => {
  const colour = new Chalk({ level: 1 });
  const GREEN = '\u001b[32m';
  const RED = '\u001b[31m';

  it('a status the script did not expect is red, even 9000', async () => {
    const [r] = await records('00B0000000=6A82', { '00B0000000': '9000' });
    expect(r!.kind === 'apdu' && r!.matched).toBe(false);
    const line = renderRecord(r!, { timing: false, showSecrets: false, style: colour }).at(-1)!;
    expect(line).toContain(`${RED}Success`);
    expect(line).not.toContain(GREEN);
  });

  it('an expected 9000 is green, an unexpected-free 6A82 red', async () => {
    const [ok] = await records('00B0000000=9000', { '00B0000000': '9000' });
    expect(renderRecord(ok!, { timing: false, showSecrets: false, style: colour }).at(-1)).toContain(`${GREEN}Success`);
    const [err] = await records('00B0000000', { '00B0000000': '6A82' });
    expect(renderRecord(err!, { timing: false, showSecrets: false, style: colour }).at(-1)).toContain(RED);
  });
});
