// doctor against Debian's real pcscd (1.9.9, protocol 4:4) on a private socket: up, busy, down, stale.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../../src/core/index.js';
import { DEFAULT_SOCKET } from '../../../src/core/pcscd/socket-path.js';
import { PcscdContext } from '../../../src/core/pcscd/context.js';
import { runDoctor, type DoctorReport } from '../../../src/core/doctor/index.js';
import { pcsc, type CliResult } from '../../helpers/cli.js';
import { startRig, type Rig } from '../../rig/rig.js';

/** vicc's ATR (docs/test-rig.md#vicc): T=1 only, so the doctor's shared connection is T=1. */
const VICC_ATR = '3B951381018073FF01000B';

const cli = (args: string[]): Promise<CliResult> => pcsc(args, { env: { ...process.env, NO_COLOR: '1' } });

/** Whether a daemon accepts connections at `path` (asked with Node's own socket, not ours). */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ path });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Whether an scdaemon runs on this machine (read from /proc/PID/comm, not through our probe). */
function scdaemonRuns(): boolean {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8') === 'scdaemon\n';
      } catch {
        return false;
      }
    });
}

/** The holder here is this test, not GnuPG: scdaemon is named only when one runs. */
function expectHolderFix(fix: { text: string; commands?: string[] } | null | undefined): void {
  const scdaemon = scdaemonRuns();
  if (scdaemon) expect(fix?.commands).toEqual(['gpgconf --kill scdaemon']);
  else {
    expect(fix?.text).toMatch(/^Another program holds the card/);
    expect(JSON.stringify(fix)).not.toMatch(/scdaemon|gpgconf/);
  }
}

const DAEMON_CHECKS = ['pcscd.socket', 'pcscd.protocol', 'pcscd.readers', 'libpcsclite.version'];
const by = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id);

