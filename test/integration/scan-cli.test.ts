// `pcsc scan -r` through the built CLI against the real pcscd, line for line with pcsc_scan -r.

import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcsc as runPcsc, requireBuild } from '../helpers/cli.js';
import { startRig, type Rig } from '../rig/rig.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...env, NO_COLOR: '1' }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function pcsc(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const r = await runPcsc(args, { env: { ...env, NO_COLOR: '1' } });
  return { ...r, code: r.code ?? -1 };
}
const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

beforeAll(() => {
  requireBuild();
});

describe.each([
  ['two vpcd readers, a card in one', { insert: [0] as (0 | 1)[] }],
  ['no reader at all', { readers: false }],
])('pcsc scan -r on pcscd with %s', (_name, opts) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(opts);
  });
  afterAll(() => rig?.stop());

  it('prints what pcsc_scan -r prints, line for line', async () => {
    const [ours, peer] = await Promise.all([pcsc(['scan', '-r'], rig.env()), run('pcsc_scan', ['-r'], rig.env())]);
    expect(peer.code).toBe(0);
    expect(ours.code).toBe(0);
    expect(lines(ours.stdout)).toEqual(lines(peer.stdout));
    expect(ours.stderr).toBe('');
    if (rig.readers.length > 0) expect(lines(ours.stdout)).toEqual(rig.readers.map((r, i) => `${i}: ${r}`));
    else expect(lines(ours.stdout)).toEqual(['No reader found.']);
  });

  it('--socket works as PCSCLITE_CSOCK_NAME does', async () => {
    const env = { ...rig.env(), PCSCLITE_CSOCK_NAME: '/nonexistent/pcscd.comm' };
    const ours = await pcsc(['scan', '-r', '--socket', rig.socket], env);
    expect(ours.code).toBe(0);
    expect(lines(ours.stdout)).toEqual((await run('pcsc_scan', ['-r'], rig.env())).stdout.split('\n').filter(Boolean));
  });

  it('--reader: digits are an index, else a case-insensitive name part; a part of several names is a usage error (exit 2) listing them', async () => {
    const chosen = async (spec: string): Promise<string[]> => {
      const r = await pcsc(['scan', '-c', '-n', '--json', '--reader', spec], rig.env());
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { readers: { name: string }[] }).readers.map((x) => x.name);
    };
    if (rig.readers.length === 0) {
      const r = await pcsc(['scan', '-c', '-n', '--reader', '0'], rig.env());
      expect(r.code).toBe(4);
      expect(lines(r.stderr)[0]).toMatch(/^pcsc: .*0x8010002E/); // SCARD_E_NO_READERS_AVAILABLE
      return;
    }
    expect(await chosen('1')).toEqual([rig.readers[1]]);
    expect(await chosen('pcd 00 01')).toEqual([rig.readers[1]]);
    const r = await pcsc(['scan', '-c', '-n', '--reader', 'VIRTUAL'], rig.env());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual([
      `pcsc: "VIRTUAL" matches 2 readers: ${rig.readers.map((n, i) => `${i}: ${n}`).join(', ')}; give more of the name or its number`,
    ]);
    const j = await pcsc(['scan', '-c', '-n', '--json', '--reader', 'virtual'], rig.env());
    expect(j.code).toBe(2);
    expect((JSON.parse(j.stdout) as { error: { name: string } }).error.name).toBe('USAGE');
  });

  it('--reader "" is a usage error, not "any reader"; a huge number is quoted as written', async () => {
    for (const cmd of [
      ['scan', '-c', '-n'],
      ['apdu', '00A4040000'],
    ]) {
      const r = await pcsc([...cmd, '--reader', ''], rig.env());
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toEqual([
        'pcsc: Parsing --reader: an empty reader name would match every reader: give its number or a part of its name',
      ]);
    }
    if (rig.readers.length === 0) return;
    const big = await pcsc(['scan', '-c', '-n', '--reader', '99999999999999999999'], rig.env());
    expect(big.code).toBe(4);
    expect(lines(big.stderr)[0]).toMatch(/: no reader number 99999999999999999999 \(there are 2 readers/);
  });

  it('--json prints one object: readers and the daemon it spoke to', async () => {
    const ours = await pcsc(['scan', '-r', '--json'], rig.env());
    expect(ours.code).toBe(0);
    expect(JSON.parse(ours.stdout)).toEqual({
      readers: rig.readers.map((name) => ({ name })),
      backend: 'pcscd',
      daemon: { protocol: '4:4', socket: rig.socket },
    });
    // pcscd answered: no fallback note.
    expect(ours.stderr).toBe('');
  });
});

describe('pcsc scan -r without pcscd', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ readers: false });
    await rig.killDaemon(); // the socket file stays: a stale socket, as after a crash
  });
  afterAll(() => rig?.stop());

  const cases = [
    ['a stale socket file', (): string => rig.socket],
    ['no socket file', (): string => rig.socket + '.missing'],
  ] as const;

  it.each(cases)('with %s: exit 3 and the error on one line, no stack trace', async (_name, path) => {
    const env = { ...rig.env(), PCSCLITE_CSOCK_NAME: path() };
    const [ours, peer] = await Promise.all([pcsc(['scan', '-r'], env), run('pcsc_scan', ['-r'], env)]);
    expect(peer.code).not.toBe(0); // the peer fails too: "Service not available"
    expect(ours.code).toBe(3);
    expect(ours.stdout).toBe('');
    const err = lines(ours.stderr);
    expect(err[0]).toMatch(/^pcsc: PC\/SC service \(pcscd\) not running \(0x8010001D\): .+$/);
    // At most a second line saying what to do (README: "and sometimes a second line").
    expect(err.length).toBeLessThanOrEqual(2);
    for (const l of err) expect(l).toMatch(/^pcsc: /);
    expect(ours.stderr).not.toMatch(/\n\s+at /);
  });

  it.each(cases)('with %s and --json: exit 3 and the JSON error shape on stdout', async (_name, path) => {
    const ours = await pcsc(['scan', '-r', '--json'], { ...rig.env(), PCSCLITE_CSOCK_NAME: path() });
    expect(ours.code).toBe(3);
    const out = JSON.parse(ours.stdout) as { error: Record<string, string> };
    expect(out).toEqual({
      error: { code: '0x8010001D', name: 'SCARD_E_NO_SERVICE', message: expect.stringContaining('0x8010001D') },
    });
    expect(Object.keys(out)).toEqual(['error']);
  });
});
