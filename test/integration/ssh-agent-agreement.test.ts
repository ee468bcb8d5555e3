// Agreement with the real ssh-agent: for each case, start `ssh-agent -d -P LIST`, run `ssh-add -s`
// against it, read the agent's verdict from its debug log, and check that ssh-check predicted it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSshCheck, type SshCheckResult } from '../../src/core/ssh/ssh-check.js';
import { createProbe } from '../../src/core/system/probe.js';

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
const OPENSC = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const NEEDS: [string, string][] = [
  ['/usr/bin/ssh-agent', 'openssh-client'],
  ['/usr/bin/ssh-add', 'openssh-client'],
  ['/usr/bin/ssh-keygen', 'openssh-client'],
  ['/usr/bin/softhsm2-util', 'softhsm2'],
  [SOFTHSM, 'softhsm2'],
  [OPENSC, 'opensc-pkcs11'],
  ['/usr/bin/gcc', 'gcc'],
];

type Outcome = 'remote' | 'realpath' | 'not-allowed' | 'not-pkcs11' | 'load-failed' | 'loaded';

let T = '';
let env: NodeJS.ProcessEnv = {};
const agents = new Set<ChildProcess>();
const killAll = () => {
  for (const a of agents) {
    try {
      process.kill(-(a.pid as number), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  agents.clear();
};
process.on('exit', killAll);

beforeAll(() => {
  const missing = NEEDS.filter(([p]) => !existsSync(p));
  if (missing.length)
    throw new Error(`missing ${missing.map(([p, pkg]) => `${p} (apt-get install ${pkg})`).join(', ')}`);
  T = realpathSync(mkdtempSync(join(tmpdir(), 'pcsc-agent-')));
  mkdirSync(`${T}/tokens`);
  writeFileSync(
    `${T}/softhsm2.conf`,
    `directories.tokendir = ${T}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  env = {
    PATH: process.env.PATH,
    HOME: T,
    SOFTHSM2_CONF: `${T}/softhsm2.conf`,
    SSH_ASKPASS: `${T}/askpass`,
    SSH_ASKPASS_REQUIRE: 'force',
    DISPLAY: ':0',
  };
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { env, stdio: 'pipe' });
  run('softhsm2-util', ['--init-token', '--free', '--label', 'pcsc-test', '--pin', '1234', '--so-pin', '5678']);
  run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PKCS8', '-N', '', '-f', `${T}/key`]);
  run('softhsm2-util', ['--import', `${T}/key`, '--token', 'pcsc-test', '--label', 'k', '--id', '01', '--pin', '1234']);
  writeFileSync(`${T}/askpass`, '#!/bin/sh\necho 1234\n');
  chmodSync(`${T}/askpass`, 0o755);

  for (const d of ['allowed', 'other', 'Mixed', 'build']) mkdirSync(`${T}/${d}`);
  copyFileSync(SOFTHSM, `${T}/allowed/softhsm.so`);
  copyFileSync(SOFTHSM, `${T}/other/softhsm.so`);
  copyFileSync(SOFTHSM, `${T}/Mixed/Softhsm.so`);
  copyFileSync(OPENSC, `${T}/allowed/opensc.so`);
  linkSync(`${T}/other/softhsm.so`, `${T}/allowed/hard.so`);
  symlinkSync('../other/softhsm.so', `${T}/allowed/link-out.so`);
  symlinkSync('../allowed/softhsm.so', `${T}/other/link-in.so`);
  symlinkSync(SOFTHSM, `${T}/allowed/link-sys.so`);
  symlinkSync('../other', `${T}/allowed/dirlink`);
  symlinkSync('loop-b.so', `${T}/allowed/loop-a.so`);
  symlinkSync('loop-a.so', `${T}/allowed/loop-b.so`);
  writeFileSync(`${T}/allowed/notlib.so`, 'this is not a library\n');
  // Built here: a library that mentions C_GetFunctionList but does not export it, and one whose dependency is gone.
  writeFileSync(`${T}/build/none.c`, 'const char *s = "C_GetFunctionList";\nint other(void) { return 1; }\n');
  writeFileSync(`${T}/build/dep.c`, 'int dep(void) { return 7; }\n');
  writeFileSync(`${T}/build/mod.c`, 'int dep(void);\nint C_GetFunctionList(void **p) { return dep(); }\n');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', `${T}/allowed/noexport.so`, `${T}/build/none.c`]);
  execFileSync('gcc', [
    '-shared',
    '-fPIC',
    '-Wl,-soname,libpcscgone.so',
    '-o',
    `${T}/build/libpcscgone.so`,
    `${T}/build/dep.c`,
  ]);
  execFileSync('gcc', [
    '-shared',
    '-fPIC',
    '-o',
    `${T}/allowed/needsgone.so`,
    `${T}/build/mod.c`,
    `-L${T}/build`,
    '-lpcscgone',
  ]);
  unlinkSync(`${T}/build/libpcscgone.so`);
});

afterEach(killAll);
afterAll(() => {
  killAll();
  if (T) rmSync(T, { recursive: true, force: true });
});

interface Case {
  name: string;
  list: string | null;
  provider: string;
  cwd?: string;
  extra?: string[];
}

const A = () => `${T}/allowed`;
const cases: (() => Case)[] = [
  () => ({ name: 'default list, distribution symlink inside /usr/lib', list: null, provider: SOFTHSM }),
  () => ({ name: 'default list, opensc at its real path', list: null, provider: OPENSC }),
  () => ({ name: 'default list, copy outside /usr/lib', list: null, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'copy into the allowed directory', list: `${A()}/*`, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'copy in another directory', list: `${A()}/*`, provider: `${T}/other/softhsm.so` }),
  () => ({ name: 'hard link into the allowed directory', list: `${A()}/*`, provider: `${A()}/hard.so` }),
  () => ({ name: 'symlink leaving the allowed directory', list: `${A()}/*`, provider: `${A()}/link-out.so` }),
  () => ({ name: 'symlink into the allowed directory', list: `${A()}/*`, provider: `${T}/other/link-in.so` }),
  () => ({ name: 'symlink to /usr/lib, only the directory allowed', list: `${A()}/*`, provider: `${A()}/link-sys.so` }),
  () => ({
    name: 'symlink to /usr/lib, /usr/lib allowed too',
    list: `${A()}/*,/usr/lib*/*`,
    provider: `${A()}/link-sys.so`,
  }),
  () => ({ name: 'negation first', list: `!${A()}/soft*,${A()}/*`, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'negation last still refuses', list: `${A()}/*,!${A()}/soft*`, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'negation that does not match', list: `!${T}/other/*,${A()}/*`, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'only a negation', list: `!${T}/other/*`, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'space after the comma', list: `/usr/lib*/*, ${A()}/*`, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'no space after the comma', list: `/usr/lib*/*,${A()}/*`, provider: `${A()}/softhsm.so` }),
  () => ({ name: '"?" for one character', list: `${A()}/softhsm.s?`, provider: `${A()}/softhsm.so` }),
  () => ({ name: '"?" is exactly one character', list: `${A()}/softhsm.?`, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'case differs', list: `${A()}/SOFTHSM.so`, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'case matches', list: `${T}/Mixed/Soft*`, provider: `${T}/Mixed/Softhsm.so` }),
  () => ({ name: 'missing file', list: `${A()}/*`, provider: `${A()}/missing.so` }),
  () => ({ name: '".." staying inside', list: `${A()}/*`, provider: `${A()}/../allowed/softhsm.so` }),
  () => ({ name: '".." leading out', list: `${A()}/*`, provider: `${A()}/../other/softhsm.so` }),
  () => ({ name: '"//" in the path', list: `${A()}/*`, provider: `${T}//allowed//softhsm.so` }),
  () => ({ name: '"//" in the pattern', list: `${T}//allowed/*`, provider: `${A()}/softhsm.so` }),
  () => ({ name: 'directory symlink leading out', list: `${A()}/*`, provider: `${A()}/dirlink/softhsm.so` }),
  () => ({ name: 'relative path, agent started in T', list: `${A()}/*`, provider: 'allowed/softhsm.so', cwd: T }),
  () => ({ name: 'relative path, agent started in /', list: `${A()}/*`, provider: 'allowed/softhsm.so', cwd: '/' }),
  () => ({ name: 'text file named .so', list: `${A()}/*`, provider: `${A()}/notlib.so` }),
  () => ({ name: 'a directory', list: `${T}/*`, provider: A() }),
  () => ({ name: 'symlink loop', list: `${A()}/*`, provider: `${A()}/loop-a.so` }),
  () => ({ name: 'trailing slash on a file', list: `${A()}/*`, provider: `${A()}/softhsm.so/` }),
  () => ({ name: '"*" allows everything', list: '*', provider: `${T}/other/softhsm.so` }),
  () => ({ name: 'empty -P', list: '', provider: `${A()}/softhsm.so` }),
  () => ({
    name: 'sub-pattern of 1,023 bytes fails the list',
    list: `${A()}/*,/${'x'.repeat(1021)}*`,
    provider: `${A()}/softhsm.so`,
  }),
  () => ({
    name: 'sub-pattern of 1,022 bytes is fine',
    list: `${A()}/*,/${'x'.repeat(1020)}*`,
    provider: `${A()}/softhsm.so`,
  }),
  () => ({
    name: '-O allow-remote-pkcs11 changes nothing locally',
    list: `${A()}/*`,
    provider: `${A()}/softhsm.so`,
    extra: ['-O', 'allow-remote-pkcs11'],
  }),
  () => ({ name: 'opensc copy, allowed (loads, no card)', list: `${A()}/*`, provider: `${A()}/opensc.so` }),
  () => ({ name: 'mentions C_GetFunctionList without exporting it', list: `${A()}/*`, provider: `${A()}/noexport.so` }),
  () => ({ name: 'dependency missing', list: `${A()}/*`, provider: `${A()}/needsgone.so` }),
];

async function startAgent(
  sock: string,
  list: string | null,
  cwd: string,
  extra: string[],
): Promise<{ agent: ChildProcess; log: () => string }> {
  const args = ['-d', '-a', sock, ...extra, ...(list === null ? [] : ['-P', list])];
  const agent = spawn('ssh-agent', args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  agents.add(agent);
  let out = '';
  let err = '';
  agent.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ssh-agent did not start: ${err}`)), 10_000);
    agent.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Agent pid')) {
        clearTimeout(timer);
        resolve();
      }
    });
    agent.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ssh-agent exited ${code}: ${err}`));
    });
  });
  return { agent, log: () => err };
}

async function stopAgent(agent: ChildProcess): Promise<void> {
  if (agent.exitCode !== null || agent.signalCode !== null) {
    agents.delete(agent);
    return;
  }
  const gone = new Promise<void>((r) => agent.on('close', () => r()));
  try {
    process.kill(-(agent.pid as number), 'SIGTERM');
  } catch {
    /* already gone */
  }
  const t = setTimeout(() => {
    try {
      process.kill(-(agent.pid as number), 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 3000);
  await gone;
  clearTimeout(t);
  agents.delete(agent);
}

/** The agent's decision, from its -d log. */
function agentOutcome(log: string): { outcome: Outcome; path: string | null; errno: string | null } {
  let m = /failed PKCS#11 add of "(.*)": remote addition/.exec(log);
  if (m) return { outcome: 'remote', path: null, errno: null };
  m = /failed PKCS#11 add of "(.*)": realpath: (.*)/.exec(log);
  if (m) return { outcome: 'realpath', path: null, errno: m[2] as string };
  m = /refusing PKCS#11 add of "(.*)": provider not allowed/.exec(log);
  if (m) return { outcome: 'not-allowed', path: m[1] as string, errno: null };
  m = /process_add_smartcard_key: add (.*)/.exec(log);
  if (!m) throw new Error(`agent log has no verdict:\n${log}`);
  const path = m[1] as string;
  if (/is not a PKCS11 library/.test(log)) return { outcome: 'not-pkcs11', path, errno: null };
  if (/provider .*: manufacturerID </.test(log)) return { outcome: 'loaded', path, errno: null };
  if (/dlopen .* failed|dlsym\(C_GetFunctionList\) failed/.test(log))
    return { outcome: 'load-failed', path, errno: null };
  throw new Error(`agent log: unrecognised outcome:\n${log}`);
}

/** What ssh-check predicts, in the same terms. */
function predicted(r: SshCheckResult): Outcome {
  const path = r.checks.find((c) => c.id === 'ssh.provider-path');
  if (path?.data?.error) return 'realpath';
  if (!r.allowed) return 'not-allowed';
  if (['no-symbol-string', 'not-regular', 'unreadable', 'too-large'].includes(r.provider.verdict)) return 'not-pkcs11';
  return r.accepted ? 'loaded' : 'load-failed';
}

describe('ssh-check agrees with the real ssh-agent', () => {
  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  const seen = new Map<Outcome, number>();
  // Names need T, which exists only once beforeAll ran: number the cases, name them in the assertion.
  it.each(cases.map((c, i) => [i + 1, c] as const))('case %i', async (i, make) => {
    const c = make();
    const sock = `${T}/agent-${i}.sock`;
    const { agent, log } = await startAgent(sock, c.list, c.cwd ?? T, c.extra ?? []);
    try {
      const r = await runSshCheck({
        probe: createProbe({ env: { ...env, SSH_AUTH_SOCK: sock } }),
        provider: c.provider,
      });
      // ssh-check found this very agent and read its options from its command line.
      expect(r.agent).toMatchObject({
        pid: agent.pid,
        kind: 'openssh',
        via: 'socket-owner',
        allowedProvidersFrom: c.list === null ? 'default' : 'argv',
      });
      if (c.list !== null) expect(r.allowedProviders).toBe(c.list);
      expect(r.agent.cwd).toBe(realpathSync(c.cwd ?? T));
      expect(r.agent.allowRemotePkcs11).toBe((c.extra ?? []).includes('allow-remote-pkcs11'));

      const add = spawnSync('ssh-add', ['-s', c.provider], {
        env: { ...env, SSH_AUTH_SOCK: sock },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
        encoding: 'utf8',
      });
      const said = `${add.stdout}${add.stderr}`;
      await stopAgent(agent);
      const truth = agentOutcome(log());
      seen.set(truth.outcome, (seen.get(truth.outcome) ?? 0) + 1);
      expect({ case: c.name, outcome: predicted(r) }).toEqual({ case: c.name, outcome: truth.outcome });
      if (truth.path !== null) expect(r.canonicalPath).toBe(truth.path);
      if (truth.errno !== null)
        expect(r.checks.find((x) => x.id === 'ssh.provider-path')?.summary).toContain(truth.errno);
      const cardAdded = said.includes('Card added');
      expect(cardAdded).toBe(
        truth.outcome === 'loaded' && r.canonicalPath !== null && !r.canonicalPath.includes('opensc'),
      );
      expect(add.status === 0).toBe(cardAdded);
    } finally {
      await stopAgent(agent);
    }
  });

  it('the table reaches every verdict the agent gives locally', () => {
    expect([...seen.keys()].sort()).toEqual(['load-failed', 'loaded', 'not-allowed', 'not-pkcs11', 'realpath']);
    expect(seen.get('loaded')).toBeGreaterThanOrEqual(10);
    expect(seen.get('not-allowed')).toBeGreaterThanOrEqual(10);
  });
});
