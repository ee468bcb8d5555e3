// The reader-state array's length without waiting for silence (src/core/pcscd/array-length.ts): a
// CMD_VERSION sent behind CMD_GET_READERS_STATE marks where the array ends. Against Debian's real
// pcscd (1.9.9: 16 entries), the fake daemon with Fedora's 48, and a daemon that never answers the
// second request (the bounded fallback: the bytes before silence).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArrayLength, type ArrayLength } from '../../../src/core/pcscd/array-length.js';
import { LAYOUT_100, LAYOUT_128 } from '../../../src/core/pcscd/codes.js';
import { Session } from '../../../src/core/pcscd/session.js';
import { probeArraySlots } from '../../../src/core/doctor/pcscd-versions.js';
import * as S from '../../fakes/structs.js';
import { startRig, type Rig } from '../../rig/rig.js';
import { guard, startFake, withCard } from '../fakes/helpers.js';

guard();

/** readArrayLength on a fresh session, as probeArraySlots asks (whole entries, at least 16). */
async function measure(path: string, maxMinor: number, legacyNames?: 100 | 128): Promise<ArrayLength | undefined> {
  const s = await Session.open({ path, maxMinor, requestTimeout: 10_000, ...(legacyNames ? { legacyNames } : {}) });
  try {
    const sizes = maxMinor === 2 ? [LAYOUT_100.entrySize, LAYOUT_128.entrySize] : [s.layout.entrySize];
    return await readArrayLength(s.conn, {
      isLength: (n) => sizes.some((e) => n >= 16 * e && n % e === 0),
      first: Math.min(...sizes),
      sent: s.minor,
      daemon: s.daemonVersion,
      // Generous: a reply in 7-byte writes 1 ms apart takes over a second on a busy machine.
      timeout: 10_000,
    });
  } finally {
    s.close();
  }
}

describe("Debian's real pcscd", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ insert: [0] });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('ends its 16-entry array with the reply to the CMD_VERSION sent behind it', async () => {
    expect(await measure(rig.socket, 5)).toEqual({ bytes: 16 * 184, endedBy: 'reply' });
    expect(await probeArraySlots(rig.socket)).toBe(16);
    // The connection is still in step afterwards: a context works as usual.
    const s = await Session.open({ path: rig.socket, maxMinor: 5 });
    expect(s.protocol).toBe('4:4');
    s.close();
  });
});

describe('the fake daemon', () => {
  it("Fedora's 48-entry build: counted up to the reply, also when it comes in 16-byte writes", async () => {
    const slow = await startFake({ version: '2.4.1', slots: 48, fragment: 16, readers: [withCard()] });
    expect(await measure(slow.path, 5)).toEqual({ bytes: 48 * 184, endedBy: 'reply' });
    const fake = await startFake({ version: '2.4.1', slots: 48, readers: [withCard()] });
    expect(await measure(fake.path, 5)).toEqual({ bytes: 48 * 184, endedBy: 'reply' });
    expect(await probeArraySlots(fake.path)).toBe(48);
    // GET_READERS_STATE, then VERSION again, on each connection after its own VERSION.
    const byConn = (c: number): number[] => fake.requests.filter((r) => r.conn === c).map((r) => r.cmd);
    expect(byConn(2)).toEqual([S.CMD.VERSION, S.CMD.GET_READERS_STATE, S.CMD.VERSION]);
    expect(fake.violations).toEqual([]);
  });

  it.each([16, 48])(
    'a daemon that never answers the second CMD_VERSION: %i entries, counted once the stream is quiet',
    async (slots) => {
      const fake = await startFake({ version: '2.4.1', slots, readers: [withCard()] });
      fake.inject({ cmd: S.CMD.VERSION, nth: 2, action: { kind: 'silent' } });
      expect(await measure(fake.path, 5)).toEqual({ bytes: slots * 184, endedBy: 'silence' });
      fake.inject({ cmd: S.CMD.VERSION, nth: 2, action: { kind: 'silent' } });
      expect(await probeArraySlots(fake.path)).toBe(slots);
    },
  );

  it('a daemon that never answers CMD_GET_READERS_STATE: no count, within the bound', async () => {
    const fake = await startFake({ version: '2.4.1', readers: [withCard()] });
    fake.inject({ cmd: S.CMD.GET_READERS_STATE, action: { kind: 'silent' } });
    expect(await probeArraySlots(fake.path, { timeoutMs: 300 })).toBeUndefined();
  });

  it.each([
    ['1.8.3', LAYOUT_100.entrySize],
    ['1.8.8', LAYOUT_128.entrySize],
  ])('4:2 (pcscd %s): %i-byte entries, told apart by the reply', async (version, entry) => {
    for (const fragment of [0, 7]) {
      const fake = await startFake({ version, fragment, readers: [withCard()] });
      expect(await measure(fake.path, 2, 128)).toEqual({ bytes: 16 * entry, endedBy: 'reply' });
      fake.inject({ cmd: S.CMD.VERSION, nth: 2, action: { kind: 'silent' } });
      expect(await measure(fake.path, 2, 128)).toEqual({ bytes: 16 * entry, endedBy: 'silence' });
      expect(fake.violations).toEqual([]);
    }
  });
});
