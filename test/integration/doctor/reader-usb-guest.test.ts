// Two identical readers on a real pcscd with a real libccid: QEMU's guest of docs/usb.md with a
// second usb-ccid (the same VID:PID 08e6:4433, in real sysfs), the host's pcscd 1.9.9 and libccid
// 1.5.2 started inside it (with the host's vpcd readers too: the root is shared). QEMU gives each
// usb-ccid a serial from its port ("1-0000:00:04.0-1"), which pcscd puts in the name and which
// alone tells them apart (measured); here the second gets the first one's serial, so nothing but
// the USB path could: libccid before 1.7.1 does not answer SCardControl 3601, and udev-check,
// doctor and scan must say "one of these two" rather than guess (docs/doctor.md#several-identical-readers).

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild, REPO, runInGuest, type GuestRun } from '../helpers/ccid-vm.js';

const VM = join(REPO, 'test/rig/ccid-vm.sh');
/** The serial QEMU gives the first reader (on port 1 of the controller at 0000:00:04.0). */
const SERIAL = '1-0000:00:04.0-1';
const QEMU = /^Gemalto Gemplus USB SmartCard Reader 433-Swap /;

/**
 * The guest's pcscd must see both readers in its one start-up scan: the guest runs no udevd, so
 * pcscd (libudev) never hears of a reader that appears later. That scan lists USB *interfaces*
 * (1-1:1.0, 1-2:1.0), which the kernel adds only once it has configured the device, so the device
 * directory (1-2) alone does not say the scan will find it. pcscd answers no client before that
 * scan has added every reader (in its log the first client comes after both readers' start-up),
 * so its first answer is final: polling it for a second reader cannot help. A second start, after
 * the first pcscd has exited (its exit deletes the socket and pid file, and it holds the readers
 * until then), is left for a reader whose driver failed to open. Every wait is bounded by time;
 * the trace file says what happened, for a failure's message.
 */
function guestScript(dir: string): string {
  return [
    `cd ${REPO}`,
    `T=${dir}/trace`,
    'now() { cut -d" " -f1 /proc/uptime; }',
    'note() { echo "$(now) $*" >> $T; }',
    'until_() { end=$(( $(date +%s) + $1 )); shift; while ! "$@"; do [ $(date +%s) -ge $end ] && return 1; sleep 0.2; done; }',
    'ifaces() { [ -e /sys/bus/usb/devices/1-1:1.0/bInterfaceNumber ] && [ -e /sys/bus/usb/devices/1-2:1.0/bInterfaceNumber ]; }',
    'usb() { echo $(ls /sys/bus/usb/devices); }',
    'note "usb: $(usb)"',
    'until_ 120 ifaces || note "an interface is missing after 120 s"',
    'note "usb: $(usb)"',
    // scan -r answers (exit 0) once pcscd serves clients: after its start-up scan.
    `answers() { node bin/run.js scan -r > ${dir}/readers.txt 2>&1; }`,
    'sock() { [ -S /run/pcscd/pcscd.comm ]; }',
    'gone() { ! kill -0 $pid 2>/dev/null; }',
    `start() { rm -f /run/pcscd/pcscd.comm; /usr/sbin/pcscd --foreground --info >> ${dir}/pcscd.log 2>&1 & pid=$!; note "pcscd $pid"; until_ 120 sock && until_ 240 answers; note "pcscd answered: $(tr "\\n" "|" < ${dir}/readers.txt)"; }`,
    `two() { [ "$(grep -c "Gemalto Gemplus USB SmartCard Reader 433-Swap" ${dir}/readers.txt)" -ge 2 ]; }`,
    'start',
    'if ! two; then note "fewer than two readers: pcscd again"; kill $pid; until_ 60 gone || kill -9 $pid; until_ 10 gone; start; fi',
    `NO_COLOR=1 node bin/run.js udev-check > ${dir}/udev.txt 2>&1`,
    // udev-check asks each reader's driver on a connection of its own, every request bounded by 5 s
    // of wall time: a guest starved by the host's load can let one expire (seen once: the note said
    // SCARD_E_NO_SERVICE instead of the driver's answer). Asked again then, at most twice.
    `check() { node bin/run.js udev-check --json > ${dir}/udev.json; }`,
    `expired() { grep -qE "SCARD_E_(NO_SERVICE|TIMEOUT)" ${dir}/udev.json; }`,
    'check; k=0; while expired && [ $k -lt 2 ]; do note "udev-check: a 5 s bound expired, again"; k=$((k+1)); check; done',
    `node bin/run.js scan -c -n --json > ${dir}/scan.json`,
    'note done',
    `touch ${dir}/done`,
  ].join('\n');
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
  let guest: GuestRun;
  beforeAll(async () => {
    if (!existsSync(VM)) throw new Error(`${VM} is missing (the QEMU guest script of docs/usb.md)`);
    assertFreshBuild();
    guest = await runInGuest(['sh', '-c', guestScript(dir)], {
      card: 'none',
      rw: dir,
      // 40 s on a quiet machine, 430 s beside two busy loops; with four, 600 s ran out in the last step.
      timeoutS: 900,
      extra: `-device usb-ccid,bus=xhci.0,id=ccid2,serial=${SERIAL}`,
    });
  }, 1_900_000); // up to 900 s waiting for another VM (ccid-vm.sh's lock), then this one's 900 s
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A file the guest wrote, once it has run to its end (a VM stopped midway leaves files cut short). */
  const read = (f: string): string => {
    if (!existsSync(join(dir, 'done'))) {
      const trace = existsSync(join(dir, 'trace')) ? readFileSync(join(dir, 'trace'), 'utf8') : '(none)\n';
      throw new Error(
        `the guest did not finish (exit ${guest.code}; 124: out of time); its trace:\n${trace}guest output:\n${guest.output.slice(-3000)}`,
      );
    }
    return readFileSync(join(dir, f), 'utf8');
  };

  it('udev-check --json: two devices of one VID:PID and serial, each pcscd reader one of them, no USB path', () => {
    const j = JSON.parse(read('udev.json')) as { readers: { vid: string; busPath: string }[]; pcscdReaders?: Link[] };
    expect(j.readers.map((r) => `${r.vid}:${r.busPath}`)).toEqual(['08e6:1-1', '08e6:1-2']);
    const qemu = (j.pcscdReaders ?? []).filter((l) => QEMU.test(l.reader));
    expect(qemu, `${read('trace')}\n${read('pcscd.log')}`).toHaveLength(2);
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
