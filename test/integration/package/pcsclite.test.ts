// pcsc/pcsclite as a drop-in for node-pcsclite, the way an app meets it: `@pokusew/pcsclite` 0.6.0
// and `nfc-pcsc` 0.8.1 installed from the registry with --ignore-scripts (no native build), our
// tarball beside them, and node-pcsclite pointed at our module: by the one-file shim
// (docs/node-pcsclite.md#a-dependency-one-file-shim) and by npm `overrides`. Their own programs
// then run unchanged against the real pcscd of the rig, with node and npm alone on PATH.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, type Proc } from '../../rig/processes.js';
import { startRig, type Rig } from '../../rig/rig.js';
import { bareNodeNpm, packRepo, requireTools, run, typecheck } from './helpers.js';
import { bareNpm, npmConfigFiles, npmEnv, npmReason, runNpm, type NpmConfigFiles } from './npm.js';

const INSTALL_MS = 180_000;
const WAIT_MS = 10_000;
const ORIGINAL = '@pokusew/pcsclite@0.6.0';
const NFC_PCSC = 'nfc-pcsc@0.8.1';
/** A MIFARE Classic 1K as a PC/SC reader shows it: byte 5 is 0x4F, so nfc-pcsc reads its UID (ISO 14443-3). */
const MIFARE_ATR = '3B8F8001804F0CA000000306030001000000006A';
const UID = '04a1b2c3d4e5f6';
/** node-pcsclite's own "Data received" for READ BINARY: 32 bytes and 90 00. */
const BINARY = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex');
/** The one-file shim of docs/node-pcsclite.md. */
const SHIM = "module.exports = require('pcsc/pcsclite');\n";

let T = '';
let bareBin = '';
let npmFiles: NpmConfigFiles;
/** @pokusew/pcsclite and nfc-pcsc from the registry, the original's lib/pcsclite.js replaced by the shim. */
let shimApp = '';
/** nfc-pcsc from the registry; npm `overrides` puts a local alias package in place of @pokusew/pcsclite. */
let overrideApp = '';
let missingBinding = '';
let rig: Rig;
const procs: Proc[] = [];

function npm(cwd: string, args: string[]): void {
  const r = runNpm(bareNpm(bareBin), args, { env: npmEnv(bareBin, npmFiles), cwd, timeoutMs: INSTALL_MS });
  expect(r.code, `npm ${args[0]} failed: ${npmReason(r.stderr)}\n${r.stdout}\n${r.stderr}`).toBe(0);
}

const appEnv = (): NodeJS.ProcessEnv => ({
  PATH: bareBin,
  HOME: process.env.HOME,
  LANG: 'C.UTF-8',
  PCSCLITE_CSOCK_NAME: rig.socket,
});

let runs = 0;
/** Runs a program of the app; stdout and stderr share one file, so their lines keep their order. */
function node(cwd: string, args: string[]): Proc {
  const logFile = join(T, `run-${++runs}.log`);
  const p = startProcess(join(bareBin, 'node'), args, { cwd, env: appEnv(), logFile });
  procs.push(p);
  return p;
}

