// The test rig itself, seen through libpcsclite's own tools (pcsc_scan, scriptor): private pcscd,
// both vpcd slots, card.py's built-in commands, Debian's vicc, parallel rigs and cleanup.

import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFiles, startProcess } from '../rig/processes.js';
import { startRig, type Rig } from '../rig/rig.js';

function tool(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd}: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** Sends APDUs with scriptor (libpcsclite, no GET RESPONSE of its own); returns the R-APDUs. */
async function scriptor(rig: Rig, reader: string, apdus: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pcsc-scriptor-'));
  const file = join(dir, 'script');
  writeFileSync(file, apdus.join('\n') + '\n');
  const out = await tool('scriptor', ['-r', reader, file], rig.env());
  // Each reply starts with "< "; data may run over several lines; the last one has "SW : text".
  const replies: string[] = [];
  let cur: string[] | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('< ')) cur = [];
    if (!cur) continue;
    const [bytes, text] = line.replace(/^< /, '').split(' : ');
    cur.push((bytes ?? '').replace(/\s+/g, ''));
    if (text !== undefined) {
      replies.push(cur.join(''));
      cur = null;
    }
  }
  return replies;
}

describe('test rig', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ vicc: [1] });
  });
  afterAll(() => rig?.stop());

  it('serves both vpcd slots on a private socket, as pcsc_scan sees them', async () => {
    expect(rig.socket.startsWith(tmpdir())).toBe(true);
    const out = await tool('pcsc_scan', ['-r'], rig.env());
    expect(out.trim().split('\n')).toEqual(['0: Virtual PCD 00 00', '1: Virtual PCD 00 01']);
  });

  it("card.py's built-in commands, as libpcsclite's scriptor sees them", async () => {
    const r = await scriptor(rig, rig.readers[0] as string, [
      '80 E0 00 05 00', // 5 bytes
      '80 E2 00 00 03 0A 0B 0C', // echo
      '80 E4 00 00 03 0A 0B 0C', // length of the C-APDU
      'A0 EA 00 14', // 20 bytes through 61xx
      '00 C0 00 00 10', // GET RESPONSE with another CLA: refused
      'A0 C0 00 00 10', // 16 of them
      'A0 C0 00 00 04', // the last 4
      '80 EC 03 00 00', // wrong Le
      '80 EC 03 00 03', // right Le
      '80 E6 00 0A', // 10 ms
      '00 A4 04 00 00', // unknown: 6D 00
    ]);
    expect(r).toEqual([
      '00010203049000',
      '0A0B0C9000',
      '000000089000',
      '6114',
      '6E00',
      '000102030405060708090A0B0C0D0E0F6104',
      '101112139000',
      '6C03',
      '0001029000',
      '9000',
      '6D00',
    ]);
    expect(await rig.card(0).apdus()).toContain('A0C0000010');
  });

  it('card.py rules override the built-ins, newest first, once if asked', async () => {
    const card = rig.card(0);
    await card.rule({ match: '00A40400', reply: '6A82' });
    await card.rule({ match: '00A4040007', reply: '9000', once: true });
    await card.rule({ match: 'A0A4', chain: '0102030405', sw: '9000' });
    const r = await scriptor(rig, rig.readers[0] as string, [
      '00 A4 04 00 07 A0 00 00 00 03 10 10',
      '00 A4 04 00 07 A0 00 00 00 03 10 10',
      'A0 A4 00 00 02 3F 00',
      'A0 C0 00 00 05',
    ]);
    expect(r).toEqual(['9000', '6A82', '6105', '01020304059000']);
    await card.clearRules();
  });

  it("Debian's vicc answers as an independent ISO 7816 card", async () => {
    const r = await scriptor(rig, rig.readers[1] as string, [
      '00 A4 04 00 00',
      '00 A4 00 00 02 3F 00',
      '00 C0 00 00 0C',
      '00 B0 00 00 10',
    ]);
    expect(r).toEqual(['6A82', '610C', '6F0A83023F008A01058201389000', '6986']);
  });

  it('card.py removal and insertion are seen by pcscd', async () => {
    const card = rig.card(0);
    await card.remove();
    expect((await card.status()).inserted).toBe(false);
    await card.insert();
    expect((await card.status()).inserted).toBe(true);
    expect(rig.pcscdLog).toMatch(/Card Removed From Virtual PCD 00 00[\s\S]*Card inserted into Virtual PCD 00 00/);
  });
});

