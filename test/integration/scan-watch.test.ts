// `pcsc scan` on the real rig (Debian's pcscd, the vpcd reader, card.py cards): watch mode in
// human and NDJSON form, -c, -n, -d, -s, --reader, --wait-card, --count, -t, Ctrl-C.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { cleanEnv, hasStackTrace, pcsc, pcscOnTty, requireBuild, ROOT } from '../helpers/cli.js';
import { startPcsc, stopAll } from '../helpers/scan-process.js';

/** vsmartcard's ATR: in Debian's smartcard_list.txt, so it has names. */
const ATR = '3B951381018073FF01000B';
const ATR_SPACED = '3B 95 13 81 01 80 73 FF 01 00 0B';
const NAME = 'vsmartcard - iso7816 (Other)';
const R0 = 'Virtual PCD 00 00';
const R1 = 'Virtual PCD 00 01';

let rig: Rig;
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  requireBuild();
  rig = await startRig({ insert: [], atr: ATR });
  home = await mkdtemp(join(tmpdir(), 'pcsc-scan-home-'));
  env = cleanEnv(home, { PCSCLITE_CSOCK_NAME: rig.socket });
}, 60_000);

afterEach(async () => {
  await stopAll();
  for (const slot of [0, 1] as const) if ((await rig.card(slot).status()).inserted) await rig.card(slot).remove();
});