beforeAll(
  async () => {
    requireTools({ npm: 'npm' });
    T = realpathSync(mkdtempSync(join(tmpdir(), 'pcsc-pcsclite-')));
    npmFiles = npmConfigFiles();
    bareBin = bareNodeNpm(T);
    const { tarball } = packRepo(T, INSTALL_MS);
    const flags = ['--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

    shimApp = join(T, 'shim-app');
    mkdirSync(shimApp);
    writeFileSync(join(shimApp, 'package.json'), JSON.stringify({ name: 'shim-app', version: '1.0.0', private: true }));
    npm(shimApp, ['install', ...flags, ORIGINAL, NFC_PCSC, tarball]);
    const lib = join(shimApp, 'node_modules/@pokusew/pcsclite/lib/pcsclite.js');
    missingBinding = run(join(bareBin, 'node'), ['-e', "require('@pokusew/pcsclite')"], {
      cwd: shimApp,
      env: appEnv0(),
    }).stderr;
    writeFileSync(lib, SHIM);

    overrideApp = join(T, 'override-app');
    mkdirSync(join(overrideApp, 'pcsclite-alias'), { recursive: true });
    writeFileSync(
      join(overrideApp, 'pcsclite-alias/package.json'),
      JSON.stringify({ name: '@pokusew/pcsclite', version: '0.6.0', main: 'index.js' }),
    );
    writeFileSync(join(overrideApp, 'pcsclite-alias/index.js'), SHIM);
    writeFileSync(
      join(overrideApp, 'package.json'),
      JSON.stringify({
        name: 'override-app',
        version: '1.0.0',
        private: true,
        dependencies: { 'nfc-pcsc': NFC_PCSC.split('@')[1], pcsc: `file:${tarball}` },
        overrides: { '@pokusew/pcsclite': 'file:./pcsclite-alias' },
      }),
    );
    npm(overrideApp, ['install', ...flags]);

    rig = await startRig({ insert: [] });
  },
  2 * INSTALL_MS + 60_000,
);

/** The environment before the rig exists (no socket needed to load a module). */
function appEnv0(): NodeJS.ProcessEnv {
  return { PATH: bareBin, HOME: process.env.HOME, LANG: 'C.UTF-8' };
}

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop(1000)));
  if ((await rig.card(0).status()).inserted) await rig.card(0).remove();
  await rig.card(0).clearRules();
});

afterAll(async () => {
  await rig?.stop();
  if (T) rmSync(T, { recursive: true, force: true });
});

describe('installed with --ignore-scripts, no compiler on PATH', () => {
  it('the apps see neither a compiler nor node-pcsclite’s native binding', () => {
    const tools = run('/bin/sh', ['-c', 'command -v cc gcc g++ c++ make python3 node-gyp'], { env: appEnv0() });
    expect(tools.stdout.trim()).toBe('');
    expect(tools.code).not.toBe(0);
    // Unshimmed, the registry's @pokusew/pcsclite fails as on any machine where its build did not run.
    expect(missingBinding).toMatch(/Could not locate the bindings file[\s\S]*\/build\/Release\/pcsclite\.node/);
  });

  it('require() and import of pcsc/pcsclite give node-pcsclite’s factory, as the two ways to reach it do', () => {
    const probe = (cwd: string, spec: string): string =>
      run(
        join(bareBin, 'node'),
        [
          '-e',
          `const f = require(${JSON.stringify(spec)}); import(${JSON.stringify(spec)}).then((m) => ` +
            `console.log(typeof f, f.name, m.default === f || m.default === f.default))`,
        ],
        { cwd, env: appEnv0() },
      ).stdout.trim();
    expect(probe(shimApp, 'pcsc/pcsclite')).toBe('function pcsclite true');
    expect(probe(shimApp, '@pokusew/pcsclite')).toBe('function pcsclite true');
    expect(probe(overrideApp, '@pokusew/pcsclite')).toBe('function pcsclite true');
    // overrides replaced the package itself: nothing of the original is installed.
    expect(realpathSync(join(overrideApp, 'node_modules/@pokusew/pcsclite'))).toBe(join(overrideApp, 'pcsclite-alias'));
  });
});

