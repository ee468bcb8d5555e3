// A V8 code cache for the CLI's own CommonJS files (dist/bundle/*.cjs) on Node.js before 22.1,
// which has no module.enableCompileCache (bin/run.js turns Node's own on where it exists). Each
// start otherwise compiles the entry and the command's file from their text, and again every
// function it runs: ~10 ms of `pcsc apdu` on Node 20 (bench/README.md). The first run of a file
// leaves V8's code for it — functions compiled while it ran included — in the user's cache,
// $XDG_CACHE_HOME/pcsc/v8-VERSION-ARCH/ (~/.cache when unset), and later runs start from it.
//
// Never in the way: a file that calls import() (a script compiled here cannot), source maps on
// (DEBUG, PCSC_DEBUG, --enable-source-maps: Node maps only what it compiles itself),
// NODE_DISABLE_COMPILE_CACHE set (as Node's own cache), a cache file not the user's, a cache V8
// refuses (another V8, flags, text) or no cache directory to write: each is compiled as Node would,
// and nothing is said. Cache files are written whole (a temporary file, renamed), at exit, only
// when missing or refused; a file's older entries are removed then.

import * as fs from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join, sep } from 'node:path';
import * as vm from 'node:vm';
import { userCacheDir } from '../core/internal.js';

type Compile = (this: Module, content: string, filename: string) => unknown;
interface ModuleInternals {
  prototype: { _compile: Compile };
  wrap(script: string): string;
  enableCompileCache?: unknown;
}

/** The cached code of `filename`, when the user's own; else undefined. */
function readCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    if (fs.fstatSync(fd).uid !== process.getuid?.()) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function writeCache(dir: string, file: string, data: Buffer): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
    const prefix = `${basename(file).replace(/-\d+-\d+$/, '')}-`;
    for (const name of fs.readdirSync(dir))
      if (name.startsWith(prefix) && name !== basename(file) && !name.endsWith('.tmp'))
        fs.rmSync(join(dir, name), { force: true });
  } catch {
    // No cache this time: a read-only home, a full disk, a race with another pcsc. Nothing to say.
  }
}

/**
 * Compiles the CommonJS files under `bundleDir` through V8's code cache from now on (Node.js
 * < 22.1 only; a no-op elsewhere, and when source maps or NODE_DISABLE_COMPILE_CACHE are on).
 */
export function installCodeCache(bundleDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const M = Module as unknown as ModuleInternals;
  if (M.enableCompileCache || env.NODE_DISABLE_COMPILE_CACHE) return;
  if ((process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled) return;
  const dir = join(userCacheDir(env), 'pcsc', `v8-${process.version}-${process.arch}`);
  const prefix = bundleDir.endsWith(sep) ? bundleDir : bundleDir + sep;
  const pending: [string, vm.Script][] = [];
  const compile = M.prototype._compile;
  M.prototype._compile = function (this: Module, content: string, filename: string): unknown {
    if (!filename.startsWith(prefix) || !filename.endsWith('.cjs') || content.includes('import('))
      return compile.call(this, content, filename);
    let file: string;
    try {
      const st = fs.statSync(filename);
      file = join(dir, `${basename(filename)}-${st.size}-${Math.trunc(st.mtimeMs)}`);
    } catch {
      return compile.call(this, content, filename);
    }
    const cachedData = readCache(file);
    const script = new vm.Script(M.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) pending.push([file, script]);
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const require = Module.createRequire(filename);
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
  process.once('exit', () => {
    for (const [file, script] of pending) writeCache(dir, file, script.createCachedData());
  });
}
