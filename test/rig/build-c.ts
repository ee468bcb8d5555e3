// Compiles a small C client against libpcsclite (Debian's libpcsclite-dev) once per source version.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireFiles } from './processes.js';

const CACHE = fileURLToPath(new URL('../../node_modules/.cache/pcsc-rig/', import.meta.url));

function pcscliteFlags(): string[] {
  try {
    return execFileSync('pkg-config', ['--cflags', '--libs', 'libpcsclite'], { encoding: 'utf8' }).trim().split(/\s+/);
  } catch {
    return ['-I/usr/include/PCSC', '-lpcsclite'];
  }
}

/** Returns the path of the binary built from `source`, compiling it when the source changed. */
export function buildPcscClient(source: string): string {
  requireFiles({ '/usr/bin/gcc': 'gcc', '/usr/include/PCSC/winscard.h': 'libpcsclite-dev' });
  const text = readFileSync(source);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const name = source.split('/').pop()?.replace(/\.c$/, '') ?? 'client';
  const out = join(CACHE, `${name}-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  // Build under a private name, then rename: parallel test files may build the same source.
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync('gcc', ['-O2', '-Wall', '-o', tmp, source, ...pcscliteFlags()], { stdio: 'pipe' });
  renameSync(tmp, out);
  return out;
}
