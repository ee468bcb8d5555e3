// The fast path (src/cli/fast.ts) runs command lines of scan (-r, -c, --wait-card, watch mode),
// apdu, atr, --version, doctor, clients, completion, udev-check and ssh-check that oclif would parse
// without error (flags, options with values, words) without loading oclif. It must be invisible but
// for speed: each command line here prints the same bytes and exits the same as oclif's path
// (forced by a PCSC_* variable, which oclif reads), on the real pcscd; and each one did take the
// fast path (dist/bundle/oclif.cjs never loaded), while a command line with a parse error, help, an
// unknown flag or a flag only oclif reads goes to oclif.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import nodeModule from 'node:module';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, cliEnv, pcsc, pcscOnTty, pcscTtySession, requireBuild, ROOT } from '../helpers/cli.js';
import { startRig, type Rig } from '../rig/rig.js';
import { DOCTOR_CHECKS } from '../../src/core/doctor/checks/index.js';
import { UDEV_CHECKS } from '../../src/core/doctor/checks/udev-checks.js';

const NODE_CACHES = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const TRACE = join(import.meta.dirname, '..', 'helpers', 'module-trace.mjs');
const PROBE = join(import.meta.dirname, '..', 'helpers', 'source-map-probe.mjs');
const ATR = '3B8F8001804F0CA000000306030001000000006A';

let rig: Rig | undefined;
let dir = '';

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'pcsc-fast-'));
  rig = await startRig({ insert: [0] });
});
afterAll(async () => {
  await rig?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let n = 0;
let lastTrace = '';
/** Runs pcsc; `oclif`: whether it loaded oclif's entry (dist/bundle/oclif.cjs). */
async function traced(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; oclif: boolean }> {
  const trace = join(dir, `trace-${n++}`);
  lastTrace = trace;
  const r = await pcsc(args, { env: { ...env, MODULE_TRACE: trace }, node: ['--import', TRACE] });
  let loaded = '';
  try {
    loaded = readFileSync(trace, 'utf8');
  } catch {
    // nothing loaded as a module: cannot be, bin/run.js is one
  }
  expect(loaded).toMatch(/\/bin\/run\.js$/m);
  return { ...r, oclif: /\/dist\/bundle\/oclif\.cjs$/m.test(loaded) };
}

/**
 * What may differ between two runs: measured durations (`durationUs`) and times (`time`) in the
 * JSON (pretty or one line), and watch mode's local time lines.
 */
const steady = (r: { code: number | null; stdout: string; stderr: string }): object => ({
  code: r.code,
  stdout: r.stdout
    .replace(/("durationUs": ?)\d+/g, '$10')
    .replace(/("time": ?)"[^"]*"/g, '$1"T"')
    .replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/gm, 'T'),
  stderr: r.stderr,
});

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...cleanEnv(dir, { PCSCLITE_CSOCK_NAME: rig!.socket }),
  ...extra,
});