describe('types', () => {
  it('a TypeScript app type-checks with pcsc/pcsclite, as an ES module and as CommonJS (import = require)', () => {
    writeFileSync(
      join(overrideApp, 'uses-pcsclite.mts'),
      [
        "import pcsclite, { type CardReader, type Status } from 'pcsc/pcsclite';",
        'const pcsc = pcsclite();',
        "pcsc.on('reader', (reader: CardReader) => {",
        "  reader.on('status', (s: Status) => console.log(s.state & reader.SCARD_STATE_PRESENT, s.atr));",
        // node-pcsclite's example and nfc-pcsc compute the changes so: reader.state is a number, as in its index.d.ts.
        "  reader.on('status', (s: Status) => console.log((reader.state ^ s.state) & reader.SCARD_STATE_EMPTY));",
        '  reader.connect({ share_mode: reader.SCARD_SHARE_SHARED }, (err, protocol) => {',
        '    if (!err) reader.transmit(Buffer.from([0xff, 0xca, 0, 0, 0]), 12, protocol, (e, data) => console.log(e, data));',
        '  });',
        '});',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(overrideApp, 'uses-pcsclite.cts'),
      "import pcsclite = require('pcsc/pcsclite');\nconst pcsc = pcsclite();\npcsc.close();\nexport {};\n",
    );
    const tsc = typecheck(overrideApp, ['uses-pcsclite.mts', 'uses-pcsclite.cts']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });
});

describe('node-pcsclite’s own programs, unchanged', () => {
  it.each([
    ['examples/example.js (require("../lib/pcsclite"))', 'example'],
    ['the README example (require("@pokusew/pcsclite"))', 'readme'],
  ])('%s: readers, status, card inserted, connect, transmit, close', async (_, which) => {
    await rig.card(0).rule({ match: '00B0000020', reply: BINARY + '9000' });
    let file = join(shimApp, 'node_modules/@pokusew/pcsclite/examples/example.js');
    if (which === 'readme') {
      const readme = readFileSync(join(shimApp, 'node_modules/@pokusew/pcsclite/README.md'), 'utf8');
      const code = /```javascript\n(const pcsclite = require\('@pokusew\/pcsclite'\);[\s\S]*?)```/.exec(readme)?.[1];
      expect(code, 'the README example').toBeDefined();
      file = join(shimApp, 'readme-example.js');
      writeFileSync(file, code as string);
    }
    const p = node(shimApp, [file]);
    await p.waitLine(/^New reader detected Virtual PCD 00 01$/, 0, WAIT_MS, 'both readers');
    const first = /^Status\( Virtual PCD 00 00 \): \{ state: (\d+), atr: <Buffer > \}$/;
    const empty = Number(first.exec(await p.waitLine(first, 0, WAIT_MS, 'the first status'))?.[1]);
    // EMPTY | CHANGED, the high word counting this reader's insertions and removals so far.
    expect(empty & 0xffff).toBe(0x12);
    await rig.card(0).clearLog();
    const from = p.lines.length;
    await rig.card(0).insert({ atr: '3B80800101' });
    await p.waitLine(/^Reader Virtual PCD 00 00 removed$/, from, WAIT_MS, 'the reader closed by the example');
    await p.waitLine(/^PCSC error /, from, WAIT_MS, 'the end of the PnP wait');
    // The other reader is still watched (the example closes only the one it used), as with node-pcsclite.
    const lines = p.lines.slice(from).filter((l) => !l.includes('Virtual PCD 00 01'));
    // From the insertion on (the first status's own "card removed" may still be printing at `from`).
    const out = lines.slice(lines.findIndex((l) => l.startsWith('Status( Virtual PCD 00 00 )')));
    // pcsc.close() and reader.close() end their waits independently: either may report first.
    expect([...out.slice(0, 4), ...out.slice(4).sort()]).toEqual([
      // PRESENT | CHANGED, one more event on the counter; reader.state still held the previous state.
      `Status( Virtual PCD 00 00 ): { state: ${((((empty >>> 16) + 1) << 16) | 0x22) >>> 0}, atr: <Buffer 3b 80 80 01 01> }`,
      'card inserted',
      'Protocol( Virtual PCD 00 00 ): 2',
      `Data received <Buffer ${(BINARY + '9000').replace(/(..)(?!$)/g, '$1 ')}>`,
      // close() ends the PnP wait, which node-pcsclite reports as an error; reader.close() ends the reader.
      'PCSC error SCardGetStatusChange error: Command cancelled.(0x80100002)',
      'Reader Virtual PCD 00 00 removed',
    ]);
    expect(await rig.card(0).apdus()).toEqual(['00B0000020']);
  });
});

describe('an app’s own exception', () => {
  it('thrown by a status listener ends the process as with node-pcsclite, never as a reader error', async () => {
    const file = join(shimApp, 'throws.js');
    writeFileSync(
      file,
      [
        "const pcsc = require('@pokusew/pcsclite')();",
        "pcsc.on('reader', (reader) => {",
        "  reader.on('error', (err) => console.log('reader error', err.message));",
        "  reader.on('status', () => { throw new Error('a bug in the app'); });",
        '});',
        "pcsc.on('error', (err) => console.log('PCSC error', err.message));",
        '',
      ].join('\n'),
    );
    const p = node(shimApp, [file]);
    const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r('running'), WAIT_MS))]);
    expect(code).toBe(1);
    expect(p.lines).toContain('Error: a bug in the app');
    expect(p.lines.filter((l) => /reader error|PCSC error/.test(l))).toEqual([]);
  });
});

