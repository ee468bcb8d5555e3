// readUserFile's reading: whole files of every size up to the cap, /proc files (fstat says 0 bytes),
// and the cap itself. Refusals of FIFOs and devices are in test/integration/user-files.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readUserFile } from '../../src/core/user-file.js';

const dir = mkdtempSync(join(tmpdir(), 'pcsc-user-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opts = { what: 'test file', maxBytes: 4 * 1024 * 1024, holds: 'a test' };

function bytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

describe('readUserFile', () => {
  it.each([0, 1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 5])(
    'reads a %i-byte file whole',
    async (n) => {
      const p = join(dir, `f${n}`);
      const data = bytes(n);
      writeFileSync(p, data);
      const got = await readUserFile(p, opts);
      expect(got.length).toBe(n);
      expect(got.equals(data)).toBe(true);
    },
  );

  it('reads /proc files, whose size fstat gives as 0, whole', async () => {
    for (const p of ['/proc/self/status', '/proc/self/cmdline', '/proc/self/maps']) {
      const got = (await readUserFile(p, opts)).toString('latin1');
      const want = readFileSync(p, 'latin1');
      // /proc/self is whoever reads it: the same process both times, but maps and status move a little.
      expect(got.length).toBeGreaterThan(0);
      expect(got.split('\n')[0]).toBe(want.split('\n')[0]);
    }
  });

  it('reads a file of exactly the cap, and refuses one byte more', async () => {
    const small = { ...opts, maxBytes: 20_000 };
    writeFileSync(join(dir, 'cap'), bytes(20_000));
    expect((await readUserFile(join(dir, 'cap'), small)).equals(bytes(20_000))).toBe(true);
    writeFileSync(join(dir, 'over'), bytes(20_001));
    await expect(readUserFile(join(dir, 'over'), small)).rejects.toThrow(/more than .* MiB, too big for a test/);
  });
});
