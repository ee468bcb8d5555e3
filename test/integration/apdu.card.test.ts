// `pcsc apdu` against the real pcscd + vpcd with the scriptable card.py: 61xx chains (keeping the
// class byte), 6Cxx, extended APDUs, removal in the middle of a script, expected statuses,
// scripts, secrets, and the one-line errors with their exit codes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApduExchangeJson, ApduResult, ExchangeJson } from '../../src/cli/apdu/result.js';
import { Context } from '../../src/core/index.js';
import { startRig, type CardControl, type Rig } from '../rig/rig.js';
import { startCli } from '../helpers/cli.js';
import { pattern, pcsc, pcscJson } from './helpers/apdu-cli.js';

/** One entry of `exchanges` as the JSON carries it: an APDU, or a `reset` line with its ATR. */
type Exchange = Omit<ApduExchangeJson, 'kind'> & { kind: ExchangeJson['kind']; atr?: string };
type Result = Omit<ApduResult, 'exchanges'> & { exchanges: Exchange[] };

let rig: Rig;
let card: CardControl;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  rig = await startRig({ insert: [0] });
  card = rig.card(0);
  env = rig.env();
  dir = mkdtempSync(join(tmpdir(), 'pcsc-apdu-'));
});

afterAll(async () => {
  await rig?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  if (!(await card.status()).inserted) {
    // pcscd polls the reader: it must see the card gone before it can see it come back.
    await card.waitRemoved();
    await card.insert();
  }
  await card.clearRules();
  await card.clearLog();
});

