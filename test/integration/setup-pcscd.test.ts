// scripts/setup-pcscd.sh, the last step of scripts/setup.sh: what it decides and prints for each
// machine (facts given, --dry-run: nothing is enabled, started or run; sudo, su, systemctl and npm
// are recorders that must stay unused), and the facts it reads itself from real pcscds of the test
// rig. The system's pcscd is never started: every run that does not give the facts points
// PCSCLITE_CSOCK_NAME at a rig, where the script starts nothing.

import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, requireBuild, ROOT } from '../helpers/cli.js';
import { startRig, type Rig } from '../rig/rig.js';
import { run } from './package/helpers.js';

const SCRIPT = join(ROOT, 'scripts', 'setup-pcscd.sh');
let scratch = '';
let record = '';

beforeAll(() => {
  requireBuild();
  scratch = mkdtempSync(join(tmpdir(), 'pcsc-setup-test-'));
  record = join(scratch, 'ran');
  mkdirSync(join(scratch, 'bin'));
  for (const tool of ['sudo', 'su', 'systemctl', 'npm']) {
    writeFileSync(join(scratch, 'bin', tool), `#!/bin/sh\necho "${tool} $*" >> '${record}'\n`);
    chmodSync(join(scratch, 'bin', tool), 0o755);
  }
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Facts {
  INSTALLED?: string;
  SYSTEMD?: string;
  ROOT?: string;
  SUDO?: string;
  ANSWERS?: string;
  LISTENING?: string;
  READERS?: string;
}

/** Runs the script with these facts (PCSC_SETUP_*) and env; what it printed and what the recorders saw. */
function setup(args: string[], facts: Facts, extra: NodeJS.ProcessEnv = {}) {
  rmSync(record, { force: true });
  const env = cliEnv({ ...process.env, PATH: `${join(scratch, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' });
  delete env.PCSCLITE_CSOCK_NAME;
  for (const [k, v] of Object.entries(facts)) env[`PCSC_SETUP_${k}`] = v;
  const r = run(SCRIPT, args, { env: { ...env, ...extra }, cwd: scratch });
  const lines = r.stderr.split('\n').filter(Boolean);
  return { ...r, lines, ran: existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : [] };
}

/** A machine whose pcscd does not answer on the system socket. */
const NO_PCSCD: Facts = { INSTALLED: '1', ANSWERS: '0', LISTENING: '0' };

describe('setup-pcscd.sh decides from the facts (--dry-run)', () => {
  it('systemd runs, no pcscd: enables pcscd.socket through sudo, or as root', () => {
    const user = setup(['--dry-run'], { ...NO_PCSCD, SYSTEMD: '1', ROOT: '0', SUDO: '1' });
    expect(user.lines.slice(1)).toEqual([
      "setup: pcscd is not running; systemd runs here: enabling pcscd's socket (systemd starts pcscd when a client connects)",
      'setup: would run: sudo systemctl enable --now pcscd.socket',
      'setup: dry run: stops here (next: wait for pcscd to answer, then list its readers)',
    ]);
    expect(user.code).toBe(0);
    expect(user.ran).toEqual([]);
    const root = setup(['--dry-run'], { ...NO_PCSCD, SYSTEMD: '1', ROOT: '1', SUDO: '0' });
    expect(root.lines).toContain('setup: would run: systemctl enable --now pcscd.socket');
    expect(root.ran).toEqual([]);
  });

  it('systemd runs, no pcscd, no root and no sudo: the su command, then the demo', () => {
    const r = setup(['--dry-run'], { ...NO_PCSCD, SYSTEMD: '1', ROOT: '0', SUDO: '0' });
    expect(r.lines.slice(2)).toEqual([
      "setup: run as root:  su -c 'systemctl enable --now pcscd.socket'",
      "setup: meanwhile, the demo: pcsc's commands against a private pcscd with a virtual reader and card",
      'setup: would run: npm run --silent demo',
    ]);
    expect(r.ran).toEqual([]);
  });

  it('no systemd, root, no pcscd: starts /usr/sbin/pcscd itself and says so', () => {
    const r = setup(['--dry-run'], { ...NO_PCSCD, SYSTEMD: '0', ROOT: '1', SUDO: '0' });
    expect(r.lines).toEqual([
      'setup: facts: installed=1 systemd=0 root=1 sudo=0 socket=/run/pcscd/pcscd.comm answers=0 listening=0 readers=?',
      'setup: pcscd is not running, and there is no systemd here: starting pcscd itself (it runs in the background until stopped or the machine restarts; after a restart run /usr/sbin/pcscd again)',
      'setup: would run: /usr/sbin/pcscd',
      'setup: dry run: stops here (next: wait for pcscd to answer, then list its readers)',
    ]);
    expect(r.code).toBe(0);
    expect(r.ran).toEqual([]);
  });

  it('no systemd, not root: prints the one command to run (sudo, else su), starts nothing, runs the demo', () => {
    const r = setup(['--dry-run'], { ...NO_PCSCD, SYSTEMD: '0', ROOT: '0', SUDO: '1' });
    expect(r.lines.slice(1)).toEqual([
      'setup: pcscd is not running, and there is no systemd here to start it. Start it as root (it runs until stopped or the machine restarts):',
      'setup:     sudo /usr/sbin/pcscd',
      'setup: then: ./bin/run.js scan -r',
      "setup: meanwhile, the demo: pcsc's commands against a private pcscd with a virtual reader and card",
      'setup: would run: npm run --silent demo',
    ]);
    expect(r.ran).toEqual([]);
    const noSudo = setup(['--dry-run'], { ...NO_PCSCD, SYSTEMD: '0', ROOT: '0', SUDO: '0' });
    expect(noSudo.lines).toContain('setup:     su -c /usr/sbin/pcscd');
    expect(noSudo.lines.filter((l) => /would run: \/usr\/sbin\/pcscd|sudo \//.test(l))).toEqual([]);
    expect(noSudo.ran).toEqual([]);
  });

  it('pcscd already answers with readers: lists them, starts nothing', () => {
    for (const systemd of ['0', '1']) {
      const r = setup(['--dry-run'], {
        INSTALLED: '1',
        SYSTEMD: systemd,
        ROOT: '1',
        SUDO: '1',
        ANSWERS: '1',
        READERS: '2',
      });
      expect(r.lines.slice(1)).toEqual([
        'setup: pcscd answers on /run/pcscd/pcscd.comm: 2 reader(s)',
        'setup: would run: ./bin/run.js scan -r',
      ]);
      expect(r.code).toBe(0);
    }
  });

  it('pcscd answers without a reader: says so and runs the demo (or names it with --no-demo)', () => {
    const facts = { INSTALLED: '1', SYSTEMD: '0', ROOT: '1', SUDO: '0', ANSWERS: '1', READERS: '0' };
    const r = setup(['--dry-run'], facts);
    expect(r.lines.slice(1)).toEqual([
      'setup: pcscd answers on /run/pcscd/pcscd.comm but lists no reader: plug one in (`./bin/run.js scan` shows it coming)',
      "setup: meanwhile, the demo: pcsc's commands against a private pcscd with a virtual reader and card",
      'setup: would run: npm run --silent demo',
    ]);
    const quiet = setup(['--dry-run', '--no-demo'], facts);
    expect(quiet.lines.at(-1)).toBe(
      'setup: to see pcsc work without a reader: npm run demo (a private pcscd with a virtual reader and card)',
    );
    expect(quiet.code).toBe(0);
  });

  it('pcscd answers but cannot list readers: runs the doctor, exit 1', () => {
    const r = setup(['--dry-run'], {
      INSTALLED: '1',
      SYSTEMD: '0',
      ROOT: '1',
      SUDO: '0',
      ANSWERS: '1',
      READERS: 'error',
    });
    expect(r.lines.slice(-1)).toEqual(['setup: would run: ./bin/run.js doctor --category pcscd']);
    expect(r.code).toBe(1);
  });

  it('never starts a second pcscd next to one that listens without answering, nor when pcscd is not installed', () => {
    const busy = setup(['--dry-run'], { ...NO_PCSCD, LISTENING: '1', SYSTEMD: '0', ROOT: '1', SUDO: '0' });
    expect(busy.lines.some((l) => /\/usr\/sbin\/pcscd$|systemctl/.test(l))).toBe(false);
    expect(busy.lines.at(-1)).toBe('setup: would run: ./bin/run.js doctor --category pcscd');
    expect(busy.code).toBe(1);
    const missing = setup(['--dry-run'], { ...NO_PCSCD, INSTALLED: '0', SYSTEMD: '0', ROOT: '1', SUDO: '0' });
    expect(missing.lines.at(-1)).toBe('setup: pcscd is not installed: apt-get install pcscd (./scripts/setup.sh does)');
    expect(missing.code).toBe(1);
  });

  it("the README's quick start shows lines it prints (reader, no reader, no pcscd with and without systemd)", () => {
    const quickStart = /^## Quick start[^\n]*\n([\s\S]*?)\n## /m.exec(
      readFileSync(join(ROOT, 'README.md'), 'utf8'),
    )?.[1];
    const shown = (quickStart ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('setup: '));
    expect(shown.length).toBeGreaterThanOrEqual(8);
    const printed = new Set(
      [
        { INSTALLED: '1', SYSTEMD: '0', ROOT: '0', SUDO: '1', ANSWERS: '1', READERS: '1' },
        { INSTALLED: '1', SYSTEMD: '0', ROOT: '0', SUDO: '1', ANSWERS: '1', READERS: '0' },
        { ...NO_PCSCD, SYSTEMD: '1', ROOT: '0', SUDO: '1' },
        { ...NO_PCSCD, SYSTEMD: '0', ROOT: '0', SUDO: '1' },
      ].flatMap((facts) => setup(['--dry-run'], facts).lines.map((l) => l.replace(/^setup: would run: /, 'setup: $ '))),
    );
    expect(shown.filter((l) => !printed.has(l))).toEqual([]);
  });

  it('rejects an unknown option with exit 2; so does setup.sh, before it installs anything', () => {
    const r = setup(['--bogus'], {});
    expect(r.lines).toEqual([`setup: unknown option --bogus (see ${SCRIPT} --help)`]);
    expect(r.code).toBe(2);
    const whole = run(join(ROOT, 'scripts', 'setup.sh'), ['--no-demo', '--bogus'], { cwd: scratch });
    expect(whole.stderr).toBe('setup: unknown option --bogus (options: --no-demo, --dry-run)\n');
    expect(whole.stdout).toBe('');
    expect(whole.code).toBe(2);
  });
});

describe('setup-pcscd.sh on this machine, as it is (--dry-run: nothing enabled, started or run)', () => {
  it('reads systemd, root, pcscd installed and the system socket as they are, and decides as from those facts given', () => {
    // No fact given and no PCSCLITE_CSOCK_NAME: the script looks at the machine itself (in CI and
    // in a container: no systemd, no pcscd running). The system's pcscd is only connected to.
    const r = setup(['--dry-run'], {});
    const facts = /^setup: facts: installed=(\d) systemd=(\d) root=(\d) sudo=(\d) socket=(\S+) answers=(\d) /.exec(
      r.lines[0] ?? '',
    );
    expect(facts, r.lines.join('\n')).not.toBeNull();
    const [, installed, systemd, root, sudo, socket, answers] = facts as unknown as string[];
    expect(socket).toBe('/run/pcscd/pcscd.comm');
    expect(installed).toBe(existsSync('/usr/sbin/pcscd') ? '1' : '0');
    expect(systemd).toBe(existsSync('/run/systemd/system') ? '1' : '0');
    expect(root).toBe(process.getuid?.() === 0 ? '1' : '0');
    expect(r.ran).toEqual([]);
    // The same decision as for the same facts given (the decision tests above).
    const given = setup(['--dry-run'], {
      INSTALLED: installed,
      SYSTEMD: systemd,
      ROOT: root,
      SUDO: sudo,
      ANSWERS: answers,
      ...(answers === '1' ? {} : { LISTENING: /listening=(\d)/.exec(r.lines[0] ?? '')?.[1] ?? '?' }),
    });
    expect(given.lines.slice(1)).toEqual(r.lines.slice(1));
    expect(given.code).toBe(r.code);
    if (systemd === '0' && answers === '0' && root === '1' && installed === '1')
      expect(r.lines).toContain('setup: would run: /usr/sbin/pcscd');
  });
});

describe("setup-pcscd.sh reads the facts from real pcscds (the rig's, on PCSCLITE_CSOCK_NAME)", () => {
  let rig: Rig | undefined;
  let empty: Rig | undefined;
  beforeAll(async () => {
    [rig, empty] = await Promise.all([startRig({ insert: [] }), startRig({ readers: false })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([rig?.stop(), empty?.stop()]);
  });

  it('a pcscd with readers: lists them with pcsc scan -r', () => {
    const dry = setup(['--dry-run'], {}, { PCSCLITE_CSOCK_NAME: rig!.socket });
    expect(dry.lines[0]).toMatch(new RegExp(`socket=${rig!.socket} answers=1 listening=\\? readers=2$`));
    const r = setup([], {}, { PCSCLITE_CSOCK_NAME: rig!.socket });
    expect(r.lines).toEqual([`setup: pcscd answers on ${rig!.socket}: 2 reader(s)`, 'setup: $ ./bin/run.js scan -r']);
    expect(r.stdout).toBe('0: Virtual PCD 00 00\n1: Virtual PCD 00 01\n');
    expect(r.code).toBe(0);
    expect(r.ran).toEqual([]);
  });

  it('a pcscd without readers: runs the demo (npm run demo)', () => {
    const r = setup([], {}, { PCSCLITE_CSOCK_NAME: empty!.socket });
    expect(r.lines).toEqual([
      `setup: pcscd answers on ${empty!.socket} but lists no reader: plug one in (\`./bin/run.js scan\` shows it coming)`,
      "setup: meanwhile, the demo: pcsc's commands against a private pcscd with a virtual reader and card",
      'setup: $ npm run --silent demo',
    ]);
    expect(r.ran).toEqual(['npm run --silent demo']);
    expect(r.code).toBe(0);
  });

  it('nothing at the socket named by PCSCLITE_CSOCK_NAME: starts nothing (the system pcscd would not serve it)', () => {
    const socket = join(scratch, 'no-pcscd.comm');
    const r = setup(
      ['--no-demo'],
      { INSTALLED: '1', SYSTEMD: '0', ROOT: '1', SUDO: '1' },
      { PCSCLITE_CSOCK_NAME: socket },
    );
    expect(r.lines[0]).toBe(
      `setup: nothing answers on ${socket} (PCSCLITE_CSOCK_NAME); the system's pcscd would not help there: not starting it`,
    );
    expect(r.ran).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("a pcscd whose socket file is gone still listens: setup sees it and starts no other (the rig's, with its file removed)", () => {
    unlinkSync(empty!.socket);
    const r = setup(
      ['--dry-run'],
      { INSTALLED: '1', SYSTEMD: '0', ROOT: '1', SUDO: '1' },
      { PCSCLITE_CSOCK_NAME: empty!.socket },
    );
    expect(r.lines[0]).toMatch(/ answers=0 listening=1 readers=\?$/);
    expect(r.lines[1]).toBe(
      `setup: a process still listens on ${empty!.socket} but cannot be reached (its socket file removed?): not starting another pcscd`,
    );
    expect(r.code).toBe(1);
  });
});
