// Two identical readers on a real pcscd with a real libccid: QEMU's guest of docs/usb.md with a
// second usb-ccid (the same VID:PID 08e6:4433, in real sysfs), the host's pcscd 1.9.9 and libccid
// 1.5.2 started inside it (with the host's vpcd readers too: the root is shared). QEMU gives each
// usb-ccid a serial from its port ("1-0000:00:04.0-1"), which pcscd puts in the name and which
// alone tells them apart (measured); here the second gets the first one's serial, so nothing but
// the USB path could: libccid before 1.7.1 does not answer SCardControl 3601, and udev-check,
// doctor and scan must say "one of these two" rather than guess (docs/doctor.md#several-identical-readers).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild } from '../../helpers/build.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const VM = join(REPO, 'test/rig/ccid-vm.sh');
/** The serial QEMU gives the first reader (on port 1 of the controller at 0000:00:04.0). */
const SERIAL = '1-0000:00:04.0-1';
const QEMU = /^Gemalto Gemplus USB SmartCard Reader 433-Swap /;

function inGuest(script: string, dir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', [VM, 'sh', '-c', script], {
      cwd: REPO,
      env: {
        ...process.env,
        CCID_VM_CARD: 'none',
        CCID_VM_RW: dir,
        CCID_VM_TIMEOUT: '600',
        CCID_VM_EXTRA: `-device usb-ccid,bus=xhci.0,id=ccid2,serial=${SERIAL}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    process.once('exit', () => child.kill('SIGKILL'));
    child.once('close', (code) => resolve({ code, output }));
  });
}

interface Link {
  reader: string;
  matchedBy: string;
  usbPath?: string;
  candidates?: string[];
  note: string;
}

describe('two identical readers on pcscd + libccid 1.5.2 in the QEMU guest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcsc-guest-usb-'));
  let guest: { code: number | null; output: string };
  beforeAll(async () => {
    if (!existsSync(VM)) throw new Error(`${VM} is missing (the QEMU guest script of docs/usb.md)`);
    assertFreshBuild();
    // pcscd in the foreground, in the background of the guest's shell: it dies with the VM.
    guest = await inGuest(
      [
        `cd ${REPO}`,
        // Both readers enumerated before pcscd starts: the guest runs no udevd, so pcscd never hears of a
        // device that appears after its start-up scan (the wsl.usbip check's case; seen under load).
        'i=0; while { [ ! -e /sys/bus/usb/devices/1-1 ] || [ ! -e /sys/bus/usb/devices/1-2 ]; } && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done',
        // pcscd, then a bounded wait until it lists both readers; a second start if it saw only one (its
        // start-up scan raced the second device's enumeration under TCG, and no udevd tells it later).
        'readers() { node bin/run.js scan -r 2>/dev/null | grep -c "Gemalto Gemplus USB SmartCard Reader 433-Swap"; }',
        'start() { rm -f /run/pcscd/pcscd.comm; (/usr/sbin/pcscd --foreground >> ' +
          dir +
          '/pcscd.log 2>&1 &); i=0; while [ ! -S /run/pcscd/pcscd.comm ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done; i=0; while [ "$(readers)" -lt 2 ] && [ $i -lt 30 ]; do sleep 0.5; i=$((i+1)); done; }',
        'start',
        'if [ "$(readers)" -lt 2 ]; then kill $(pidof pcscd); sleep 1; start; fi',
        `NO_COLOR=1 node bin/run.js udev-check > ${dir}/udev.txt 2>&1`,
        `node bin/run.js udev-check --json > ${dir}/udev.json`,
        `node bin/run.js scan -c -n --json > ${dir}/scan.json`,
        `echo done > ${dir}/done`,
      ].join('; '),
      dir,
    );
  }, 1_500_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const read = (f: string): string => {
    if (!existsSync(join(dir, f)))
      throw new Error(`the guest wrote no ${f} (exit ${guest.code}); guest output:\n${guest.output.slice(-3000)}`);
    return readFileSync(join(dir, f), 'utf8');
  };

  it('udev-check --json: two devices of one VID:PID and serial, each pcscd reader one of them, no USB path', () => {
    const j = JSON.parse(read('udev.json')) as { readers: { vid: string; busPath: string }[]; pcscdReaders?: Link[] };
    expect(j.readers.map((r) => `${r.vid}:${r.busPath}`)).toEqual(['08e6:1-1', '08e6:1-2']);
    const qemu = (j.pcscdReaders ?? []).filter((l) => QEMU.test(l.reader));
    expect(qemu, read('pcscd.log')).toHaveLength(2);
    for (const l of qemu) {
      expect(l.usbPath).toBeUndefined();
      expect(l.matchedBy).toBe('none');
      expect(l.candidates).toEqual(['1-1', '1-2']);
      expect(l.note).toMatch(/^the driver gives no USB path \(SCARD_E_UNSUPPORTED_FEATURE: /);
    }
    // vpcd's readers are no USB devices: tied to nothing, with no candidates.
    for (const l of (j.pcscdReaders ?? []).filter((x) => !QEMU.test(x.reader))) {
      expect(l.matchedBy).toBe('none');
      expect(l.candidates).toBeUndefined();
    }
  });

  it('the udev-check table says it under each device', () => {
    const h = read('udev.txt');
    expect(h.match(/is this reader or another of the same VID:PID \(1-1, 1-2\)/g)).toHaveLength(4);
  });

  // scan -d is tested on the rig and the fake (test/integration/usb-path.pcscd.test.ts): in this slow guest a bounded watch would race.
  it('scan -c --json has no usbPath', () => {
    const j = JSON.parse(read('scan.json')) as { readers: { name: string }[] };
    expect(j.readers.filter((r) => QEMU.test(r.name))).toHaveLength(2);
    for (const r of j.readers) expect(r).not.toHaveProperty('usbPath');
  });
});
