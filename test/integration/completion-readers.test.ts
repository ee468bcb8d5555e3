// Completion of --reader with the names pcscd gives at TAB time: the generated bash and zsh scripts
// run for real, calling the built CLI (as `pcsc` on $PATH) against the rig's pcscd and two vpcd readers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, pcsc, requireBuild } from '../helpers/cli.js';
import { startRig, type Rig } from '../rig/rig.js';
import { requireTools, run, zshComplete } from './package/helpers.js';

let rig: Rig;
let dir = '';
let env: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  requireBuild();
  requireTools({ bash: 'bash', zsh: 'zsh' });
  rig = await startRig({ insert: [] });
  dir = mkdtempSync(join(tmpdir(), 'pcsc-completion-readers-'));
  // `pcsc` on $PATH is the built CLI, as an installed one would be.
  writeFileSync(join(dir, 'pcsc'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  env = cliEnv({ PATH: `${dir}:${process.env.PATH}`, HOME: dir, PCSCLITE_CSOCK_NAME: rig.socket, NO_COLOR: '1' });
  for (const shell of ['bash', 'zsh'] as const) {
    const r = await pcsc(['completion', shell], { env });
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(dir, shell === 'bash' ? 'pcsc.bash' : '_pcsc'), r.stdout);
  }
}, 60_000);
afterAll(async () => {
  await rig?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function bash(...words: string[]): string[] {
  const script = `source "$1"; shift; COMP_WORDS=(pcsc "$@"); COMP_CWORD=$#; _pcsc; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = run('bash', ['--norc', '--noprofile', '-c', script, 'bash', join(dir, 'pcsc.bash'), ...words], { env });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('--reader completion from pcscd', () => {
  it('the rig has the two readers', () => {
    expect(rig.readers).toEqual(['Virtual PCD 00 00', 'Virtual PCD 00 01']);
  });

  it('bash offers each reader name as one word, quoted, and narrows to what is typed', () => {
    expect(bash('scan', '--reader', '')).toEqual(['Virtual\\ PCD\\ 00\\ 00', 'Virtual\\ PCD\\ 00\\ 01']);
    expect(bash('apdu', '--reader', 'Virtual\\ PCD\\ 00\\ 01')).toEqual(['Virtual\\ PCD\\ 00\\ 01']);
    expect(bash('scan', '--reader', 'nothing')).toEqual([]);
  });

  it('zsh lists the reader names', () => {
    const [listed] = zshComplete(dir, ['pcsc scan --reader '], env);
    expect(listed).toMatch(/Virtual\\? PCD\\? 00\\? 00/);
    expect(listed).toMatch(/Virtual\\? PCD\\? 00\\? 01/);
  });

  it('offers nothing, at once, when no pcscd answers or one never replies', async () => {
    const none = await pcsc(['completion', '--values', 'readers', '--socket', join(dir, 'nothing.comm')], { env });
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // A socket that accepts and never answers: the 1 s bound ends the wait (the helper kills at 20 s).
    const silent: Server = createServer(() => undefined);
    const path = join(dir, 'silent.comm');
    await new Promise<void>((resolve) => silent.listen(path, resolve));
    try {
      const r = await pcsc(['completion', '--values', 'readers', '--socket', path], { env });
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    } finally {
      silent.close();
    }
  });
});
