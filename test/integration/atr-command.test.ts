// `pcsc atr`: offline analysis from the command line, and --update against a local HTTP server.
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, hasStackTrace, pcsc, pcscOnTty, requireBuild } from '../helpers/cli.js';

const SYSTEM_LIST = '/usr/share/pcsc/smartcard_list.txt';
const VICC_ATR = '3B 95 13 81 01 80 73 FF 01 00 0B';

let home: string;
let env: NodeJS.ProcessEnv;
let server: Server;
let base: string;
let listBytes: Buffer;
const pending = new Set<import('node:http').ServerResponse>();

beforeAll(async () => {
  requireBuild();
  // Read at test time from the system (the list is GPL and never part of this repository).
  listBytes = await readFile(SYSTEM_LIST).catch(() => {
    throw new Error(`${SYSTEM_LIST} is missing: install Debian's pcsc-tools`);
  });
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/list.txt') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': listBytes.length });
      res.end(listBytes);
    } else if (url === '/slow-list.txt') {
      // Sent in pieces over about a second, so a spinner has time to draw.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': listBytes.length });
      const n = 8;
      const size = Math.ceil(listBytes.length / n);
      let i = 0;
      const next = (): void => {
        if (i >= n) return void res.end();
        res.write(listBytes.subarray(i * size, (i + 1) * size));
        i++;
        setTimeout(next, 150);
      };
      next();
    } else if (url === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Moved</body></html>');
    } else if (url === '/hang') {
      pending.add(res); // never answered
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const r of pending) r.destroy();
  await new Promise((r) => server?.close(r));
  if (home) await rm(home, { recursive: true, force: true });
});

beforeEach(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), 'pcsc-atr-cmd-'));
  env = cleanEnv(home);
});

const cacheFile = (): string => join(home, 'cache', 'smartcard_list.txt');

