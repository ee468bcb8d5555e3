// realpath(3) as ssh-agent applies it to a PKCS#11 provider path (glibc/gnulib canonicalize rules),
// step by step so that the symlinks followed can be shown.

import type { SystemProbe } from '../system/types.js';

export type NodeKind = 'file' | 'dir' | 'symlink' | 'other';
export type ResolveErrno = 'ENOENT' | 'ENOTDIR' | 'ELOOP' | 'EACCES' | 'ENAMETOOLONG';

/** The little a resolver needs from a file system. */
export interface ResolverFs {
  lstat(p: string): Promise<NodeKind | { error: ResolveErrno }>;
  readLink(p: string): Promise<string | null>;
}

export interface SymlinkHop {
  /** The symlink met while resolving (its own, already resolved, directory + name). */
  link: string;
  /** Its content, as stored. */
  target: string;
}

interface ResolveBase {
  input: string;
  /** The path was relative, so the agent resolves it against its own working directory. */
  relative: boolean;
  /** The directory a relative path was resolved against. */
  base: string;
  hops: SymlinkHop[];
}

export type ResolveResult =
  | (ResolveBase & { ok: true; canonical: string })
  | (ResolveBase & { ok: false; error: ResolveErrno; at: string; message: string });

/** glibc's limit on symlinks followed in one resolution (MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;
/** NAME_MAX: the longest single path component. */
export const NAME_MAX = 255;
/** PATH_MAX on Linux, counting the terminating NUL. */
export const PATH_MAX = 4096;

const MESSAGES: Record<ResolveErrno, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  EACCES: 'Permission denied',
  ENAMETOOLONG: 'File name too long',
};

export function errnoMessage(e: ResolveErrno): string {
  return MESSAGES[e];
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function parent(dir: string): string {
  const i = dir.lastIndexOf('/');
  return i <= 0 ? '/' : dir.slice(0, i);
}

/**
 * Resolves `input` the way the agent's realpath() does: relative paths against `cwd`, "." and ".."
 * after the symlinks before them, a non-directory followed by "/" is ENOTDIR, a missing last
 * component is ENOENT (realpath, unlike `readlink -m`, wants the whole path to exist).
 */
export async function resolveLikeAgent(fs: ResolverFs, input: string, cwd = '/'): Promise<ResolveResult> {
  const relative = !input.startsWith('/');
  const hops: SymlinkHop[] = [];
  const base = relative ? cwd : '/';
  const fail = (error: ResolveErrno, at: string): ResolveResult => ({
    ok: false,
    error,
    at,
    message: errnoMessage(error),
    input,
    relative,
    base,
    hops,
  });
  if (input === '') return fail('ENOENT', '');
  let resolved = base;
  let rest = input;
  while (rest !== '') {
    const start = rest.search(/[^/]/);
    if (start < 0) break;
    const end = rest.indexOf('/', start);
    const name = end < 0 ? rest.slice(start) : rest.slice(start, end);
    const after = end < 0 ? '' : rest.slice(end);
    rest = after;
    if (name === '.') continue;
    if (name === '..') {
      resolved = parent(resolved);
      continue;
    }
    const candidate = join(resolved, name);
    if (Buffer.byteLength(candidate) >= PATH_MAX) return fail('ENAMETOOLONG', candidate);
    const kind = await fs.lstat(candidate);
    if (typeof kind === 'object') return fail(kind.error, candidate);
    if (kind === 'symlink') {
      if (hops.length >= MAX_SYMLINKS) return fail('ELOOP', candidate);
      const target = await fs.readLink(candidate);
      if (target === null) return fail('EACCES', candidate);
      if (target === '') return fail('ENOENT', candidate);
      hops.push({ link: candidate, target });
      rest = target + after;
      if (target.startsWith('/')) resolved = '/';
      continue;
    }
    if (kind !== 'dir' && after !== '') return fail('ENOTDIR', candidate);
    resolved = candidate;
  }
  return { ok: true, canonical: resolved, input, relative, base, hops };
}

/** Collapses "//", "." and ".." without touching the file system (what the user *thinks* the path is). */
export function lexicalNormalize(input: string, cwd = '/'): string {
  const abs = input.startsWith('/') ? input : `${cwd}/${input}`;
  const out: string[] = [];
  for (const part of abs.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

/** A ResolverFs over the doctor's SystemProbe (fixture trees in tests, the real system otherwise). */
export function probeResolverFs(probe: SystemProbe): ResolverFs {
  return {
    async lstat(p) {
      const st = await probe.lstat(p);
      if (st) return st.isSymlink ? 'symlink' : st.isDirectory ? 'dir' : st.isFile ? 'file' : 'other';
      // The probe only says "no": tell a missing name from an unreadable directory by listing it.
      const name = p.slice(p.lastIndexOf('/') + 1);
      if (Buffer.byteLength(name) > NAME_MAX) return { error: 'ENAMETOOLONG' };
      const names = await probe.readDir(parent(p));
      if (names === null) return { error: 'EACCES' };
      return { error: names.includes(name) ? 'EACCES' : 'ENOENT' };
    },
    readLink: (p) => probe.readLink(p),
  };
}
