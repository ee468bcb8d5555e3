// `--backend auto` is never silent. With neither pcscd at the default socket nor a USB reader: exit 3 with the
// doctor hint (scan -r, scan -c, watch mode, apdu; watch mode must not wait forever). With pcscd answering (the rig,
// the fake daemon): JSON says which backend answered, and nothing is said on stderr.
// The USB fallback itself, with a reader, is tested in the QEMU guest (usb-emulated.test.ts).

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SOCKET, LEGACY_SOCKET } from '../../src/core/pcscd/socket-path.js';
import { pcsc, requireBuild } from '../helpers/cli.js';
import { startRig, type Rig } from '../rig/rig.js';
import { startFake } from './fakes/helpers.js';
import { withCard } from './fakes/helpers.js';

beforeAll(() => {
  requireBuild();
});

const noEnv = (): NodeJS.ProcessEnv => {
  const { PCSCLITE_CSOCK_NAME: _x, ...rest } = process.env;
  return { ...rest, NO_COLOR: '1' };
};

/** This machine has no USB CCID reader (the QEMU tests bring their own), and no pcscd at the system's paths. */
const noDaemon = !existsSync(DEFAULT_SOCKET) && !existsSync(LEGACY_SOCKET);

describe.skipIf(!noDaemon)('neither pcscd nor a USB reader', () => {
  it.each([
    ['scan -r', ['scan', '-r']],
    ['scan -c', ['scan', '-c']],
    ['scan (watch mode)', ['scan']],
    ['apdu', ['apdu', '00A4040000']],
  ])(
    '%s: exit 3, one line saying both are missing, and the doctor hint',
    async (_l, args) => {
      const r = await pcsc(args, { env: noEnv(), timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toBe(
        `pcsc: PC/SC service (pcscd) not running (0x8010001D): no pcscd socket at ${DEFAULT_SOCKET}, and no USB reader is plugged in`,
      );
      expect(lines[1]).toMatch(/pcsc doctor/);
      expect(lines).toHaveLength(2);
    },
    40_000,
  );

  it('--json: the error object, no empty daemon strings', async () => {
    const r = await pcsc(['scan', '-r', '--json'], { env: noEnv() });
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout) as { error: { name: string; message: string } };
    expect(j.error.name).toBe('SCARD_E_NO_SERVICE');
    expect(j.error.message).toContain('no USB reader is plugged in');
  });
});

describe('pcscd answers', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ insert: [0] });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('on the rig: JSON names the backend and the daemon, and stderr stays empty', async () => {
    for (const args of [
      ['scan', '-r', '--json'],
      ['scan', '-c', '--json', '--no-analysis'],
    ]) {
      const r = await pcsc(args, { env: { ...rig.env(), NO_COLOR: '1' } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ backend: 'pcscd', daemon: { protocol: '4:4', socket: rig.socket } });
    }
  });

  it('on the fake daemon: the same', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
    const r = await pcsc(['scan', '-r', '--json', '--socket', fake.path], { env: noEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ backend: 'pcscd', daemon: { socket: fake.path } });
  });
});