describe('pcsc atr HEX', () => {
  it('analyses and names an ATR, from the system list when the cache is empty', async () => {
    await mkdir(join(home, 'cache'));
    await writeFile(cacheFile(), '');
    const r = await pcsc(['atr', ...VICC_ATR.split(' '), '--json'], { env });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ atr: VICC_ATR.replace(/ /g, ''), valid: true, protocols: ['T=1'], list: SYSTEM_LIST });
    expect(j.names).toContain('vsmartcard - iso7816 (Other)');
  });

  it('the list through its index in $XDG_CACHE_HOME/pcsc: the same output when it is built, read, written by six at once, or cannot be written', async () => {
    const MIFARE = '3B8F8001804F0CA000000306030001000000006A';
    const args = ['atr', MIFARE, '--json'];
    const first = await pcsc(args, { env }); // builds it
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as { matches: unknown[] }).matches).toHaveLength(3);
    const index = join(home, 'cache', 'pcsc', 'atr-list.index');
    expect((await stat(index)).isFile()).toBe(true);
    expect(await pcsc(args, { env })).toEqual(first); // reads it
    await rm(join(home, 'cache'), { recursive: true });
    const all = await Promise.all(Array.from({ length: 6 }, () => pcsc(args, { env })));
    for (const r of all) expect(r).toEqual(first);
    expect(await pcsc(args, { env })).toEqual(first);
    await rm(join(home, 'cache'), { recursive: true });
    await writeFile(join(home, 'cache'), 'not a directory');
    expect(await pcsc(args, { env })).toEqual(first);
    expect(await pcsc(['atr', MIFARE], { env })).toMatchObject({ code: 0, stderr: '' });
  });

  it('takes colons or no separators', async () => {
    const a = await pcsc(['atr', VICC_ATR.replace(/ /g, ':')], { env });
    const b = await pcsc(['atr', VICC_ATR.replace(/ /g, '')], { env });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain(`ATR: ${VICC_ATR}`);
    expect(a.stdout).toContain('vsmartcard - iso7816 (Other)');
  });

  it('malformed and truncated ATRs: a clear message and exit code, never a stack trace', async () => {
    const cases: [string[], number, RegExp][] = [
      [['3G'], 2, /'G' at position 2 is not a hex digit/],
      [['3B', '9'], 2, /odd number of hex digits/],
      [[], 2, /give an ATR/],
      [['3B'], 1, /T0 is missing/],
      [['3B', '95', '13', '81'], 1, /truncated/],
      [['3B', '95', '13', '81', '01', '80', '73', 'FF', '01', '00', '0C'], 1, /should be 0B/],
      [['3B', '0F', ...Array<string>(40).fill('00')], 1, /at most 33/],
      [['00', '00'], 1, /memory card/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await pcsc(['atr', ...args], { env });
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stdout + r.stderr, args.join(' ')).toMatch(msg);
      expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
      if (code === 2) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('takes 0x: one prefix or one per byte', async () => {
    const a = await pcsc(['atr', '0x' + VICC_ATR.replace(/ /g, '')], { env });
    const b = await pcsc(['atr', ...VICC_ATR.split(' ').map((x) => '0x' + x)], { env });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain(`ATR: ${VICC_ATR}`);
    expect(b.stdout).toBe(a.stdout);
  });

  it('reads the ATR from stdin: with -, or with no argument when stdin is no terminal', async () => {
    for (const args of [['atr', '-'], ['atr']]) {
      const r = await pcsc(args, { env, input: `${VICC_ATR}\n` });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`ATR: ${VICC_ATR}`);
      expect(r.stdout).toContain('vsmartcard - iso7816 (Other)');
    }
  });

  it('empty input is a usage error, with no "submit this ATR" link', async () => {
    for (const [args, input] of [
      [['atr', '-'], ''],
      [['atr'], ''],
      [['atr', '-'], ' \n\n'],
    ] as const) {
      const r = await pcsc([...args], { env, input });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^pcsc: no ATR: stdin is empty; give an ATR in hex/);
      expect(r.stdout + r.stderr).not.toContain('parse?ATR=');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('says a wrong TCK once, on its row; T0 says "TD1 follows" for one byte', async () => {
    const wrong = await pcsc(['atr', ...VICC_ATR.split(' ').slice(0, -1), '0C'], { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/TCK {2}0C {2}checksum WRONG: should be 0B/);
    expect(wrong.stdout.match(/0B/g)).toHaveLength(1);
    const one = await pcsc(['atr', '3B:8F:80:01:80:4F:0C:A0:00:00:03:06:03:00:01:00:00:00:00:6A'], { env });
    expect(one.stdout).toMatch(/T0 {3}8F {2}K=15 historical bytes; TD1 follows$/m);
  });

  it('--list uses that file', async () => {
    const f = join(home, 'mine.txt');
    await writeFile(f, `${VICC_ATR}\n\tMy own name\n`);
    const r = await pcsc(['atr', VICC_ATR, '--list', f, '--json'], { env });
    expect(JSON.parse(r.stdout)).toMatchObject({ list: f, names: ['My own name'] });
  });

  it('--list with a file that cannot be read: a usage error naming it, exit 2', async () => {
    for (const [f, why] of [
      [join(home, 'missing.txt'), 'no such file'],
      [home, 'a directory, not a regular file'],
    ]) {
      const r = await pcsc(['atr', VICC_ATR, '--list', f as string], { env });
      expect(r.code, f).toBe(2);
      expect(r.stderr).toBe(`pcsc: --list ${f}: ${why}\n`);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
  });
});

describe('pcsc atr --update', () => {
  it('downloads the list into $XDG_CACHE_HOME and uses it from then on', async () => {
    const r = await pcsc(['atr', '--update', '--url', `${base}/list.txt`], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Saved \d+ ATR patterns \(\d+ bytes\) from http:.* to .*smartcard_list\.txt\n$/);
    expect((await readFile(cacheFile())).equals(listBytes)).toBe(true);
    const a = await pcsc(['atr', VICC_ATR], { env });
    expect(a.stdout).toContain(`(using ${cacheFile()})`);
  });

  it('--json reports what was saved; ~/.cache without XDG_CACHE_HOME', async () => {
    const e = { ...env };
    delete e.XDG_CACHE_HOME;
    const r = await pcsc(['atr', '--update', '--url', `${base}/list.txt`, '--json'], { env: e });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.update).toMatchObject({
      url: `${base}/list.txt`,
      file: join(home, '.cache', 'smartcard_list.txt'),
      bytes: listBytes.length,
    });
    expect(j.update.patterns).toBeGreaterThan(1000);
  });

  it('HTTP errors and non-lists leave the cached copy alone (exit 6)', async () => {
    await mkdir(join(home, 'cache'));
    await writeFile(cacheFile(), 'OLD');
    for (const [path, msg] of [
      ['/missing', /HTTP 404/],
      ['/page.html', /did not send an ATR list/],
    ] as const) {
      const r = await pcsc(['atr', '--update', '--url', base + path], { env });
      expect(r.code, path).toBe(6);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await readFile(cacheFile(), 'utf8')).toBe('OLD');
    }
  });

  it('offline: a clear error, exit 6', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await pcsc(['atr', '--update', '--url', `http://127.0.0.1:${closed}/x.txt`], { env });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/connection refused/);
    const d = await pcsc(['atr', '--update', '--url', 'http://pcsc-test.invalid/smartcard_list.txt'], { env });
    expect(d.code).toBe(6);
    expect(d.stderr).toMatch(/does not resolve.*offline/);
    expect(hasStackTrace(r.stderr + d.stderr)).toBe(false);
    await expect(stat(cacheFile())).rejects.toThrow();
  });

  it('a server that never answers: --timeout, exit 5', async () => {
    const r = await pcsc(['atr', '--update', '--url', `${base}/hang`, '--timeout', '1'], { env });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/longer than 1 s/);
  });

  it("--timeout beyond setTimeout's longest delay (2^31 - 1 ms, 24.8 days) is no limit reached at once", async () => {
    // 3,000,000 s: Node fired AbortSignal.timeout after 1 ms (TimeoutOverflowWarning), exit 5.
    const r = await pcsc(['atr', '--update', '--url', `${base}/slow-list.txt`, '--timeout', '3000000'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await readFile(cacheFile())).equals(listBytes)).toBe(true);
  });

  it('bad --url, or --url without --update: usage errors', async () => {
    expect((await pcsc(['atr', '--update', '--url', 'ftp://x/y'], { env })).code).toBe(2);
    expect((await pcsc(['atr', '--update', '--url', 'not a url'], { env })).code).toBe(2);
    expect((await pcsc(['atr', VICC_ATR, '--url', `${base}/list.txt`], { env })).code).toBe(2);
  });

  it('shows progress on a terminal only', async () => {
    const plain = await pcsc(['atr', '--update', '--url', `${base}/slow-list.txt`], { env });
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toMatch(/Downloading/);
    // util-linux `script` gives the CLI a pseudo-terminal.
    const { code, out } = await pcscOnTty(['atr', '--update', '--url', `${base}/slow-list.txt`], { env });
    expect(code).toBe(0);
    expect(out).toMatch(/Downloading the ATR list… \d+ KiB of \d+ KiB \(\d+%\)/);
    expect(out).toMatch(/Saved \d+ ATR patterns/);
  });
});