describe('the fast path prints and exits as oclif does', () => {
  it.each([
    [['scan', '-r']],
    [['scan', '--readers', '--json']],
    [['apdu', '0084000008']],
    [['apdu', '00A4040000', '0084000008', '--json']],
    [['apdu', '--raw', '--no-transaction', '00 84 00 00 08']],
    [['atr', ATR]],
    [
      [
        'atr',
        '3B',
        '8F',
        '80',
        '01',
        '80',
        '4F',
        '0C',
        'A0',
        '00',
        '00',
        '03',
        '06',
        '03',
        '00',
        '01',
        '00',
        '00',
        '00',
        '00',
        '6A',
      ],
    ],
    [['atr', ATR, '--json']],
    [['atr', '3B0011']], // not ISO 7816-3: exit 1
    [['atr', 'ZZ']], // bad hex: usage error, exit 2
    [['atr']], // no ATR: usage error
    [['--version']],
    [['version', '--json']],
    [['--version', '--verbose']],
    [['doctor', 'pcscd.socket']],
    [['doctor', 'pcscd.socket', '--json']],
    [['doctor', 'nosuch.check']], // unknown check id: usage error
    [['doctor', 'pcscd.socket', 'pcscd.socket']], // oclif's argv: repeated words reordered
    // Options with values: every form oclif reads.
    [['apdu', '--reader', '0', '0084000008']],
    [['apdu', '--reader', 'Virtual PCD 00 00', '00A4040000']],
    [['apdu', '--reader=Virtual PCD 00 01', '0084000008']], // no card there: the same failure
    [['apdu', '--reader=virtual', '0084000008']], // names both readers: the same usage error
    [['apdu', '--reader', '7', '0084000008']], // no such reader
    [['apdu', '0084000008', '--reader', '0', '--json']],
    [['apdu', '-p', 'T=1', '0084000008']],
    [['apdu', '-pT=1', '0084000008']],
    [['apdu', '-p=any', '--share', 'exclusive', '--backend', 'pcscd', '0084000008']],
    [['apdu', '--select', 'A000000308', '--no-validate', '00CB3FFF']],
    [['scan', '-r', '--backend', 'pcscd']],
    [['scan', '-r', '--backend=pcscd', '--json']],
    [['scan', '-rn', '--reader', '1']],
    [['scan', '-r', '-t', '5']], // an integer flag (-t is --wait-card's and watch mode's: -r ignores it)
    // -c: a card in reader 0, none in reader 1.
    [['scan', '-c']],
    [['scan', '--cards', '--json']],
    [['scan', '-cn']],
    [['scan', '-c', '-n', '--json']],
    [['scan', '-c', '--reader', '1']], // no card
    [['scan', '-c', '--reader=Virtual PCD 00 00', '--json']],
    [['scan', '-c', '--reader', 'virtual']], // names both readers: the same usage error
    [['scan', '-c', '--reader', '7', '--json']], // no such reader
    [['scan', '-c', '--backend', 'pcscd', '-t', '5', '--count=2']], // -c ignores -t and --count
    [['scan', '-c', '--socket', '/nonexistent/pcscd.comm']], // nothing listens: exit 3
    [['scan', '-c', '--socket', '/nonexistent/pcscd.comm', '--json']],
    // --wait-card: the card in reader 0 at once; none in reader 1 (-t: exit 5).
    [['scan', '--wait-card']],
    [['scan', '--wait-card', '--json']],
    [['scan', '--wait-card', '-n', '--json']],
    [['scan', '--wait-card', '--reader', '0', '-t', '30']],
    [['scan', '--wait-card', '--reader', '1', '-t', '1']],
    [['scan', '--wait-card', '--reader', '1', '--time=1', '--json']],
    [['scan', '--wait-card', '--reader', '7']],
    [['scan', '--wait-card', '--socket', '/nonexistent/pcscd.comm']],
    [['scan', '--wait-card', '--socket', '/nonexistent/pcscd.comm', '--json']],
    // Watch mode, for a second (-t): the readers' status, with the analysis and names, or without (-n).
    [['scan', '-t', '1']],
    [['scan', '-t', '1', '--json']],
    [['scan', '-n', '-t', '1', '--reader', '1']],
    [['scan', '-d', '--time=1', '--json']], // state transitions, USB paths
    [['scan', '-p', '-t', '1', '--count', '1']],
    [['scan', '--socket', '/nonexistent/pcscd.comm']],
    [['scan', '--socket', '/nonexistent/pcscd.comm', '--json']], // the failure on one line (NDJSON)
    [['atr', '--reader', '0']], // stdin is /dev/null: read, and empty
    [['atr', ATR, '--list', '/nonexistent/smartcard_list.txt']],
    [['doctor', '--category', 'pcscd']],
    [['doctor', '--category', 'pcscd', 'udev', '--json']], // a multiple flag takes the words after it
    [['doctor', '--category=pcscd', 'pcscd.socket']],
    [['version', '--verbose', '--socket', '/nonexistent/pcscd.comm']],
    [['clients']],
    [['clients', '--json']],
    [['clients', '--socket', '/nonexistent/pcscd.comm']], // nothing listens: exit 3
    [['udev-check']],
    [['udev-check', '--json']],
    [['udev-check', '--socket', '/nonexistent/pcscd.comm']], // -v would print durations
    [['udev-check', '--print-rule']],
    [['udev-check', '--print-rule', '--json']],
    [['udev-check', '--write', '/nonexistent/x.rules']], // not in a rules directory: usage error, exit 2
    [['udev-check', '--write=/nonexistent/x.txt', '--force', '--json']], // not *.rules: the JSON error
    // No SSH_AUTH_SOCK here: judged against the agent's built-in list.
    [['ssh-check', process.execPath]], // an executable, no PKCS#11 library: exit 1
    [['ssh-check', process.execPath, '--json']],
    [['ssh-check', '-P', '/opt/*', '/nonexistent/p11.so']],
    [['ssh-check', '--allowed-providers=/usr/lib*/*', 'relative/p11.so', '--json']],
    [['ssh-check', ' ']], // no provider: usage error, exit 2
    [['ssh-check', '', '--json']],
  ])('pcsc %j', async (args) => {
    const [fast, slow] = await Promise.all([traced(args, env()), traced(args, env({ PCSC_OCLIF: '1' }))]);
    expect(slow.oclif).toBe(true);
    expect(fast.oclif).toBe(false);
    expect(steady(fast)).toEqual(steady(slow));
  });

  it('without pcscd: the same failure, hint and exit code (scan -r, -c, --wait-card, apdu, --json too)', async () => {
    const gone = { PCSCLITE_CSOCK_NAME: join(dir, 'no-pcscd.comm') };
    for (const args of [
      ['scan', '-r'],
      ['scan', '-r', '--json'],
      ['scan', '-c'],
      ['scan', '-c', '--json'],
      ['scan', '--wait-card'],
      ['scan', '--wait-card', '--json'],
      ['scan', '--json'],
      ['apdu', '0084000008'],
    ]) {
      const [fast, slow] = await Promise.all([
        traced(args, env(gone)),
        traced(args, env({ ...gone, PCSC_OCLIF: '1' })),
      ]);
      expect(fast.oclif).toBe(false);
      expect(fast.code).toBe(3);
      expect(steady(fast)).toEqual(steady(slow));
    }
  });
});

