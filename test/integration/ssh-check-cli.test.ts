// `pcsc ssh-check` as a user runs it: exit codes, the --json shape, the human verdict and fixes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcscSync, requireBuild, type CliResult } from '../helpers/cli.js';

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
let T = '';

const pcsc = (args: string[], env: NodeJS.ProcessEnv = {}): CliResult =>
  pcscSync(args, { env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, timeoutMs: 30_000 });

beforeAll(() => {
  requireBuild();
  if (!existsSync(SOFTHSM)) throw new Error(`${SOFTHSM} is missing: apt-get install softhsm2`);
  T = realpathSync(mkdtempSync(join(tmpdir(), 'pcsc-sshcli-')));
  mkdirSync(`${T}/lib`);
  copyFileSync(SOFTHSM, `${T}/lib/p11.so`);
  symlinkSync(`${T}/lib/p11.so`, `${T}/link.so`);
  mkdirSync(`${T}/allowed`);
  symlinkSync('../lib/p11.so', `${T}/allowed/p11.so`);
});
afterAll(() => {
  if (T) rmSync(T, { recursive: true, force: true });
});

describe('pcsc ssh-check', () => {
  it('exit 0 and the JSON contract when the agent would accept the provider', () => {
    const r = pcsc(['ssh-check', `${T}/link.so`, '-P', `${T}/lib/*`, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      allowed: true,
      accepted: true,
      canonicalPath: `${T}/lib/p11.so`,
      matched: `${T}/lib/*`,
      allowedProvidersFrom: 'option',
      fixes: [],
    });
    expect(j.provider).toMatchObject({ verdict: 'ok', format: 'elf', exportsEntryPoint: true });
    expect(j.checks.map((c: { id: string }) => c.id)).toEqual([
      'ssh.agent',
      'ssh.provider-path',
      'ssh.provider-file',
      'ssh.provider-deps',
    ]);
    for (const c of j.checks)
      expect(c).toEqual(
        expect.objectContaining({
          status: expect.any(String),
          summary: expect.any(String),
          durationUs: expect.any(Number),
        }),
      );
  });

  it('exit 1, the refusal and the fixes when the list refuses it (the alias works too)', () => {
    const r = pcsc(['ssh-agent-provider-check', `${T}/link.so`, '-P', `/usr/lib*/*, ${T}/lib/*`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL  Provider path allowed by the agent's -P list: ${T}/lib/p11.so is not allowed`);
    expect(r.stdout).toMatch(/leading or trailing whitespace[^\n]*\n?[^\n]*would match/);
    expect(r.stdout).toContain(`symlink ${T}/link.so → ${T}/lib/p11.so`);
    expect(r.stdout).toContain('Fixes:');
    expect(r.stdout).toContain(`eval "$(ssh-agent -s -P '/usr/lib*/*,${T}/lib/*')"`);
    const j = JSON.parse(pcsc(['ssh-check', `${T}/link.so`, '-P', `/usr/lib*/*, ${T}/lib/*`, '--json']).stdout);
    expect(j).toMatchObject({ allowed: false, matched: null });
    expect(j.fixes.map((f: { id: string }) => f.id)).toContain('allow-list');
  });

  it('says when a symlink takes an allowed-looking path out of the allowed tree', () => {
    const r = pcsc(['ssh-check', `${T}/allowed/p11.so`, '-P', `${T}/allowed/*`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${T}/allowed/p11.so looks allowed, but a symlink leads out of the allowed tree: the agent matches the real path ${T}/lib/p11.so.`,
    );
    const j = JSON.parse(pcsc(['ssh-check', `${T}/allowed/p11.so`, '-P', `${T}/allowed/*`, '--json']).stdout);
    expect(j.checks[1].data).toMatchObject({
      symlinkLeaves: true,
      hops: [{ link: `${T}/allowed/p11.so`, target: '../lib/p11.so' }],
    });
  });

  it("gives a relative path the agent cannot find the absolute one from your directory, and a list's own directory to copy into", () => {
    const r = pcscSync(['ssh-check', 'link.so', '-P', `${T}/allowed/*`], {
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      cwd: T,
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`$ ssh-add -s ${T}/link.so`);
    const j = JSON.parse(pcsc(['ssh-check', `${T}/link.so`, '-P', `${T}/allowed/*`, '--json']).stdout);
    const copy = j.fixes.find((f: { id: string }) => f.id === 'copy');
    const install = `install -m 0644 ${T}/lib/p11.so ${T}/allowed/p11.so`;
    expect(copy.commands[1]).toBe(`ssh-add -s ${T}/allowed/p11.so`);
    // Root copies it as is; anyone else through the tool this machine has (sudo, doas or su).
    if (process.getuid?.() === 0) {
      expect(copy.commands[0]).toBe(install);
      expect(copy.root).toBeUndefined();
    } else {
      expect(copy.commands[0]).toMatch(/^(sudo |doas |su -l -c ')?install -m 0644 /);
      expect(copy.root).toBe(true);
    }
  });

  it('exit 1 with a clear verdict for a missing file and for a non-library', () => {
    const missing = pcsc(['ssh-check', `${T}/nope.so`, '-P', '*']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('No such file or directory (ENOENT)');
    const notLib = pcsc(['ssh-check', '/etc/hostname', '-P', '*', '--json']);
    expect(notLib.code).toBe(1);
    expect(JSON.parse(notLib.stdout).provider.verdict).toBe('no-symbol-string');
  });

  it('exit 2 for usage errors', () => {
    expect(pcsc(['ssh-check']).code).toBe(2);
    expect(pcsc(['ssh-check', 'x', '--bogus']).code).toBe(2);
    // An empty path would be the working directory ("/" from there): no provider at all.
    const empty = pcsc(['ssh-check', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^pcsc: give the provider path, as you would to ssh-add -s/);
    expect(empty.stdout).toBe('');
  });

  it('reads the running agent when SSH_AUTH_SOCK points at nothing', () => {
    const r = pcsc(['ssh-check', SOFTHSM, '--json'], { SSH_AUTH_SOCK: `${T}/no-agent.sock` });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.checks[0]).toMatchObject({ id: 'ssh.agent', status: 'fail' });
    expect(j).toMatchObject({ allowed: true, allowedProvidersFrom: 'default' });
  });
});
