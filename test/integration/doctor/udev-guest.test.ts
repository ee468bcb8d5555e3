// udev-check inside the QEMU guest of docs/usb.md#testing-against-a-real-reader-qemus-usb-ccid, where QEMU's usb-ccid reader is a real
// USB device in real sysfs and /dev/bus/usb (test/rig/ccid-vm.sh; one VM at a time, it holds
// /tmp/ccid-vm.lock itself).

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild, REPO, runInGuest, type GuestRun } from '../helpers/ccid-vm.js';

const VM = join(REPO, 'test/rig/ccid-vm.sh');

interface UdevJson {
  ok: boolean;
  readers: {
    name: string;
    vid: string;
    pid: string;
    busPath: string;
    node: string;
    owner: string;
    group: string;
    mode: string;
    ccid: boolean;
    bundles: string[];
    pcscdCanOpen: boolean;
  }[];
  checks: { id: string; status: string }[];
}

describe('udev-check in the QEMU guest with a real USB CCID reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcsc-guest-'));
  let guest: GuestRun;
  beforeAll(async () => {
    if (!existsSync(VM)) throw new Error(`${VM} is missing (the QEMU guest script of docs/usb.md)`);
    assertFreshBuild();
    guest = await runInGuest(
      [
        'sh',
        '-c',
        `cd ${REPO} && NO_COLOR=1 node bin/run.js udev-check > ${dir}/human.txt 2>&1; echo $? > ${dir}/human.code; node bin/run.js udev-check --json > ${dir}/out.json; echo $? > ${dir}/json.code`,
      ],
      { card: 'none', rw: dir },
    );
  }, 1_500_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const read = (f: string): string => {
    if (!existsSync(join(dir, f)))
      throw new Error(`the guest wrote no ${f} (exit ${guest.code}); guest output:\n${guest.output.slice(-3000)}`);
    return readFileSync(join(dir, f), 'utf8');
  };

  it('finds the reader and reports its node as the kernel made it (no udev runs in the guest)', () => {
    const j = JSON.parse(read('out.json')) as UdevJson;
    expect(j.readers).toHaveLength(1);
    expect(j.readers[0]).toMatchObject({
      vid: '08e6',
      pid: '4433',
      busPath: '1-1',
      node: '/dev/bus/usb/001/002',
      owner: 'root',
      group: 'root',
      mode: '0600',
      ccid: true,
      pcscdCanOpen: true,
    });
    expect(j.readers[0]?.bundles).toContain('ifd-ccid.bundle');
    expect(j.checks.find((c) => c.id === 'udev.readers')?.status).toBe('pass');
    expect(j.checks.find((c) => c.id === 'udev.node-access')?.status).toBe('pass');
    expect(read('json.code').trim()).toBe('0');
  });

  it('prints the node and the verdict', () => {
    const h = read('human.txt');
    expect(h).toContain('08e6:4433  bus 1-1  /dev/bus/usb/001/002');
    expect(h).toContain('  node:    root:root 0600');
    expect(h).toContain('  verdict: ✔ pcscd (user root) can open it; you can too');
    expect(read('human.code').trim()).toBe('0');
  });
});