describe('nfc-pcsc’s uid-logger, unchanged but for its import', () => {
  /** examples/uid-logger.js as installed, its ESM import of the sources made a require of the package. */
  function uidLogger(app: string): string {
    const src = readFileSync(join(app, 'node_modules/nfc-pcsc/examples/uid-logger.js'), 'utf8');
    const line = "import { NFC } from '../src/index';";
    expect(src).toContain(line);
    const file = join(app, 'uid-logger.js');
    writeFileSync(file, src.replace(line, "const { NFC } = require('nfc-pcsc');"));
    return file;
  }

  it.each([
    ['the one-file shim', () => shimApp],
    ['npm overrides', () => overrideApp],
  ])('through %s: reader attached, card inserted, UID read with FF CA 00 00 00, card removed', async (_, app) => {
    await rig.card(0).rule({ match: 'FFCA000000', reply: UID + '9000' });
    const p = node(app(), [uidLogger(app())]);
    await p.waitLine(/^Virtual PCD 00 01 reader attached, waiting for cards \.\.\.$/, 0, WAIT_MS, 'readers');
    expect(p.lines).toContain('Virtual PCD 00 00 reader attached, waiting for cards ...');
    await rig.card(0).clearLog();
    const from = p.lines.length;
    await rig.card(0).insert({ atr: MIFARE_ATR });
    await p.waitLine((l) => l === UID, from, WAIT_MS, 'the UID');
    await rig.card(0).remove();
    const again = p.lines.length;
    await rig.card(0).insert({ atr: MIFARE_ATR });
    await p.waitLine((l) => l === UID, again, WAIT_MS, 'the UID of the card inserted again');
    expect(p.lines.slice(from)).toEqual([UID, UID]);
    // nfc-pcsc's GET DATA, answered raw: the UID and 90 00, nothing else sent.
    const apdus = (await rig.card(0).log()).filter((e) => 'c' in e);
    expect(apdus).toEqual([
      { c: 'FFCA000000', r: UID.toUpperCase() + '9000' },
      { c: 'FFCA000000', r: UID.toUpperCase() + '9000' },
    ]);
  });

  it('pcscd restarting: each reader reports its error and ends, then the error that stopped watching', async () => {
    const p = node(overrideApp, [uidLogger(overrideApp)]);
    await p.waitLine(/^Virtual PCD 00 01 reader attached/, 0, WAIT_MS, 'readers');
    const from = p.lines.length;
    await rig.restartDaemon();
    // nfc-pcsc prints the error objects with util.inspect: their first line is "Error: MESSAGE".
    // What libpcsclite answers a wait the daemon dropped, for every wait.
    const lost = 'SCardGetStatusChange error: RPC transport error.(0x80100013)';
    await p.waitLine((l) => l.startsWith(`Error: ${lost}`), from, WAIT_MS, 'the PCSC error');
    const events = p.lines
      .slice(from)
      .filter((l) => /reader error|reader disconnected|^Error: /.test(l))
      .map((l) => l.replace(/^reader error Error: /, 'reader error: '));
    expect(events).toEqual([
      `reader error: ${lost}`,
      expect.stringMatching(/^Virtual PCD 00 0[01] reader disconnected\.$/),
      `reader error: ${lost}`,
      expect.stringMatching(/^Virtual PCD 00 0[01] reader disconnected\.$/),
      `Error: ${lost}`,
    ]);
    expect(new Set(events.filter((l) => l.endsWith('disconnected.'))).size).toBe(2);
    // As node-pcsclite, it does not come back by itself: with nothing left to wait on, the program ends.
    expect(await Promise.race([p.exited, new Promise((r) => setTimeout(() => r('running'), WAIT_MS))])).toBe(0);
  });
});