describe('test rig lifecycle', () => {
  it('runs rigs side by side on their own sockets and ports, and stop() leaves nothing behind', async () => {
    const rigs = await Promise.all([startRig(), startRig(), startRig({ readers: false })]);
    try {
      expect(new Set(rigs.map((r) => r.socket)).size).toBe(3);
      expect(rigs[0]?.port).not.toBe(rigs[1]?.port);
      const outs = await Promise.all(rigs.map((r) => tool('pcsc_scan', ['-r'], r.env())));
      expect(outs.map((o) => o.trim())).toEqual([
        '0: Virtual PCD 00 00\n1: Virtual PCD 00 01',
        '0: Virtual PCD 00 00\n1: Virtual PCD 00 01',
        'No reader found.',
      ]);
    } finally {
      await Promise.all(rigs.map((r) => r.stop()));
    }
    for (const r of rigs) {
      expect(existsSync(`/proc/${r.pcscdPid}`) && !isZombie(r.pcscdPid)).toBe(false);
      expect(existsSync(r.socket)).toBe(false);
    }
  });

  it("leaves the machine's /run/pcscd alone: as root, pcscd writes its pid file in a mount namespace of its own", async () => {
    const rig = await startRig({ insert: [] });
    try {
      const pidFile = '/run/pcscd/pcscd.pid';
      const seen = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '';
      expect(seen).not.toBe(String(rig.pcscdPid));
      if (process.getuid?.() === 0) {
        expect(readlinkSync(`/proc/${rig.pcscdPid}/ns/mnt`)).not.toBe(readlinkSync('/proc/self/ns/mnt'));
        // Inside its namespace the daemon did write its pid file (what would otherwise land on the host).
        expect(readFileSync(`/proc/${rig.pcscdPid}/root${pidFile}`, 'utf8').replace(/\0/g, '').trim()).toBe(
          String(rig.pcscdPid),
        );
        // The machine's USB drivers are hidden from it: it must not grab a real reader the user is using.
        const ccid = '/usr/lib/pcsc/drivers/ifd-ccid.bundle';
        if (existsSync(ccid)) {
          expect(readdirSync(ccid)).not.toEqual([]);
          expect(readdirSync(`/proc/${rig.pcscdPid}/root${ccid}`)).toEqual([]);
        }
      }
    } finally {
      await rig.stop();
    }
  });

  it('starts pcscd as another user where no pcscd ever ran (no /run/pcscd, which only root may create)', async () => {
    // A fresh machine, seen by user nobody: a mount namespace (made by root, this test) whose /run is empty.
    expect(process.getuid?.(), 'this test sets up the user and the empty /run as root (CI runs as root)').toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'pcsc-rig-nobody-'));
    chmodSync(dir, 0o777);
    mkdirSync(join(dir, 'conf'));
    const socket = join(dir, 'pcscd.comm');
    const launch = fileURLToPath(new URL('../rig/pcscd-launch.py', import.meta.url));
    const script = `mount -t tmpfs -o mode=755 tmpfs /run && exec setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$0" "$1" --foreground --config "$2" --info`;
    const pcscd = startProcess('unshare', ['-m', 'sh', '-c', script, launch, socket, join(dir, 'conf')]);
    try {
      await pcscd.waitLine(/daemon ready\.$/, 0, 10_000, 'pcscd start-up as nobody');
      const out = await tool('pcsc_scan', ['-r'], { ...process.env, PCSCLITE_CSOCK_NAME: socket });
      expect(out.trim()).toBe('No reader found.');
      // Its pid file went to a /run/pcscd of its own (unshare, sh, setpriv and python exec'd into pcscd: same pid).
      const own = readFileSync(`/proc/${pcscd.pid}/root/run/pcscd/pcscd.pid`, 'utf8').replace(/\0/g, '').trim();
      expect(own).toBe(String(pcscd.pid));
    } finally {
      await pcscd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with what to install when a tool is missing', () => {
    expect(() => requireFiles({ '/nonexistent/pcscd': 'pcscd' })).toThrow(
      /missing \/nonexistent\/pcscd\. Install it: apt-get install pcscd/,
    );
  });
});

function isZombie(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}
