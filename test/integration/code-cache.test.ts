// The V8 code cache for the bundle's .cjs files (src/cli/code-cache.ts) on Node.js < 22.1, where
// Node has no compile cache of its own: what it writes, when, and that a bad, foreign, stale or
// unwritable cache changes nothing a user sees. On Node.js >= 22.1, bin/run.js uses Node's own
// cache instead, and writes none of these files.
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, pcsc, requireBuild } from '../helpers/cli.js';

const ATR = ['atr', '3B8F8001804F0CA000000306030001000000006A'];
const NODE_CACHES = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

let home = '';
beforeAll(() => {
  requireBuild();
  home = mkdtempSync(join(tmpdir(), 'pcsc-code-cache-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

let n = 0;
/** A fresh home; its cache directory of ours for this Node.js. */
function fresh(): { env: NodeJS.ProcessEnv; dir: string } {
  const h = join(home, `h${n++}`);
  mkdirSync(h);
  const env = cleanEnv(h);
  return { env, dir: join(env.XDG_CACHE_HOME as string, 'pcsc', `v8-${process.version}-${process.arch}`) };
}
const list = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

// Only the tests of the Node.js that runs them are defined (none is skipped): CI runs both kinds.
if (!NODE_CACHES)
  describe('on Node.js < 22.1: our code cache', () => {
    it('the first run leaves the entry and the command file, the user’s alone; the next runs read them and print the same', async () => {
      const { env, dir } = fresh();
      const first = await pcsc(ATR, { env });
      expect(first.code).toBe(0);
      const files = list(dir);
      expect(files).toEqual([
        expect.stringMatching(/^fast-atr\.cjs-\d+-\d+$/),
        expect.stringMatching(/^pcsc\.cjs-\d+-\d+$/),
      ]);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const f of files) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
      const written = files.map((f) => statSync(join(dir, f)).mtimeMs);
      const second = await pcsc(ATR, { env });
      expect(second).toEqual(first);
      // Read, not written again.
      expect(files.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(written);
    });

    it('a damaged cache file: V8 refuses it, the output is the same, and the file is written anew', async () => {
      const { env, dir } = fresh();
      const first = await pcsc(ATR, { env });
      for (const f of list(dir)) writeFileSync(join(dir, f), 'not V8 code');
      expect(await pcsc(ATR, { env })).toEqual(first);
      for (const f of list(dir)) expect(statSync(join(dir, f)).size).toBeGreaterThan(1000);
    });

    it('an entry of an older build of the same file is removed when the new one is written', async () => {
      const { env, dir } = fresh();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'fast-atr.cjs-1-1'), 'old');
      expect((await pcsc(ATR, { env })).code).toBe(0);
      expect(list(dir)).not.toContain('fast-atr.cjs-1-1');
      expect(list(dir).filter((f) => f.startsWith('fast-atr.cjs-'))).toHaveLength(1);
    });

    // Giving a file to another user needs root (CI runs as root).
    if (process.getuid?.() === 0)
      it('a cache file another user owns is not read (written anew, ours)', async () => {
        const { env, dir } = fresh();
        const first = await pcsc(ATR, { env });
        const [file] = list(dir).filter((f) => f.startsWith('pcsc.cjs-'));
        chownSync(join(dir, file as string), 65534, 65534);
        expect(await pcsc(ATR, { env })).toEqual(first);
        expect(statSync(join(dir, file as string)).uid).toBe(0);
      });

    it('nothing written with source maps on (DEBUG, PCSC_DEBUG) or NODE_DISABLE_COMPILE_CACHE set', async () => {
      for (const extra of [{ DEBUG: '1' }, { PCSC_DEBUG: '1' }, { NODE_DISABLE_COMPILE_CACHE: '1' }]) {
        const { env, dir } = fresh();
        const r = await pcsc(ATR, { env: { ...env, ...extra } });
        expect(r.code).toBe(0);
        expect(list(dir)).toEqual([]);
      }
    });

    it('no cache directory to be had (the cache path is a file): the same output, nothing on stderr', async () => {
      const { env } = fresh();
      const base = await pcsc(ATR, { env });
      const blocked = join(home, `blocked-${n++}`);
      writeFileSync(blocked, '');
      const r = await pcsc(ATR, { env: { ...env, XDG_CACHE_HOME: blocked } });
      expect(r).toEqual(base);
    });
  });

if (NODE_CACHES)
  describe('on Node.js >= 22.1: Node’s own compile cache', () => {
    it('writes none of our cache files', async () => {
      const { env, dir } = fresh();
      expect((await pcsc(ATR, { env })).code).toBe(0);
      expect(list(dir)).toEqual([]);
    });
  });