afterAll(async () => {
  await stopAll();
  await rig?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('watch mode, --json (NDJSON)', () => {
  it('started, status of each reader, insertion with ATR and names, removal; Ctrl-C exits 130', async () => {
    const scan = startPcsc(['scan', '--json'], env);
    const started = await scan.waitEvent((e) => e.event === 'started');
    expect(started).toMatchObject({
      pnp: true,
      readers: [R0, R1],
      daemon: { backend: 'pcscd', protocol: '4:4', socket: rig.socket },
    });
    const s0 = await scan.waitEvent((e) => e.event === 'status' && e.reader === R0);
    await scan.waitEvent((e) => e.event === 'status' && e.reader === R1);
    expect(s0).toMatchObject({ index: 0, card: 'absent', state: ['EMPTY'] });
    await rig.card(0).insert();
    const ins = await scan.waitEvent((e) => e.event === 'card-inserted');
    expect(ins).toMatchObject({
      reader: R0,
      index: 0,
      card: 'present',
      atr: ATR,
      eventNumber: (s0.eventNumber as number) + 1,
    });
    expect(ins.names).toEqual([expect.objectContaining({ names: [NAME] })]);
    expect(Date.parse(ins.time as string)).not.toBeNaN();
    await rig.card(0).remove();
    const rm0 = await scan.waitEvent((e) => e.event === 'card-removed');
    expect(rm0).toMatchObject({ reader: R0, card: 'absent', eventNumber: (s0.eventNumber as number) + 2 });
    expect(rm0).not.toHaveProperty('atr');
    expect(await scan.stop()).toBe(130);
    // Every line is one JSON object; nothing else on stdout, nothing on stderr.
    for (const l of scan.lines.filter(Boolean)) expect(() => JSON.parse(l)).not.toThrow();
    expect(scan.events().map((e) => e.event ?? Object.keys(e)[0])).toEqual([
      'started',
      'status',
      'status',
      'card-inserted',
      'card-removed',
    ]);
    expect(scan.stderr()).toBe('');
  });

  it('--count stops after N changes (exit 0); -t stops after N seconds (exit 0)', async () => {
    const scan = startPcsc(['scan', '--json', '--count', '2', '-n'], env);
    await scan.waitEvent((e) => e.event === 'status' && e.reader === R1);
    await rig.card(1).insert();
    await rig.card(1).remove();
    expect(await scan.exited).toBe(0);
    expect(scan.events().map((e) => e.event)).toEqual(['started', 'status', 'status', 'card-inserted', 'card-removed']);
    expect(scan.events()[3]).not.toHaveProperty('names');
    const timed = await pcsc(['scan', '-t', '1', '-n'], { env });
    expect(timed.code).toBe(0);
    expect(timed.stdout).toContain(` Reader 0: ${R0}`);
  });

  it('-t 0 is no limit, as in pcsc_scan (its maxtime 0 disables the check)', async () => {
    const scan = startPcsc(['scan', '--json', '-n', '-t', '0'], env);
    await scan.waitEvent((e) => e.event === 'status' && e.reader === R1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(scan.child.exitCode).toBeNull();
    await rig.card(0).insert();
    expect(await scan.waitEvent((e) => e.event === 'card-inserted')).toMatchObject({ reader: R0 });
    expect(await scan.stop()).toBe(130);
  });

  it("-t beyond setTimeout's longest delay (2^31 - 1 ms, 24.8 days) is a limit not yet reached, not one reached at once", async () => {
    // 3,000,000 s: Node warned (TimeoutOverflowWarning), fired the timer after 1 ms, and the watch
    // ended at once, interrupted (exit 130); the same for --wait-card.
    const scan = startPcsc(['scan', '--json', '-n', '-t', '3000000', '--count', '1'], env);
    await scan.waitEvent((e) => e.event === 'status' && e.reader === R1);
    await rig.card(1).insert();
    expect(await scan.exited).toBe(0);
    expect(scan.events().map((e) => e.event)).toEqual(['started', 'status', 'status', 'card-inserted']);
    expect(scan.stderr()).toBe('');
    await rig.card(1).remove();
    const wait = startPcsc(['scan', '--wait-card', '--reader', '1', '-t', '99999999999999999999'], env);
    await rig.card(1).insert();
    expect(await wait.exited).toBe(0);
    expect(wait.lines).toEqual([ATR_SPACED]);
    expect(wait.stderr()).toBe('');
  });

  it('--reader watches only that reader', async () => {
    const scan = startPcsc(['scan', '--json', '--reader', '1', '-n'], env);
    await scan.waitEvent((e) => e.event === 'status');
    await rig.card(0).insert();
    await rig.card(1).insert();
    const ins = await scan.waitEvent((e) => e.event === 'card-inserted');
    expect(ins.reader).toBe(R1);
    await scan.stop();
    expect(
      scan
        .events()
        .filter((e) => 'reader' in e)
        .map((e) => e.reader),
    ).toEqual([R1, R1]);
  });

  it('stops (exit 0) when the reader of its output goes away, as `| head -1` does', async () => {
    const scan = startPcsc(['scan', '--json', '-n'], env);
    await scan.waitEvent((e) => e.event === 'started');
    scan.child.stdout?.destroy();
    await rig.card(0).insert();
    expect(await scan.exited).toBe(0);
    expect(scan.stderr()).toBe('');
  });

  it('-d adds each transition with every flag and the event number', async () => {
    const scan = startPcsc(['scan', '--json', '-d', '-n', '--reader', '0'], env);
    await scan.waitEvent((e) => e.event === 'status');
    await rig.card(0).insert();
    const t = await scan.waitEvent((e) => e.event === 'transition' && (e.set as string[]).includes('PRESENT'));
    expect(t).toMatchObject({
      reader: R0,
      from: expect.stringMatching(/^0x0010$/),
      set: ['CHANGED', 'PRESENT'],
      cleared: ['EMPTY'],
    });
    expect(t.to).toBe('0x0022');
  });
});

describe('watch mode, human output', () => {
  it("pcsc_scan's layout, plain when piped", async () => {
    const scan = startPcsc(['scan'], env);
    await scan.waitLine(/^ Reader 1: /);
    await rig.card(0).insert();
    await scan.waitLine(/^ {2}Possibly identified card:$/);
    await rig.card(0).remove();
    await scan.waitLine((l) => l === '  Card state: Card removed', {
      from: scan.lines.indexOf('  Possibly identified card:'),
    });
    await scan.stop();
    const out = scan.lines.join('\n');
    expect(out).toMatch(
      /^Using reader plug'n play mechanism\nScanning present readers\.\.\.\n0: Virtual PCD 00 00\n1: Virtual PCD 00 01\n/,
    );
    expect(out).toMatch(
      /\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\n Reader 0: Virtual PCD 00 00\n {2}Event number: \d+\n {2}Card state: Card inserted\n {2}ATR: 3B 95 13 81 01 80 73 FF 01 00 0B\n/,
    );
    expect(out).toMatch(/ {4}TA1 +13 +Fi=372, Di=4/);
    expect(out).toContain(`    ${NAME}`);
    expect(out).not.toContain('\u001b');
    expect(scan.stderr()).toBe('');
  });

  it("the README's `pcsc scan -n` block is what scan -n prints: its lines in order, no card names", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /^\$ pcsc scan -n\n([\s\S]*?)\n\$ /m.exec(readme)?.[1] ?? '';
    const shown = block.split('\n').filter((l) => l !== '…');
    expect(shown.length, 'README.md: the `$ pcsc scan -n` block').toBeGreaterThan(5);
    const scan = startPcsc(['scan', '-n'], env);
    await scan.waitLine(/^ Reader 1: /);
    await rig.card(0).insert();
    await scan.waitLine(/^ {2}ATR: /); // -n: the ATR is the insertion's last line
    await scan.stop();
    // The README's lines, in its order, with the timestamp and event number as the run's.
    let at = 0;
    for (const line of shown) {
      const re = new RegExp(
        `^${line
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\\\.\d{3}/, '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}')
          .replace(/Event number: \d+/, 'Event number: \\d+')}$`,
      );
      const i = scan.lines.findIndex((l, j) => j >= at && re.test(l));
      expect(i, `README.md's pcsc scan -n line "${line}" in:\n${scan.lines.join('\n')}`).toBeGreaterThanOrEqual(0);
      at = i + 1;
    }
    expect(block).not.toMatch(/Possibly identified|vsmartcard/);
    expect(scan.lines.join('\n')).not.toMatch(/Possibly identified|vsmartcard/);
  });

  it('on a terminal: colours and a spinner while waiting; NO_COLOR: no colours', async () => {
    const tty = await pcscOnTty(['scan', '-n', '-t', '2'], { env: { ...env, NO_COLOR: '' } });
    expect(tty.code).toBe(0);
    expect(tty.out).toContain(`\u001b[34m${R0}\u001b[39m`);
    expect(tty.out).toMatch(/Waiting for a card or reader event \(Ctrl-C to quit\)/);
    const plain = await pcscOnTty(['scan', '-n', '-t', '2'], { env: { ...env, NO_COLOR: '1' } });
    expect(plain.code).toBe(0);
    expect(plain.out).toContain(`0: ${R0}`);
    expect(plain.out).toMatch(/Waiting for a card or reader event/);
    expect(plain.out).not.toContain('\u001b[3'); // no colour codes (30–39); cursor moves stay
  });

  it('-s stresses the card: rounds of 100 SELECT MF, then stops when it leaves', async () => {
    const scan = startPcsc(['scan', '-s', '-n', '--reader', '0'], env);
    await scan.waitLine(/^ {2}Card state: Card removed$/);
    await rig.card(0).clearLog();
    await rig.card(0).insert();
    await scan.waitLine(/^Stress card in reader Virtual PCD 00 00: 100 APDUs in \d+ µs, [\d.]+ APDU\/s$/, {
      timeoutMs: 20_000,
    });
    const apdus = await rig.card(0).apdus();
    expect(apdus.length).toBeGreaterThanOrEqual(100);
    expect(new Set(apdus)).toEqual(new Set(['00A40000023F00']));
    await rig.card(0).remove();
    await scan.waitLine(/^Stress card in reader Virtual PCD 00 00: stopped after \d+ APDUs?: /);
    await scan.waitLine(/^ {2}Card state: Card removed$/, {
      from: scan.lines.findIndex((l) => l.includes('stopped after')),
    });
  });
});

describe('-c and --wait-card', () => {
  it('-c lists every reader once with card state, ATR and names', async () => {
    await rig.card(1).insert();
    const r = await pcsc(['scan', '-c'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^ Reader 0: Virtual PCD 00 00\n {2}Event number: \d+\n {2}Card state: Card removed\n Reader 1: Virtual PCD 00 01\n {2}Event number: \d+\n {2}Card state: Card inserted\n {2}ATR: 3B 95 13 81 01 80 73 FF 01 00 0B\n {2}Possibly identified card:\n/,
    );
    const j = JSON.parse((await pcsc(['scan', '-c', '--json'], { env })).stdout);
    expect(j.readers).toEqual([
      { name: R0, index: 0, eventNumber: expect.any(Number), card: 'absent', state: ['EMPTY'] },
      {
        name: R1,
        index: 1,
        eventNumber: expect.any(Number),
        card: 'present',
        state: ['PRESENT'],
        atr: ATR,
        names: [expect.objectContaining({ names: [NAME] })],
      },
    ]);
    expect(j.daemon).toEqual({ protocol: '4:4', socket: rig.socket });
    const one = JSON.parse((await pcsc(['scan', '-c', '--json', '--reader', 'pcd 00 01', '-n'], { env })).stdout);
    expect(one.readers).toEqual([
      { name: R1, index: 1, eventNumber: expect.any(Number), card: 'present', state: ['PRESENT'], atr: ATR },
    ]);
  });

  it('--wait-card blocks until a card is in, prints its ATR, exits 0', async () => {
    const wait = startPcsc(['scan', '--wait-card'], env);
    await new Promise((r) => setTimeout(r, 1500));
    expect(wait.child.exitCode).toBeNull();
    await rig.card(0).insert();
    expect(await wait.exited).toBe(0);
    expect(wait.lines.filter(Boolean)).toEqual([ATR_SPACED]);
    const j = await pcsc(['scan', '--wait-card', '--json'], { env });
    expect(JSON.parse(j.stdout)).toMatchObject({
      reader: R0,
      index: 0,
      atr: ATR,
      names: [expect.objectContaining({ names: [NAME] })],
    });
  });

  it('--wait-card -t gives up with exit 5; --reader waits for that reader', async () => {
    await rig.card(0).insert();
    const r = await pcsc(['scan', '--wait-card', '-t', '1', '--reader', '1'], { env });
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('pcsc: Timed out (0x8010000A): no card within 1 s\n');
    expect(r.stdout).toBe('');
  });
});

describe('errors', () => {
  it('no pcscd at start: exit 3 with a hint; unknown reader: exit 4; --backend usb does not use pcscd', async () => {
    const none = await pcsc(['scan', '--socket', join(home, 'nothing.sock')], { env });
    expect(none.code).toBe(3);
    // The hint is about the --socket that failed, not the system's pcscd.
    expect(none.stderr).toMatch(
      /^pcsc: PC\/SC service \(pcscd\) not running .*\npcsc: Nothing serves --socket \S+nothing\.sock[;,] /,
    );
    const unknown = await pcsc(['scan', '--reader', 'yubikey', '-t', '1'], { env });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/no reader matches "yubikey"/);
    // The USB backend lists this machine's CCID readers (none where there is no USB bus): never pcscd's.
    const usb = await pcsc(['scan', '--backend', 'usb', '-r'], { env });
    expect(usb.code).toBe(0);
    expect(usb.stdout).not.toMatch(/Virtual PCD/);
    expect(usb.stdout).toMatch(/^(No reader found\.|(\d+: .+\n?)+)\n?$/);
    const both = await pcsc(['scan', '-c', '--wait-card'], { env });
    expect(both.code).toBe(2);
    expect(hasStackTrace(none.stderr + unknown.stderr + usb.stderr + both.stderr)).toBe(false);
  });

  it('Ctrl-C while waiting cancels the wait and exits 130', async () => {
    const scan = startPcsc(['scan', '-n'], env);
    await scan.waitLine(/^ Reader 1: /);
    scan.signal('SIGINT');
    expect(await scan.exited).toBe(130);
    expect(scan.stderr()).toBe('');
    // With --json a stop by a signal is a normal stop: the stream ends, no error object on stdout.
    // The exit code is the CLI's own (the process exited, no signal killed it).
    for (const [sig, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const j = startPcsc(['scan', '-n', '--json'], env);
      await j.waitEvent((e) => e.event === 'status' && e.reader === R1);
      j.signal(sig);
      expect(await j.exited, sig).toBe(code);
      expect(j.child.signalCode, sig).toBeNull();
      expect(j.events().filter((e) => 'error' in e)).toEqual([]);
      expect(j.events().at(-1)).toMatchObject({ event: 'status', reader: R1 });
      expect(j.stderr()).toBe('');
    }
  });

  it("a card already in at start: status, then card-inserted (initial), so the README's jq headline prints it", async () => {
    await rig.card(1).insert();
    const scan = startPcsc(['scan', '--json'], env);
    const ins = await scan.waitEvent((e) => e.event === 'card-inserted');
    expect(ins).toMatchObject({ reader: R1, index: 1, card: 'present', atr: ATR, initial: true });
    // names: the ATR list's {pattern, names, urls} groups, as `pcsc atr --json` gives its matches.
    expect(ins.names).toEqual([
      { pattern: ATR_SPACED, names: [NAME], urls: ['https://frankmorgner.github.io/vsmartcard/'] },
    ]);
    expect(scan.events().map((e) => `${e.event as string} ${(e.reader as string | undefined) ?? ''}`)).toEqual([
      'started ',
      `status ${R0}`,
      `status ${R1}`,
      `card-inserted ${R1}`,
    ]);
    expect(await scan.stop()).toBe(130);
    // Text: one block for that reader, saying "Card inserted".
    const text = await pcsc(['scan', '-n', '-t', '1'], { env });
    expect(text.stdout.match(/ Reader 1: /g)).toHaveLength(1);
    expect(text.stdout).toMatch(/ Reader 1: Virtual PCD 00 01\n {2}Event number: \d+\n {2}Card state: Card inserted/);
    // --count counts changes: the card already in is none.
    const counted = startPcsc(['scan', '--json', '-n', '--count', '1'], env);
    await counted.waitEvent((e) => e.event === 'card-inserted' && e.initial === true);
    await rig.card(0).insert();
    expect(await counted.exited).toBe(0);
    expect(counted.events().at(-1)).toMatchObject({ event: 'card-inserted', reader: R0 });
    expect(counted.events().at(-1)).not.toHaveProperty('initial');
  });
});