describe('on a terminal', () => {
  // Colour on a terminal (chalk, dist/bundle/fast-colour.cjs), none with NO_COLOR: the same bytes both ways.
  it.each([
    ['colour', ['scan', '-c']],
    ['NO_COLOR', ['scan', '-c']],
    ['colour', ['scan', '-c', '-n', '--reader', '1']],
  ])('%s: pcsc %j draws the same both ways', async (mode, args) => {
    const { NO_COLOR: _, ...coloured } = env();
    const base = mode === 'colour' ? coloured : env();
    const [fast, slow] = await Promise.all([
      pcscOnTty(args, { env: base }),
      pcscOnTty(args, { env: { ...base, PCSC_OCLIF: '1' } }),
    ]);
    expect(fast.code, fast.out).toBe(0);
    expect(fast.out).toContain('Reader ');
    // Magenta reader names, or none at all.
    expect(fast.out.includes('\x1b[35m')).toBe(mode === 'colour');
    expect(fast).toEqual(slow);
  });
});

describe('watch mode on a terminal', () => {
  it('the spinner while waiting, then Ctrl-C: exit 130, the same lines both ways', async () => {
    const { NO_COLOR: _, ...coloured } = env();
    const watch = async (extra: NodeJS.ProcessEnv): Promise<{ code: number | null; lines: string[] }> => {
      const s = pcscTtySession(['scan', '-n', '--reader', '1'], { env: { ...coloured, ...extra } });
      try {
        await s.waitFor(/Waiting for a card or reader event \(Ctrl-C to quit\)/);
      } finally {
        s.type('\x03');
      }
      const code = await s.exited;
      // The spinner's frames aside (they depend on timing), and the local time of the status lines.
      const lines = s
        .out()
        .split(/\r?\n/)
        .filter((l) => !l.includes('Waiting for a card'))
        .map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/, 'T'));
      return { code, lines };
    };
    const fast = await watch({});
    expect(fast.code).toBe(130);
    expect(fast.lines).toContain(' Reader 1: Virtual PCD 00 01');
    expect(await watch({ PCSC_OCLIF: '1' })).toEqual(fast);
  });
});

