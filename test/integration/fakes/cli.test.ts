// `pcsc scan -r` against the fake daemon: every release line, and every daemon fault ends in one
// error line (plus at most a hint), the documented exit code, and no stack trace (README).

import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { pcsc, requireBuild } from '../../helpers/cli.js';
import type { FakePcscd, FaultAction } from '../../fakes/fake-pcscd.js';
import { RELEASE_LINES } from '../../fakes/releases.js';
import * as S from '../../fakes/structs.js';
import { READER, READER2, empty, guard, startFake, withCard } from './helpers.js';

guard();

beforeAll(() => {
  requireBuild();
});

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const r = await pcsc(args, { timeoutMs: 90_000, env: { ...process.env, NO_COLOR: '1', ...env } });
  return { exitCode: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const scan = (socket: string, ...extra: string[]): Promise<Run> => run(['scan', '-r', '--socket', socket, ...extra]);

/** One `pcsc:` error line, maybe a `pcsc:` hint line, nothing that looks like a stack trace. */
function oneLineError(r: Run): void {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines.length, r.stderr).toBeGreaterThanOrEqual(1);
  expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
  for (const l of lines) expect(l, r.stderr).toMatch(/^pcsc: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
}

describe.each(RELEASE_LINES)('pcsc scan -r on pcscd $line', (line) => {
  it(`prints the readers; --json says ${line.expected}`, async () => {
    const fake = await startFake({ version: line.version, slots: line.slots, readers: [withCard(), empty()] });
    const r = await scan(fake.path);
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    expect(r.stdout).toBe(`0: ${READER}\n1: ${READER2}\n`);
    const j = await scan(fake.path, '--json');
    expect(j.exitCode).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({
      readers: [{ name: READER }, { name: READER2 }],
      backend: 'pcscd',
      daemon: { protocol: line.expected, socket: fake.path },
    });
    expect(fake.violations).toEqual([]);
  });
});

describe('pcsc scan -r, other daemon states', () => {
  it('no reader: "No reader found." and exit 0', async () => {
    const fake = await startFake({ version: '2.4.1' });
    const r = await scan(fake.path);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'No reader found.\n' });
  });

  it('4:6 with 20 readers: 20 lines', async () => {
    const fake = await startFake({
      version: '2.5.1',
      readers: Array.from({ length: 20 }, (_, i) => ({ name: `R ${i}` })),
    });
    const r = await scan(fake.path);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(20);
  });

  it('PCSCLITE_CSOCK_NAME is honoured when --socket is absent', async () => {
    const fake = await startFake({ version: '2.2.3', readers: [withCard()] });
    const r = await run(['scan', '-r'], { PCSCLITE_CSOCK_NAME: fake.path });
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).toBe(`0: ${READER}\n`);
  });
});

type Case = [label: string, version: string, setup: (f: FakePcscd) => void, exit: number, scardName: string | RegExp];
const fault =
  (cmd: number, action: FaultAction) =>
  (f: FakePcscd): void =>
    f.inject({ cmd, action });

const CASES: Case[] = [
  ['daemon dies on CMD_VERSION', '2.4.1', fault(S.CMD.VERSION, { kind: 'die' }), 3, 'SCARD_F_COMM_ERROR'],
  [
    'daemon dies while sending the reader array',
    '2.2.3',
    fault(S.CMD.GET_READERS_STATE, { kind: 'die-after-bytes', bytes: 1000 }),
    3,
    'SCARD_F_COMM_ERROR',
  ],
  ['truncated CMD_VERSION reply', '1.8.23', fault(S.CMD.VERSION, { kind: 'truncate' }), 3, 'SCARD_F_COMM_ERROR'],
  [
    'truncated ESTABLISH reply',
    '2.5.1',
    fault(S.CMD.ESTABLISH_CONTEXT, { kind: 'close-after-bytes', bytes: 5 }),
    3,
    'SCARD_F_COMM_ERROR',
  ],
  [
    'garbage CMD_VERSION reply',
    '2.4.1',
    fault(S.CMD.VERSION, { kind: 'garbage' }),
    3,
    /SCARD_F_COMM_ERROR|SCARD_E_SERVICE_STOPPED/,
  ],
  ['garbage ESTABLISH reply', '2.2.3', fault(S.CMD.ESTABLISH_CONTEXT, { kind: 'garbage' }), 3, 'SCARD_F_COMM_ERROR'],
  ['garbage reader array', '2.4.1', fault(S.CMD.GET_READERS_STATE, { kind: 'garbage' }), 3, 'SCARD_F_COMM_ERROR'],
  [
    'garbage 4:6 array size, twice',
    '2.5.1',
    (f) => {
      for (const nth of [1, 2])
        f.inject({ cmd: S.CMD.GET_READERS_STATE_SIZE, nth, action: { kind: 'replace', bytes: S.words(0x7ffffff0) } });
    },
    3,
    'SCARD_F_COMM_ERROR',
  ],
  // pcscd answered: a reset now is the daemon going away, not polkit (which resets before answering).
  ['ECONNRESET after CMD_VERSION', '2.4.1', fault(S.CMD.VERSION, { kind: 'reset' }), 3, 'SCARD_F_COMM_ERROR'],
  ['polkit refuses the connection', '2.4.1', (f) => Object.assign(f, {}), 3, 'SCARD_W_SECURITY_VIOLATION'],
  [
    'daemon version nobody speaks (4:1)',
    '2.2.3',
    fault(S.CMD.VERSION, { kind: 'replace', bytes: S.words(4, 1, 0x8010001e) }),
    3,
    'SCARD_E_SERVICE_STOPPED',
  ],
  ['daemon never answers CMD_VERSION', '2.4.1', fault(S.CMD.VERSION, { kind: 'silent' }), 5, 'SCARD_E_TIMEOUT'],
];

describe.concurrent('pcsc scan -r when the daemon fails', () => {
  it.each(CASES)(
    '%s',
    async (label, version, setup, exit, scardName) => {
      const polkit = label.startsWith('polkit') ? { denyAccess: () => true } : undefined;
      const fake = await startFake({ version, readers: [withCard()], polkit });
      setup(fake);
      const r = await scan(fake.path);
      expect(r.exitCode, r.stderr).toBe(exit);
      oneLineError(r);
      // The request timeout is 30 s: one run of the silent case is enough.
      if (label.includes('never answers')) return;
      // Same fault with --json: one JSON object with the SCARD code on stdout.
      const again = await startFake({ version, readers: [withCard()], polkit });
      setup(again);
      const j = await scan(again.path, '--json');
      expect(j.exitCode).toBe(exit);
      const err = (JSON.parse(j.stdout) as { error: { code: string; name: string; message: string } }).error;
      expect(err.name).toMatch(scardName);
      expect(err.code).toMatch(/^0x8010[0-9A-F]{4}$/);
      expect(j.stderr).not.toMatch(/^\s+at /m);
    },
    90_000,
  );

  it('stale socket file (daemon gone): SCARD_E_NO_SERVICE, exit 3', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
    fake.die();
    expect(existsSync(fake.path)).toBe(true);
    const r = await scan(fake.path);
    expect(r.exitCode).toBe(3);
    oneLineError(r);
    expect(r.stderr).toContain('0x8010001D');
  });

  it('daemon never answers the RELEASE: the readers are printed and the command ends', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
    fake.inject({ cmd: S.CMD.RELEASE_CONTEXT, action: { kind: 'silent' } });
    const r = await scan(fake.path);
    expect(r).toMatchObject({ exitCode: 0, stdout: `0: ${READER}\n` });
  }, 90_000);
});
