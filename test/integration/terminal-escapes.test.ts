// Terminal control bytes from outside, through the built CLI: a daemon's reader names, an ATR
// list's descriptions, script text and paths are shown with their control characters made
// visible (src/cli/escape.ts), and one-line messages stay one line.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePcscd } from '../fakes/fake-pcscd.js';
import { FAKE_ATR } from '../fakes/test-card.js';
import { cleanEnv, pcsc, requireBuild } from '../helpers/cli.js';

const ESC = '\u001b';
const TITLE = `${ESC}]0;pwned\u0007`;
const CLEAR = `${ESC}[2J`;

let dir: string;
let env: NodeJS.ProcessEnv;
let fake: FakePcscd;

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'pcsc-escapes-'));
  env = cleanEnv(dir);
  fake = await FakePcscd.start({
    version: '2.2.3',
    readers: [{ name: `Evil${TITLE}${CLEAR} 00 00`, card: { atr: FAKE_ATR } }, { name: 'Two\nLines 01 00' }],
  });
});

afterAll(async () => {
  await fake?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Nothing a terminal would act on: no ESC, no BEL, no CSI; the escapes show instead. */
function inert(text: string): void {
  const controls = [...text].filter((c) => {
    const n = c.charCodeAt(0);
    return (n < 0x20 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f);
  });
  expect(controls).toEqual([]);
}

describe('reader names from the daemon', () => {
  it('scan -r and scan -c show them escaped', async () => {
    const r = await pcsc(['scan', '-r', '--socket', fake.path], { env });
    expect(r.code).toBe(0);
    inert(r.stdout);
    expect(r.stdout).toBe('0: Evil\\e]0;pwned\\x07\\e[2J 00 00\n1: Two\\nLines 01 00\n');
    const c = await pcsc(['scan', '-c', '-n', '--socket', fake.path], { env });
    expect(c.code).toBe(0);
    inert(c.stdout);
    expect(c.stdout).toContain(' Reader 1: Two\\nLines 01 00');
  });
});

describe('ATR list descriptions', () => {
  it('atr --list shows them escaped', async () => {
    const list = join(dir, 'list.txt');
    writeFileSync(list, `3B 00\n\tA card${CLEAR}${TITLE}\n`);
    const r = await pcsc(['atr', '3B00', '--list', list], { env });
    inert(r.stdout);
    expect(r.stdout).toContain('    A card\\e[2J\\e]0;pwned\\x07');
  });
});

describe('paths and script text in messages', () => {
  it('a file name with a newline and an escape stays on one line', async () => {
    const f = join(dir, `a\nb${TITLE}.apdu`);
    const r = await pcsc(['apdu', '-f', f], { env });
    expect(r.code).toBe(2);
    inert(r.stderr);
    expect(r.stderr).toBe(`pcsc: -f ${join(dir, 'a\\nb\\e]0;pwned\\x07.apdu')}: no such file\n`);
  });

  it('a script word with control bytes is quoted escaped', async () => {
    const f = join(dir, 'evil.apdu');
    writeFileSync(f, `${CLEAR}reset\n`);
    const r = await pcsc(['apdu', '-f', f], { env });
    expect(r.code).toBe(2);
    inert(r.stderr);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('ssh-check: the provider path is escaped in every line', async () => {
    const r = await pcsc(['ssh-check', `/tmp/no\nsuch${TITLE}.so`], { env });
    expect(r.code).toBe(1);
    inert(r.stdout);
    expect(r.stdout).toMatch(/Verdict: .*\/tmp\/no\\nsuch\\e\]0;pwned\\x07\.so/);
  });
});