describe('doctor with the real pcscd up', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ insert: [], atr: VICC_ATR });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('passes the daemon checks and reports the negotiated protocol', async () => {
    const r = await runDoctor({ ids: DAEMON_CHECKS, socket: rig.socket });
    for (const id of DAEMON_CHECKS) expect(by(r, id)?.status, `${id}: ${by(r, id)?.summary}`).toBe('pass');
    expect(r.protocol).toBe('4:4');
    // Debian's pcscd is an upstream build: reader-state arrays of 16 entries, counted over the real socket.
    expect(by(r, 'pcscd.protocol')?.data).toMatchObject({
      daemon: '4:4',
      accepts: ['4:4'],
      negotiated: '4:4',
      slots: 16,
    });
    expect(by(r, 'pcscd.readers')?.summary).toBe('2 readers, all usable');
    expect(by(r, 'libpcsclite.version')?.summary).toBe('libpcsclite 1.9.9 works with pcscd (4:4)');
  });

  it('finds the daemon process that serves the socket among the others', async () => {
    const r = await runDoctor({ ids: ['pcscd.options'], socket: rig.socket });
    expect(by(r, 'pcscd.options')?.details?.some((d) => d.includes(`--config ${join(rig.dir, 'reader.conf.d')}`))).toBe(
      true,
    );
  });

  it('connects to a card in shared mode, and names exclusive use by another program', async () => {
    await rig.card(0).insert();
    let r = await runDoctor({ ids: ['pcscd.readers'], socket: rig.socket });
    expect(by(r, 'pcscd.readers')?.details?.[0]).toBe('Virtual PCD 00 00: card present, connected shared (T=1)');
    const holder = await PcscdContext.establish({ socket: rig.socket });
    let card: Card | undefined;
    try {
      card = await holder.connect(rig.readers[0] as string, { share: 'exclusive' });
      r = await runDoctor({ ids: ['pcscd.readers'], socket: rig.socket });
      const c = by(r, 'pcscd.readers');
      expect(c?.status).toBe('fail');
      // The holder is this very process, which doctor leaves out of "connected to pcscd now"
      // (test/integration/clients.pcscd.test.ts names holders in other processes).
      expect(c?.summary).toBe(
        'Virtual PCD 00 00: held exclusively by another program (SCARD_E_SHARING_VIOLATION) — no other program is connected to pcscd now',
      );
      expectHolderFix(c?.fix);
    } finally {
      await card?.disconnect('leave');
      await holder.release();
    }
  });

  it("names a reader that another program's open transaction keeps busy, and still checks the next reader", async () => {
    const holder = await PcscdContext.establish({ socket: rig.socket });
    let card: Card | undefined;
    try {
      card = await holder.connect(rig.readers[0] as string, { share: 'shared' });
      await card.beginTransaction();
      const r = await runDoctor({ ids: ['pcscd.readers'], socket: rig.socket });
      const c = by(r, 'pcscd.readers');
      expect(c?.status).toBe('fail');
      expect(c?.details).toEqual([
        `${rig.readers[0]}: busy: another program keeps a transaction open on the card (pcscd held a shared connect for over 5 s) — no other program is connected to pcscd now`,
        `${rig.readers[1]}: no card`,
      ]);
      expectHolderFix(c?.fix);
      await card.endTransaction();
    } finally {
      await card?.disconnect('leave');
      await holder.release();
    }
  });

  it('prints one summary line when nothing is wrong, the checklist with --verbose, and exits 0', async () => {
    const r = await cli(['doctor', ...DAEMON_CHECKS, '--socket', rig.socket]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe('4 checks passed (pcscd protocol 4:4); --verbose shows every check\n');
    const v = await cli(['doctor', ...DAEMON_CHECKS, '--socket', rig.socket, '--verbose']);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain(`✔ ${rig.socket} (from --socket) accepts connections [pcscd.socket]`);
    expect(v.stdout).toMatch(/\n4 checks passed \(pcscd protocol 4:4\)\n$/);
  });

  it('takes a category where check ids go: `pcsc doctor pcscd`', async () => {
    const r = await cli(['doctor', 'pcscd', '--socket', rig.socket, '--json']);
    const j = JSON.parse(r.stdout) as DoctorReport;
    expect(new Set(j.checks.map((c) => c.category))).toEqual(new Set(['pcscd']));
    expect(j.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['pcscd.socket', 'pcscd.readers', 'pcscd.user']));
  });

  it('while pcscd lists usable readers, no USB warning to plug a reader in', async () => {
    const r = await cli(['doctor', 'udev.readers', 'pcscd.readers', '--socket', rig.socket, '--json']);
    const j = JSON.parse(r.stdout) as DoctorReport;
    expect(by(j, 'pcscd.readers')?.status).toBe('pass');
    const usb = by(j, 'udev.readers');
    // On a machine with USB readers plugged in, the check lists them; here the rig's are virtual.
    if ((usb?.data?.readers as unknown[] | undefined)?.length) return;
    expect(usb).toMatchObject({
      status: 'skip',
      summary: expect.stringMatching(/^No USB reader here; pcscd's 2 readers/),
    });
    expect(usb?.fix).toBeNull();
  });

  it('prints the DoctorReport as JSON', async () => {
    const r = await cli(['doctor', 'pcscd.protocol', '--socket', rig.socket, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as DoctorReport;
    expect(j.ok).toBe(true);
    expect(j.protocol).toBe('4:4');
    expect(j.checks.map((c) => c.id)).toEqual(['pcscd.socket', 'pcscd.protocol']);
    // Every check carries the issue's {id, status, summary, details, fix}: a passing one has fix null.
    expect(Object.keys(j.checks[1]!).sort()).toEqual([
      'category',
      'data',
      'details',
      'durationUs',
      'fix',
      'id',
      'status',
      'summary',
      'title',
    ]);
    expect(j.checks[1]?.fix).toBeNull();
  });
});

describe('doctor with pcscd down', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ readers: false });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('reports a stale socket after the daemon died, exit 1', async () => {
    await rig.killDaemon();
    const r = await cli(['doctor', 'pcscd.protocol', '--socket', rig.socket, '--verbose']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✘ Stale socket: nothing listens on ${rig.socket} [pcscd.socket]`);
    // The rig's socket is an override (--socket): the fix is about it, and about the system's pcscd.
    expect(r.stdout).toMatch(
      (await accepts(DEFAULT_SOCKET))
        ? /fix: Leave out --socket: the system's pcscd listens at \/run\/pcscd\/pcscd\.comm\./
        : new RegExp(
            `fix: Nothing serves --socket ${rig.socket}, and no system pcscd listens at /run/pcscd/pcscd\\.comm either\\.`,
          ),
    );
    expect(r.stdout).toContain(
      '- Skipped: needs "pcscd\'s socket is there and accepts connections", which failed [pcscd.protocol]',
    );
  });

  it('says nothing of the user or options of a daemon that is not running', async () => {
    const r = await cli(['doctor', 'pcscd.user', 'pcscd.options', '--socket', rig.socket, '--verbose']);
    expect(r.stdout).not.toMatch(/✔ pcscd runs as/);
    expect(r.stdout).not.toMatch(/✔ No extra options/);
    // What the unit says (under systemd) is configuration, not the running daemon: worded so.
    expect(r.stdout).toMatch(
      /^ {2}(- pcscd is not running \(started, it would run as \w+\)|✔ pcscd\.service runs pcscd as .*) \[pcscd\.user\]$/m,
    );
    const quiet = await cli(['doctor', 'pcscd.user', 'pcscd.options', '--socket', rig.socket]);
    expect(quiet.stdout).not.toMatch(/pcscd\.user|pcscd\.options/);
  });

  it('reports a missing socket with the command that starts pcscd, exit 1', async () => {
    rmSync(rig.socket, { force: true });
    const r = await cli(['doctor', 'pcscd.socket', '--socket', rig.socket, '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as DoctorReport;
    expect(j.ok).toBe(false);
    expect(j.protocol).toBeUndefined();
    expect(j.checks[0]).toMatchObject({
      id: 'pcscd.socket',
      status: 'fail',
      summary: `No pcscd socket at ${rig.socket} (from --socket)`,
    });
    expect(j.checks[0]?.fix?.commands?.length).toBeGreaterThan(0);
  });
});
