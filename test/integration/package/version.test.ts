// `pcsc --version [--verbose]`: the package version; with --verbose Node, the protocol agreed with a
// private real pcscd (and the socket it used), or why no pcscd answered.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../../rig/rig.js';
import { pcsc, ROOT, run } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const FIRST_LINE = `pcsc/${pkg.version} ${process.platform}-${process.arch} node-${process.version}`;

/** The protocol a pcsc-lite release speaks (docs/protocol.md#history). */
function protocolOf(release: string): string {
  const [a = 0, b = 0, c = 0] = release.split('.').map(Number);
  const n = a * 10_000 + b * 100 + c;
  if (n < 10_809) return '4:2';
  if (n < 10_824) return '4:3';
  if (n < 20_300) return '4:4';
  return n < 20_500 ? '4:5' : '4:6';
}

let rig: Rig | undefined;
let empty = '';
let expected = '';
let release = '';

beforeAll(async () => {
  rig = await startRig({ readers: false });
  empty = mkdtempSync(join(tmpdir(), 'pcsc-version-'));
  release = /version ([\d.]+?)\.?$/m.exec(run('/usr/sbin/pcscd', ['--version']).stdout)?.[1] ?? '';
  if (!release) throw new Error('pcscd --version printed no version');
  expected = protocolOf(release);
});
afterAll(async () => {
  await rig?.stop();
  if (empty) rmSync(empty, { recursive: true, force: true });
});

describe('pcsc --version', () => {
  it('prints the package version, platform and Node on one line, as `pcsc version` does', () => {
    for (const args of [['--version'], ['version']]) {
      const r = pcsc(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${FIRST_LINE}\n`);
      expect(r.stderr).toBe('');
    }
  });

  it('--json', () => {
    const r = pcsc(['--version', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      version: pkg.version,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    });
  });

  it('stays a usage error after a command (pcsc scan --version)', () => {
    const r = pcsc(['scan', '--version']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pcsc: .*--version/);
  });
});

describe('pcsc --version --verbose', () => {
  it('shows Node, the pcscd release serving the socket, the protocol agreed and the socket from PCSCLITE_CSOCK_NAME', () => {
    const r = pcsc(['--version', '--verbose'], { PCSCLITE_CSOCK_NAME: rig!.socket });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      FIRST_LINE,
      `node:     ${process.version} (${process.platform}-${process.arch})`,
      `pcscd:    ${release} (pid ${rig!.pcscdPid}, /usr/sbin/pcscd)`,
      `protocol: ${expected}`,
      `socket:   ${rig!.socket} (from PCSCLITE_CSOCK_NAME)`,
      '',
    ]);
  });

  it('--socket wins over the environment; --json carries the same facts', () => {
    const r = pcsc(['--verbose', '--version', '--json', '--socket', rig!.socket], {
      PCSCLITE_CSOCK_NAME: join(empty, 'nope.comm'),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      version: pkg.version,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      // The protocol has its own fields; daemonVersion is the release of the pcscd holding the socket.
      daemon: {
        protocol: expected,
        daemonProtocol: expected,
        daemonVersion: release,
        pid: rig!.pcscdPid,
        binary: '/usr/sbin/pcscd',
        socket: rig!.socket,
        source: 'option',
      },
    });
  });

  it('with no pcscd: says why and which socket, and still exits 0', () => {
    const socket = join(empty, 'pcscd.comm');
    const r = pcsc(['--version', '--verbose'], { PCSCLITE_CSOCK_NAME: socket });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(FIRST_LINE);
    expect(lines[2]).toMatch(/^pcscd: {4}not reachable: .*\(0x8010001D\)/);
    expect(lines[3]).toBe(`socket:   ${socket} (from PCSCLITE_CSOCK_NAME)`);
    const j = JSON.parse(pcsc(['version', '--verbose', '--json', '--socket', socket]).stdout) as {
      daemon: Record<string, string>;
    };
    expect(j.daemon).toEqual({ error: expect.stringContaining('0x8010001D'), socket, source: 'option' });
  });
});
