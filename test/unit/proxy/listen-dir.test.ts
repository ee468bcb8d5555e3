// The proxy's socket directory: created 0700 when missing (that one only, whatever the umask),
// refused when another user could replace the socket in it.

import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareListenDir } from '../../../src/core/proxy/listen-dir.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pcsc-listen-dir-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const uid = process.getuid?.() ?? 0;

describe('prepareListenDir', () => {
  it('creates the missing last directory with mode 0700, even under a permissive umask', () => {
    const saved = process.umask(0);
    try {
      expect(prepareListenDir(join(dir, 'pcsc-proxy', 'pcscd.comm'), 0o600, uid)).toBe(true);
    } finally {
      process.umask(saved);
    }
    const st = statSync(join(dir, 'pcsc-proxy'));
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o700);
  });
  it('gives it 0700 under a umask that would take the owner bits away', () => {
    const saved = process.umask(0o277);
    try {
      prepareListenDir(join(dir, 'p', 'pcscd.comm'), 0o600, uid);
    } finally {
      process.umask(saved);
    }
    expect(statSync(join(dir, 'p')).mode & 0o7777).toBe(0o700);
  });
  it('creates no directory further up', () => {
    expect(() => prepareListenDir(join(dir, 'a', 'b', 'pcscd.comm'), 0o600, uid)).toThrow(
      `cannot listen on ${join(dir, 'a', 'b', 'pcscd.comm')}: directory ${join(dir, 'a')} does not exist (the proxy creates only the socket's own directory)`,
    );
  });
  it('uses an existing directory of its own, and a sticky shared one like /tmp', () => {
    mkdirSync(join(dir, 'mine'), { mode: 0o755 });
    expect(prepareListenDir(join(dir, 'mine', 'x.comm'), 0o600, uid)).toBe(false);
    mkdirSync(join(dir, 'shared'));
    chmodSync(join(dir, 'shared'), 0o1777);
    expect(prepareListenDir(join(dir, 'shared', 'x.comm'), 0o600, uid)).toBe(false);
  });
  it('refuses a directory others may write in', () => {
    mkdirSync(join(dir, 'open'));
    chmodSync(join(dir, 'open'), 0o777);
    expect(() => prepareListenDir(join(dir, 'open', 'x.comm'), 0o600, uid)).toThrow(
      `directory ${join(dir, 'open')} (mode 0777) is writable by others, who could replace the socket: make it 0700`,
    );
    chmodSync(join(dir, 'open'), 0o770);
    expect(() => prepareListenDir(join(dir, 'open', 'x.comm'), 0o600, uid)).toThrow(/is writable by others/);
  });
  it("refuses another user's directory (one made before us in /tmp)", () => {
    mkdirSync(join(dir, 'theirs'), { mode: 0o700 });
    // As root: the directory goes to nobody. Otherwise: seen from a uid that does not own it.
    if (uid === 0) chownSync(join(dir, 'theirs'), 65534, 65534);
    const owner = uid === 0 ? 65534 : uid;
    const me = uid === 0 ? 0 : uid + 1;
    expect(() => prepareListenDir(join(dir, 'theirs', 'x.comm'), 0o600, me)).toThrow(
      `directory ${join(dir, 'theirs')} belongs to uid ${owner}, who could replace the socket: use a directory of your own`,
    );
  });
  it('lets the group search a directory made for a group socket (--mode 0660), and others for 0666', () => {
    prepareListenDir(join(dir, 'g', 'x.comm'), 0o660, uid);
    expect(statSync(join(dir, 'g')).mode & 0o7777).toBe(0o710);
    prepareListenDir(join(dir, 'o', 'x.comm'), 0o666, uid);
    expect(statSync(join(dir, 'o')).mode & 0o7777).toBe(0o711);
  });
  it('refuses a file where the directory should be', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(() => prepareListenDir(join(dir, 'file', 'x.comm'), 0o600, uid)).toThrow(
      `${join(dir, 'file')} is not a directory`,
    );
  });
});