describe('a signal while pcscd does not answer', () => {
  // A socket that accepts and never answers: `scan -r` waits for CMD_VERSION's answer (5 s at
  // most) when the signal comes. Both paths stop as src/cli/interrupt.ts says: 130 or 143, quietly.
  it.each([
    ['SIGINT', 130, ['scan', '-r']],
    ['SIGTERM', 143, ['scan', '-r']],
    ['SIGINT', 130, ['scan', '-c']],
    ['SIGTERM', 143, ['scan', '--wait-card']],
    ['SIGINT', 130, ['scan']],
    ['SIGTERM', 143, ['scan', '--json']],
    // --version --verbose asks pcscd too (src/cli/version/daemon.ts): the signal reaches that wait.
    ['SIGINT', 130, ['--version', '--verbose']],
    ['SIGTERM', 143, ['--version', '--verbose']],
  ] as const)('%s: exit %i, nothing printed, the same both ways (pcsc %j)', async (signal, code, args) => {
    const socket = join(dir, `stall-${signal}-${args.join('')}.comm`);
    const held: Socket[] = [];
    const server = createServer((s) => held.push(s));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const run = async (extra: NodeJS.ProcessEnv): Promise<object> => {
      const before = held.length;
      const child = spawn(process.execPath, [BIN, ...args], {
        env: cliEnv(env({ PCSCLITE_CSOCK_NAME: socket, ...extra })),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('close', (c, s) => resolve([c, s])),
      );
      // Once it has connected (bounded: 10 s), and again SIGKILL 10 s after the signal.
      for (let i = 0; i < 500 && held.length === before; i++) await new Promise((r) => setTimeout(r, 20));
      child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [exit, bySignal] = await exited;
      clearTimeout(kill);
      return { connected: held.length > before, exit, bySignal, stdout, stderr };
    };
    try {
      const fast = await run({});
      expect(fast).toEqual({ connected: true, exit: code, bySignal: null, stdout: '', stderr: '' });
      expect(await run({ PCSC_OCLIF: '1' })).toEqual(fast);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

// `pcsc completion SHELL` runs at every shell start (eval "$(pcsc completion bash)"), and the
// scripts run `pcsc completion --values readers` at TAB time (src/cli/completion.ts).
describe('completion on the fast path prints and exits as oclif does', () => {
  it.each([
    [['completion', 'bash'], {}],
    [['completion', 'zsh'], {}],
    [['completion', 'zsh', '--json'], {}],
    [['completion'], { SHELL: '/usr/bin/bash' }], // the login shell's
    [['completion'], { SHELL: '/bin/sh' }], // neither bash nor zsh: usage error
    [['completion'], {}], // $SHELL not set: usage error
    [['completion', '--json'], { SHELL: '/bin/sh' }],
    [['completion', '--values', 'readers'], {}], // what bash's and zsh's scripts ask at TAB time
    [['completion', '--values=readers', '--json'], {}],
    [['completion', '--values', 'readers', '--socket', '/nonexistent/pcscd.comm'], {}], // none
  ] as [string[], NodeJS.ProcessEnv][])('pcsc %j %j', async (args, extra) => {
    const [fast, slow] = await Promise.all([
      traced(args, env(extra)),
      traced(args, env({ ...extra, PCSC_OCLIF: '1' })),
    ]);
    expect(slow.oclif).toBe(true);
    expect(fast.oclif).toBe(false);
    expect(steady(fast)).toEqual(steady(slow));
  });

  it('lists the readers pcscd sees, and each script completes with the same command line', async () => {
    const r = await traced(['completion', '--values', 'readers'], env());
    expect(r.stdout).toBe('Virtual PCD 00 00\nVirtual PCD 00 01\n');
    const bash = await traced(['completion', 'bash'], env());
    expect(bash.stdout).toContain('"${COMP_WORDS[0]}" completion --values "$1"');
    const zsh = await traced(['completion', 'zsh'], env());
    expect(zsh.stdout).toContain('completion --values ${@[-1]}');
  });
});

describe('what the fast path leaves to oclif', () => {
  it.each([
    [['scan', '-r', '--help']],
    [['apdu', '--reader', '-h', '00']], // help, even as a value
    [['scan', '-r', '-c']], // exclusive flags: oclif's usage error
    [['scan', '-r', '--nosuch']],
    [['scan', '-r', 'extra']], // scan takes no argument
    [['scan', '-c', '--help']],
    [['apdu', '--', '0084000008']],
    [['atr', '--update', '--timeout', '5']], // an integer: oclif's parse
    [['apdu', '--reader', '-1', '00']], // a value starting with a dash
    [['completion', 'fish']], // not bash or zsh: oclif's usage error
    [['completion', 'bash', '--help']],
    [['nosuch']],
  ])('pcsc %j', async (args) => {
    const r = await traced(args, env());
    expect(r.oclif).toBe(true);
  });

  // oclif reports each as always (the fast path leaves every error to it): the same bytes both ways.
  it.each([
    [['apdu', '-r', '0', '0084000008']], // apdu has no -r
    [['apdu', '-r0', '0084000008']],
    [['apdu', '--reader']], // no value
    [['apdu', '--reader', '--json', '00']], // a flag is no value
    [['apdu', '--reader', '', '00']], // refused by --reader's check
    [['apdu', '--reader=', '00']],
    [['apdu', '--protocol', 'T=2', '00']], // not one of its options
    [['scan', '-r', '--backend', 'nosuch']],
    [['scan', '-r', '--backend']],
    [['scan', '-r', '--reader', '0', '--reader', '1']], // given twice
    [['scan', '-c', '--wait-card']], // exclusive
    [['scan', '--wait-card', '-s']],
    [['scan', '--wait-card', '-t', 'x']], // not an integer
    [['scan', '--wait-card', '-t', '1.5']],
    [['scan', '-c', '--count', '0']], // below its min
    [['apdu', '--control', 'features', '--file', 'x']], // exclusive
    [['atr', '--url', 'http://127.0.0.1:9/x']], // depends on --update
    [['doctor', '--category']],
    [['clients', '--socket']],
    [['clients', 'extra']],
    [['udev-check', '--force']], // depends on --write
    [['udev-check', '--write']],
    [['ssh-check']], // the provider is required
    [['ssh-check', '--json']],
    [['ssh-check', 'a.so', 'b.so']],
    [['ssh-check', 'a.so', '-P']],
  ])('pcsc %j: the same error', async (args) => {
    const [fast, slow] = await Promise.all([traced(args, env()), traced(args, env({ PCSC_OCLIF: '1' }))]);
    expect(fast.oclif).toBe(true);
    expect(fast.code).not.toBe(0);
    expect(steady(fast)).toEqual(steady(slow));
  });

  it('a missing argument oclif reads from a pipe (doctor without ids)', async () => {
    const r = await pcsc(['doctor', '--category', 'pcscd'], {
      env: { ...env({ MODULE_TRACE: join(dir, 'trace-stdin') }) },
      node: ['--import', TRACE],
      input: 'nosuch.check\n',
    });
    // oclif takes the piped word as the check to run: an unknown one, a usage error.
    expect(readFileSync(join(dir, 'trace-stdin'), 'utf8')).toMatch(/\/dist\/bundle\/oclif\.cjs$/m);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nosuch\.check/);
  });

  it('--json on a terminal (a user theme may colour it)', async () => {
    // Not a terminal here, so the fast path takes it; FORCE_COLOR is the other way to colour.
    expect((await traced(['scan', '-r', '--json'], env())).oclif).toBe(false);
    expect((await traced(['scan', '-r', '--json'], env({ FORCE_COLOR: '1' }))).oclif).toBe(true);
  });
});

describe('the fast path is CommonJS from end to end', () => {
  it("loads bin/run.js, dist/bundle/pcsc.cjs and the command body's .cjs file, no ES module (Node never starts its ES module loader but for --import here)", async () => {
    for (const [args, body] of [
      [['scan', '-r'], 'fast-scan'],
      [['scan', '-c'], 'fast-scan-cards'],
      [['scan', '--wait-card', '-t', '5'], 'fast-scan-watch'],
      [['scan', '-t', '1'], 'fast-scan-watch'],
      [['apdu', '0084000008'], 'fast-apdu'],
      [['atr', ATR], 'fast-atr'],
      [['apdu', '--reader', '0', '0084000008'], 'fast-apdu'],
      [['doctor', '--category', 'pcscd'], 'fast-doctor'], // stdin checked (node:tty)
      [['clients'], 'fast-clients'],
      [['completion', 'bash'], 'fast-completion'], // neither oclif nor the doctor's checks, nor the PC/SC client
      [
        ['completion', '--values', 'readers'],
        ['fast-completion', 'fast-completion-values'],
      ],
      [['udev-check'], 'fast-udev-check'],
      [['ssh-check', '/nonexistent/p11.so'], 'fast-ssh-check'],
    ] as const) {
      expect((await traced([...args], env())).oclif).toBe(false);
      const files = [...new Set(readFileSync(lastTrace, 'utf8').trim().split('\n'))]
        .filter((u) => !u.includes('/test/helpers/'))
        .map((u) => u.replace(/^file:\/\/.*?\/(bin|dist)\//, '$1/'))
        .sort();
      expect(files).toEqual(
        [
          'bin/run.js',
          // Node.js < 22.1: our code cache for the .cjs files (src/cli/code-cache.ts); later, Node's own.
          ...(NODE_CACHES ? [] : ['dist/bundle/code-cache.cjs']),
          ...[body].flat().map((b) => `dist/bundle/${b}.cjs`),
          'dist/bundle/pcsc.cjs',
        ].sort(),
      );
    }
  });
});

describe('the USB backend, a file of its own (dist/bundle/fast-ccid.cjs)', () => {
  it.each([[['apdu', '0084000008']], [['scan', '-r']]])('pcsc %j on pcscd leaves it unloaded', async (args) => {
    const trace = join(dir, `trace-${n++}`);
    const r = await pcsc(args, { env: { ...env(), MODULE_TRACE: trace }, node: ['--import', TRACE] });
    expect(r.code, r.stderr).toBe(0);
    const loaded = readFileSync(trace, 'utf8');
    expect(loaded).toMatch(new RegExp(`/dist/bundle/fast-${args[0]}\\.cjs$`, 'm'));
    expect(loaded).not.toMatch(/fast-ccid\.cjs$/m);
  });

  it("throws the core's own error classes, those of pcsc.cjs, which every fast file shares", () => {
    // An unknown reader: PcscError from the USB backend's code (or CcidError, without libusb).
    const script = [
      "const { UsbContext } = await import('./dist/bundle/fast-ccid.cjs');",
      "const core = await import('./dist/bundle/pcsc.cjs');",
      'let err;',
      'try {',
      '  const ctx = await UsbContext.establish();',
      "  try { await ctx.connect('no such reader'); } finally { await ctx.release(); }",
      '} catch (e) { err = e; }',
      'const shared = core.isPcscError(err, core.Scard.E_UNKNOWN_READER) || err instanceof core.CcidError;',
      'process.stdout.write(JSON.stringify({ name: err?.name, shared }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { name: string; shared: boolean };
    expect(['PcscError', 'CcidError']).toContain(out.name);
    expect(out.shared).toBe(true);
  });
});

describe("udev-check's file (dist/bundle/fast-udev-check.cjs)", () => {
  it("holds the udev checks and none of doctor's others (a module-level use of the registry would pull them all in)", () => {
    const text = readFileSync(join(ROOT, 'dist', 'bundle', 'fast-udev-check.cjs'), 'utf8');
    // A check's definition, `id: "…"` as esbuild writes it (an id may be named elsewhere: dependsOn, texts).
    const has = (id: string): boolean => text.includes(`id:${JSON.stringify(id)}`);
    const udev = new Set(UDEV_CHECKS.map((c) => c.id));
    expect(UDEV_CHECKS.map((c) => c.id).filter((id) => !has(id))).toEqual([]);
    expect(DOCTOR_CHECKS.map((c) => c.id).filter((id) => !udev.has(id) && has(id))).toEqual([]);
  });
});

describe('source maps', () => {
  it('a stack trace from the bundle names src/ files and lines when source maps are on (bin/run.js turns them on under DEBUG)', () => {
    const script = [
      "const m = await import('./dist/bundle/fast-atr.cjs');",
      'const io = { jsonEnabled: () => false, log() {}, logToStderr() {}, signal: new AbortController().signal };',
      "try { await m.runAtr({ timeout: 60 }, ['ZZ'], io); } catch (e) { process.stdout.write(e.stack); }",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stdout).toMatch(/^UsageError: ATR: 'Z' at position 1 is not a hex digit/);
    expect(r.stdout).toMatch(/\(.*\/src\/core\/bytes\/hex\.ts:\d+:\d+\)$/m);
    expect(r.stdout).toMatch(/\(.*\/src\/cli\/atr\/command\.ts:\d+:\d+\)$/m);
  });

  // bin/run.js itself turns them on: a stack the bundle makes names src/ under DEBUG or
  // PCSC_DEBUG (./source-map-probe.cjs prints one at exit), and dist/bundle/ otherwise.
  it.each([
    [{ DEBUG: 'pcsc-none' }, true],
    [{ PCSC_DEBUG: '1' }, true],
    [{}, false],
  ])('bin/run.js with %j: source maps %s', async (extra, on) => {
    const r = await pcsc(['--version'], { env: env(extra), node: ['--import', PROBE] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`probe: source maps ${on}\n`);
    const frame = /^\s+at hex32 \((.*)\)$/m.exec(r.stderr)?.[1];
    expect(frame).toMatch(on ? /\/src\/core\/errors\.ts:\d+:\d+$/ : /\/dist\/bundle\/pcsc\.cjs:\d+:\d+$/);
  });
});
