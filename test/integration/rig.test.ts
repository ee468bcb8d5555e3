// The test rig itself: pcscd on a private socket, vpcd slots, card.py and vicc, seen by libpcsclite's pcsc_scan and scriptor.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';

describe('test rig', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ vicc: [1] });
  });
  afterAll(() => rig?.stop());

  it('serves both vpcd slots to pcsc_scan', () => {
    const out = execFileSync('pcsc_scan', ['-r'], { env: rig.env(), encoding: 'utf8', timeout: 10_000 });
    expect(out.trim().split('\n')).toEqual(['0: Virtual PCD 00 00', '1: Virtual PCD 00 01']);
  });
});