const script = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('T=0 procedure bytes', () => {
  it('follows a 61xx chain with GET RESPONSE, keeping the class byte, and joins the data', async () => {
    const { exitCode, json } = await pcscJson<Result>(['apdu', '80EA012C'], { env });
    expect(exitCode).toBe(0);
    const x = json.exchanges[0] as Exchange;
    expect(x.response).toBe(pattern(300));
    expect(x.sw).toBe('9000');
    expect(x.steps?.map((s) => [s.command, s.reason])).toEqual([
      ['80EA012C', 'command'],
      ['80C0000000', 'get-response'],
      ['80C000002C', 'get-response'],
    ]);
    expect(await card.apdus()).toEqual(['80EA012C', '80C0000000', '80C000002C']);
  });

  it("keeps a SIM card's A0 class in GET RESPONSE", async () => {
    const r = await pcsc(['apdu', 'A0 EA 00 17'], { env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(': Success (1 GET RESPONSE)');
    expect(await card.apdus()).toEqual(['A0EA0017', 'A0C0000017']);
  });

  it('re-sends with Le = SW2 after 6Cxx', async () => {
    const { json } = await pcscJson<Result>(['apdu', '00 EC 20 00 00'], { env });
    expect(json.exchanges[0]).toMatchObject({ response: pattern(32), sw: '9000' });
    expect(await card.apdus()).toEqual(['00EC200000', '00EC200020']);
  });

  it('handles 6Cxx on a scripted rule and a chain from a rule', async () => {
    await card.rule({ match: '00CA0101', wrongLe: 'CAFE', sw: '9000' });
    await card.rule({ match: '00CA0202', chain: 'AABBCCDD', sw: '6282' });
    const { json } = await pcscJson<Result>(['apdu', '00CA010100', '00CA020200'], { env });
    expect(json.exchanges.map((x) => [x.response, x.sw])).toEqual([
      ['CAFE', '9000'],
      ['AABBCCDD', '6282'],
    ]);
  });

  it('--raw sends each APDU once and shows 61xx and 6Cxx as they are', async () => {
    const { json } = await pcscJson<Result>(['apdu', '--raw', '80EA012C', '00EC200000'], { env });
    expect(json.exchanges.map((x) => x.sw)).toEqual(['6100', '6C20']);
    expect(await card.apdus()).toEqual(['80EA012C', '00EC200000']);
  });
});

describe('extended APDUs', () => {
  it('sends case 4E with 300 data bytes and gets them back', async () => {
    const data = pattern(300);
    const { json } = await pcscJson<Result>(['apdu', `00E20000 00012C ${data} 0000`, `00E40000 00012C ${data}`], {
      env,
    });
    expect(json.exchanges[0]).toMatchObject({ response: data, sw: '9000' });
    // E4 answers the length of the C-APDU as the card received it: 4 + 3 + 300 (case 3E).
    expect(json.exchanges[1]?.response).toBe('00000133');
  });

  it('receives a 65,533-byte answer (the most vpcd carries) to a case 2E Le of 65536', async () => {
    const { exitCode, json } = await pcscJson<Result>(['apdu', '00E0FFFD000000'], { env });
    expect(exitCode).toBe(0);
    expect(json.exchanges[0]?.response.length).toBe(65533 * 2);
    expect(json.exchanges[0]?.response.slice(0, 8)).toBe('00010203');
  });

  it('refuses an extended APDU whose Lc does not match, before sending anything', async () => {
    const r = await pcsc(['apdu', '00E20000 000005 0102'], { env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(
      'pcsc: APDU 1: extended Lc is 5 (0x0005) but 2 bytes follow it; expected 5 (no Le) or 7 (with a 2-byte Le)',
    );
    expect(await card.apdus()).toEqual([]);
  });

  it('refuses an APDU longer than 65,544 bytes, naming its line', async () => {
    const f = script('long.apdu', `00E00002\n00D60000 00FFFF ${'AB'.repeat(65535)} 0000 00\n`);
    const r = await pcsc(['apdu', '-f', f], { env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`pcsc: ${f} line 2: too long: 65545 bytes, the longest extended APDU is 65544 bytes`);
    expect(await card.apdus()).toEqual([]);
  });

  it('--no-validate sends the malformed bytes as they are', async () => {
    const r = await pcsc(['apdu', '--no-validate', '00E40000 05 0102'], { env });
    expect(r.exitCode).toBe(0);
    expect(await card.apdus()).toEqual(['00E40000050102']);
  });
});

describe('scripts', () => {
  it("runs scriptor's format: comments, reset, continuation, exit; names lines", async () => {
    const f = script('s1.apdu', '# first\n\n00 E0 00 04\nreset\n00 E2 00 00 \\\n  03 01 02 03\nexit\n00 E0 00 08\n');
    const { exitCode, json } = await pcscJson<Result>(['apdu', '-f', f], { env });
    expect(exitCode).toBe(0);
    expect(json.exchanges.map((x) => [x.kind, x.line])).toEqual([
      ['apdu', 3],
      ['reset', 4],
      ['apdu', 5],
    ]);
    expect(json.exchanges[1]?.atr).toBe(json.atr);
    expect(json.exchanges[2]?.response).toBe('010203');
    const log = await card.log();
    expect(log.filter((e) => 'c' in e).map((e) => ('c' in e ? e.c : ''))).toEqual(['00E00004', '00E2000003010203']);
    expect(log.some((e) => 'ctrl' in e && e.ctrl !== 'on')).toBe(true); // the reset reached the card
  });

  it('reads a script from stdin', async () => {
    const r = await pcsc(['apdu', '--data-only'], { env, input: '00E00003\n00E20000 02 ABCD\n' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('000102\nABCD'); // pcsc() drops the last newline
  });

  it('stops at the first unexpected status, exit 1, naming the APDU', async () => {
    const f = script('s2.apdu', '00E00002 = 9000\n00 B0 00 00 10 = 61XX|9000\n00E00002\n');
    const r = await pcsc(['apdu', '-f', f], { env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'pcsc: APDU 2 (line 2): status 6D00 (Instruction code not supported or invalid), expected 61XX|9000',
    );
    expect(r.stdout).toContain('< 6D 00 : Instruction code not supported or invalid');
    expect(await card.apdus()).toEqual(['00E00002', '00B0000010']);
    const j = await pcscJson<Result>(['apdu', '-f', f], { env });
    expect(j.exitCode).toBe(1);
    expect(j.json.error).toMatchObject({ code: 'ESW', name: 'SW_MISMATCH' });
    expect(j.json.exchanges.map((x) => x.matched)).toEqual([true, false]);
  });

  it('accepts masks: =6XXX matches 6D00', async () => {
    expect((await pcsc(['apdu', '00B00000=6XXX'], { env })).exitCode).toBe(0);
  });

  it('reports a bad script line before sending anything', async () => {
    const f = script('s3.apdu', '00E00002\n00 E0 00 0\n');
    const r = await pcsc(['apdu', '-f', f], { env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      // "00 E0 00 0": the header cannot be read whole, so the message quotes none of it (it might be a VERIFY).
      new RegExp(
        `^pcsc: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 2: odd number of hex digits \\(1\\) in the group at position 10`,
      ),
    );
    expect(await card.apdus()).toEqual([]);
  });

  it('--select sends SELECT by AID first and stops if the card refuses it', async () => {
    const refused = await pcsc(['apdu', '--select', 'A000000308', '00E00002'], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('pcsc: SELECT A000000308 (--select): status 6D00');
    await card.rule({ match: '00A4040005A000000308', reply: '6F038401009000' });
    await card.clearLog();
    const ok = await pcscJson<Result>(['apdu', '--select', 'A000000308', '00E00002'], { env });
    expect(ok.exitCode).toBe(0);
    expect(ok.json.exchanges.map((x) => x.index)).toEqual([0, 1]);
    expect(await card.apdus()).toEqual(['00A4040005A00000030800', '00E00002']);
  });
});

describe('secrets', () => {
  it('masks VERIFY data in the echo and in JSON, but sends it', async () => {
    await card.rule({ match: '00200081', reply: '63C2' });
    const r = await pcsc(['apdu', '00 20 00 81 06 31 32 33 34 35 36'], { env });
    expect(r.stdout).toContain('> 00 20 00 81 06 ** ** ** ** ** **');
    expect(r.stdout).not.toContain('31 32 33');
    expect(r.stdout).toContain('wrong PIN, 2 tries left');
    const j = await pcscJson<Result>(['apdu', '002400810C313233343536313233343537'], { env });
    expect(j.json.exchanges[0]?.command).toBe('002400810C' + '**'.repeat(12));
    expect(await card.apdus()).toEqual(['0020008106313233343536', '002400810C313233343536313233343537']);
    const shown = await pcsc(['apdu', '--show-secrets', '002C0081083132333435363738'], { env });
    expect(shown.stdout).toContain('> 00 2C 00 81 08 31 32 33 34 35 36 37 38');
  });

  it('masks the PIN in the error message when the card goes away during VERIFY', async () => {
    await card.rule({ match: '00200081', remove: true });
    const r = await pcsc(['apdu', '0020008104 31323334'], { env });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('during APDU 1: 00 20 00 81 04 ** ** ** **');
    expect(r.stderr).not.toContain('31 32');
    await card.waitRemoved();
  });
});

describe('secrets in error messages (nothing is sent)', () => {
  const PIN = ['31323334', '31 32 33 34', '3132', '3G'];
  it.each([
    ['odd digits', ['apdu', '002000810631323334353']],
    ['a bad digit', ['apdu', '00 20 00 81 06 31 32 33 34 35 3G']],
    ['two "="', ['apdu', '00 20 00 81 06 31 32 33 34 35 36=9000=6300']],
    ['odd digits, odd INS', ['apdu', '0021008108 5F2E05 313233343']],
  ])('%s: the message quotes no PIN, on stderr or in --json', async (_what, args) => {
    const r = await pcsc(args, { env });
    expect(r.exitCode).toBe(2);
    const j = await pcscJson<{ error: { message: string } }>(args, { env });
    expect(j.exitCode).toBe(2);
    for (const text of [r.stderr, j.json.error.message]) {
      expect(text).toMatch(/^(pcsc: )?APDU 1: /);
      for (const p of PIN) expect(text).not.toContain(p);
    }
    expect(await card.apdus()).toEqual([]);
  });

  it('a script line that is neither hex nor a command: only its first word is quoted', async () => {
    const f = script('bogus.apdu', '00A4040000\nbogus 00 20 00 81 06 31 32 33 34 35 36\n');
    const r = await pcsc(['apdu', '-f', f], { env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`pcsc: ${f} line 2: "bogus" is neither hex nor a command (reset, exit)`);
  });

  it('a 65,544-byte APDU that fails is quoted in a short line', async () => {
    const data = Buffer.alloc(65535, 0xab).toString('hex');
    const f = script('big.apdu', `00 E2 00 00 00 FF FF ${data} 00 00\n`);
    const r = await pcsc(['apdu', '-f', f], { env });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.split('\n').every((l) => l.length < 400)).toBe(true);
    expect(r.stderr).toMatch(/during APDU 1 \(line 1\): 00 E2 00 00 00 FF FF AB AB .*… \(65544 bytes\)/);
  });
});

describe('PIN-carrying commands beyond VERIFY 20, CHANGE REFERENCE DATA 24 and RESET RETRY COUNTER 2C', () => {
  it.each([
    ['VERIFY, odd INS (data objects)', '0021008107 5F2E04 31323334', '00 21 00 81 07 5F 2E 04 ** ** ** **'],
    [
      'CHANGE REFERENCE DATA, odd INS',
      '002500810E 5F2E04 31323334 5F2E04 35363738',
      '00 25 00 81 0E 5F 2E 04 ** ** ** ** 5F 2E 04 ** ** ** **',
    ],
    [
      'RESET RETRY COUNTER, odd INS, nested',
      '002D00810A 7F2E07 5F2E04 31323334',
      '00 2D 00 81 0A 7F 2E 07 5F 2E 04 ** ** ** **',
    ],
    ['DISABLE VERIFICATION REQUIREMENT', '0026008104 31323334', '00 26 00 81 04 ** ** ** **'],
    [
      'ENABLE VERIFICATION REQUIREMENT (GSM class A0)',
      'A028000108 31323334FFFFFFFF',
      'A0 28 00 01 08 ' + '** '.repeat(7) + '**',
    ],
  ])('%s: masked in > lines and --json, sent whole', async (_what, apdu, shown) => {
    const hex = apdu.replace(/ /g, '');
    const r = await pcsc(['apdu', apdu], { env });
    expect(r.stdout.split('\n')[0]).toBe(`> ${shown}`);
    const j = await pcscJson<Result>(['apdu', apdu], { env });
    expect(j.json.exchanges[0]?.command).toBe(shown.replace(/ /g, ''));
    expect(JSON.stringify(j.json)).not.toContain('31323334');
    expect(await card.apdus()).toEqual([hex, hex]);
  });
});

describe('card removed in the middle of a script', () => {
  it('says which APDU, keeps what ran before, exit 4', async () => {
    const f = script('rm.apdu', '00E00002\n# the card leaves while answering this one:\n00 E8 00 00\n00E00002\n');
    const r = await pcsc(['apdu', '-f', f], { env });
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toContain('< 00 01 90 00 : Success');
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^pcsc: Card was removed \(0x80100069\): during APDU 2 \(line 3\): 00 E8 00 00 \((the card answered 0 bytes, without a status word|the exchange failed with 0x[0-9A-F]{8})\)$/,
    );
    expect(lines.filter((l) => l.startsWith('pcsc:'))).toHaveLength(1);
    await card.waitRemoved();
  });

  it('--json keeps the exchanges done and the SCARD error', async () => {
    const { exitCode, json } = await pcscJson<Result>(['apdu', '00E00002', '00E80000', '00E00002'], { env });
    expect(exitCode).toBe(4);
    expect(json.exchanges).toHaveLength(1);
    expect(json.error).toMatchObject({ code: '0x80100069', name: 'SCARD_W_REMOVED_CARD' });
    await card.waitRemoved();
  });

  it('a card already gone is "No card in the reader"', async () => {
    await card.remove();
    const r = await pcsc(['apdu', '00E00002'], { env });
    expect(r.exitCode).toBe(4);
    expect(r.stderr.trim()).toBe(
      'pcsc: No card in the reader (0x8010000C): no reader holds a card (0: Virtual PCD 00 00, 1: Virtual PCD 00 01); insert one, or name the reader to use',
    );
    const named = await pcsc(['apdu', '--reader', '0', '00E00002'], { env });
    expect(named.exitCode).toBe(4);
    expect(named.stderr.trim()).toBe('pcsc: No card in the reader (0x8010000C): connecting to "Virtual PCD 00 00"');
  });
});

describe('reader, sharing, protocol', () => {
  it('an unknown reader is one line, exit 4', async () => {
    const r = await pcsc(['apdu', '--reader', '7', '00E00002'], { env });
    expect(r.exitCode).toBe(4);
    expect(r.stderr.trim()).toBe(
      'pcsc: Unknown reader (0x80100009): no reader number 7 (there are 2 readers: 0: Virtual PCD 00 00, 1: Virtual PCD 00 01)',
    );
  });

  it('a sharing violation is exit 4 with what to do', async () => {
    await using ctx = await Context.establish({ socket: rig.socket });
    await using held = await ctx.connect(rig.readers[0] as string, { share: 'exclusive' });
    expect(held.share).toBe('exclusive');
    const r = await pcsc(['apdu', '00E00002'], { env });
    expect(r.exitCode).toBe(4);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      'Using reader with a card: Virtual PCD 00 00',
      'pcsc: Sharing violation: the card or reader is in use (0x8010000B): connecting to "Virtual PCD 00 00"',
    ]);
  });

  it('no pcscd is exit 3', async () => {
    const r = await pcsc(['apdu', '--socket', join(dir, 'nothing.comm'), '00E00002'], { env });
    expect(r.exitCode).toBe(3);
    expect(r.stderr.split('\n')[0]).toMatch(/^pcsc: PC\/SC service \(pcscd\) not running \(0x8010001D\)/);
  });

  it('connects with the protocol and share mode asked for', async () => {
    // A fresh card: one that an earlier test connected (T=1) may still be powered in that protocol,
    // depending on how soon this test runs.
    await card.remove();
    await card.insert();
    const t0 = await pcscJson<Result>(['apdu', '-p', 'T=0', '--share', 'exclusive', '--no-transaction', '00E00002'], {
      env,
    });
    expect(t0.json).toMatchObject({
      protocol: 'T=0',
      share: 'exclusive',
      reader: 'Virtual PCD 00 00',
      atr: '3B80800101',
    });
    // A powered card keeps its protocol until it is reset: T=1 on a fresh card in the other slot.
    await rig.card(1).insert();
    try {
      const t1 = await pcscJson<Result>(['apdu', '--reader', '1', '-p', 'T=1', '00E00002'], { env });
      expect(t1.json).toMatchObject({ protocol: 'T=1', reader: 'Virtual PCD 00 01' });
    } finally {
      await rig.card(1).remove();
    }
  });

  it("--control on vpcd: Debian's driver supports no control code, one line, exit 4", async () => {
    const r = await pcsc(['apdu', '--control', 'features'], { env });
    expect(r.exitCode).toBe(4);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'pcsc: Not supported by the reader or driver (0x8010001F): control 0x42000D48',
    );
  });
});

describe('one transaction for the whole script', () => {
  /**
   * Runs a script whose second APDU makes card.py wait 1.5 s; while it waits, another client sends
   * 00E00001 on a shared handle. Returns the order in which the card saw the APDUs.
   *
   * With `--no-transaction` the other client also takes a transaction of its own while the slow APDU
   * runs (which pcscd grants: the script holds none), so the script's next APDU must wait until the
   * other one is done: the order does not hang on which process pcscd happens to serve first.
   */
  async function interleave(extra: string[], otherTakesTransaction = false): Promise<string[]> {
    const f = script(`tx${extra.length}.apdu`, '00E00002\n00E605DC\n00E00003\n');
    await using ctx = await Context.establish({ socket: rig.socket });
    await using other = await ctx.connect(rig.readers[0] as string, { share: 'shared' });
    await card.clearLog();
    const child = startCli(['apdu', '-f', f, ...extra], { ...env, NO_COLOR: '1' });
    try {
      for (let i = 0; i < 200 && !(await card.apdus()).includes('00E605DC'); i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(await card.apdus()).toContain('00E605DC');
      // The core, like libpcsclite, retries while another handle holds the transaction.
      const send = async (): Promise<string> =>
        (await other.transmit(Buffer.from('00E00001', 'hex'))).toString('hex').toUpperCase();
      const answer = otherTakesTransaction ? await other.transaction(send) : await send();
      expect(answer).toBe('009000');
      expect(await child.exited).toBe(0);
    } finally {
      await child.stop(2000);
    }
    return card.apdus();
  }

  it("no other program's APDU lands between two of the script's", async () => {
    expect(await interleave([])).toEqual(['00E00002', '00E605DC', '00E00003', '00E00001']);
  });

  it("--no-transaction: the other program's APDU goes in between (what the transaction prevents)", async () => {
    expect(await interleave(['--no-transaction'], true)).toEqual(['00E00002', '00E605DC', '00E00001', '00E00003']);
  });
});

describe('Ctrl-C', () => {
  it('ends a wait on a slow card with exit 130, before the card answers', async () => {
    const child = startCli(['apdu', '00E61F40'], { ...env, NO_COLOR: '1' });
    // Interrupt once the card has the command (bounded: SIGKILL 5 s after the SIGINT).
    for (let i = 0; i < 200 && !(await card.apdus()).includes('00E61F40'); i++)
      await new Promise((r) => setTimeout(r, 50));
    await child.stop(5000, 'SIGINT');
    expect(await child.exited).toBe(130);
    expect(child.lines.join('\n')).not.toContain('90 00'); // the card answers only after 8 s
    await card.remove(); // stops the slow answer, so pcscd is free for the next test
  });
});

describe('the reader of the output going away (`pcsc apdu … | head -1`)', () => {
  it('stops sending APDUs and exits 0, as scan and spy do', async () => {
    const f = script('many.apdu', '00E2000001AA\n'.repeat(3000));
    const child = startCli(['apdu', '-f', f], { ...env, NO_COLOR: '1' });
    try {
      await child.waitLine(/^> 00 E2 00 00 01 AA$/, 0, 10_000, 'the first exchange');
      child.child.stdout?.destroy();
      expect(await child.exited).toBe(0);
    } finally {
      await child.stop(2000);
    }
    const sent = (await card.apdus()).length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(3000);
  });
});

describe('output modes', () => {
  it('keeps the order of the arguments, repeated ones included', async () => {
    const r = await pcsc(['apdu', '--data-only', '00E00002', '00E00003', '00E00002'], { env });
    expect(r.stdout.split('\n')).toEqual(['0001', '000102', '0001']);
  });

  it('--timing adds the time of each exchange', async () => {
    const r = await pcsc(['apdu', '--timing', '00E00002'], { env });
    expect(r.stdout).toMatch(/^< 00 01 90 00 : Success {2}\[\d+(\.\d+)? (µs|ms)\]$/m);
  });

  it('--repeat counts APDUs and the GET RESPONSEs they took', async () => {
    const { exitCode, json } = await pcscJson<Result>(['apdu', '--repeat', '50', '80EA0020', '00E00002'], { env });
    expect(exitCode).toBe(0);
    expect(json.repeat).toMatchObject({ rounds: 50, apdus: 100, transmissions: 150 });
    expect(json.repeat?.apduPerSecond).toBeGreaterThan(0);
    expect(json.exchanges).toHaveLength(2);
    expect((await card.apdus()).length).toBe(150);
  });

  it('--repeat stops at a mismatch and names the round', async () => {
    await card.rule({ match: '00E00002', reply: '6A82', once: true });
    const m = await pcsc(['apdu', '--repeat', '5', '00E00003=9000', '00E00002=9000'], { env });
    expect(m.exitCode).toBe(1);
    expect(m.stderr.trim().split('\n')).toEqual([
      'Using reader with a card: Virtual PCD 00 00',
      'pcsc: APDU 2: status 6A82 (File or application not found), expected 9000, in round 1 of 5',
    ]);
    expect(m.stdout).toContain('> 00 E0 00 02\n< 6A 82 : File or application not found');
  });
});
