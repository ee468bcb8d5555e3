// The real SystemProbe: reads the system through a root directory (a fixture tree in tests), runs
// programs with argument arrays (never a shell), and lists processes from <root>/proc.

import { execFile } from 'node:child_process';
import { lstat, readdir, readFileSync, readlink, readlinkSync, realpath, stat, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { readUserFile } from '../user-file.js';
import type { Platform, ProbeStat, ProcessInfo, RunResult, SystemProbe } from './types.js';

export interface ProbeOptions {
  /** The directory that stands for `/` (default `/`). */
  root?: string;
  platform?: Platform;
  env?: Readonly<Record<string, string | undefined>>;
  /** The user running the checks (default: this process's uid). */
  uid?: number;
  /** Output cap per program run, bytes (default 1 MiB). */
  maxOutput?: number;
}

const MAX_SYMLINKS = 40;
/** The largest file a check reads (rules files, configs, /proc entries are far smaller). */
const MAX_FILE = 16 * 1024 * 1024;

export function currentPlatform(): Platform {
  const p = process.platform;
  if (p === 'android') return 'linux';
  return p as Platform;
}

/**
 * Builds a probe over `root`. Any method can be replaced through `overrides` (scripted programs,
 * device nodes a fixture tree cannot hold); the others keep reading the tree.
 * Programs run only when root is `/`: a fixture tree's programs are not this machine's.
 */
export function createProbe(opts: ProbeOptions = {}, overrides: Partial<SystemProbe> = {}): SystemProbe {
  const root = opts.root ?? '/';
  const live = root === '/';
  const toHost = (p: string): string => {
    const abs = posix.normalize(isAbsolute(p) ? p : '/' + p);
    return live ? abs : join(root, abs);
  };
  // Each program name looked up along PATH once per probe.
  const found = new Map<string, Promise<boolean>>();
  const mayExist = (cmd: string): Promise<boolean> => {
    let p = found.get(cmd);
    if (!p) found.set(cmd, (p = onPath(cmd, process.env.PATH)));
    return p;
  };
  const probe: SystemProbe = {
    root,
    platform: opts.platform ?? currentPlatform(),
    env: opts.env ?? process.env,
    ...(opts.uid !== undefined ? { uid: opts.uid } : live && process.getuid ? { uid: process.getuid() } : {}),
    path: toHost,
    async readFile(p) {
      // Regular files only, bounded: a FIFO in a rules or config directory must not hang a check.
      try {
        const what = 'system file';
        return (await readUserFile(toHost(p), { what, maxBytes: MAX_FILE, holds: 'a system file' })).toString('utf8');
      } catch {
        return null;
      }
    },
    async readBytes(p) {
      try {
        return await readFile(toHost(p));
      } catch (e) {
        return { error: (e as NodeJS.ErrnoException).code ?? 'EIO' };
      }
    },
    async readDir(p) {
      return (await orNull<string[]>((cb) => readdir(toHost(p), cb)))?.sort() ?? null;
    },
    async stat(p) {
      const st = await orNull<Stats>((cb) => stat(toHost(p), cb));
      return st && toProbeStat(st);
    },
    async lstat(p) {
      const st = await orNull<Stats>((cb) => lstat(toHost(p), cb));
      return st && toProbeStat(st);
    },
    readLink: (p) => orNull<string>((cb) => readlink(toHost(p), cb)),
    async realPath(p) {
      // The native realpath(3), as fs/promises' is (fs.realpath walks the links in JavaScript).
      if (live) return orNull<string>((cb) => realpath.native(p, cb));
      return resolveInRoot(
        p,
        (q) => probe.lstat(q),
        (q) => probe.readLink(q),
      );
    },
    run: live
      ? async (cmd, args, o) =>
          (await mayExist(cmd)) ? runProgram(cmd, args, o?.timeoutMs ?? 5000, opts.maxOutput ?? 1 << 20) : null
      : async () => null,
    // A process's status and exe link, read synchronously (see listProcesses); null on any error.
    processes: () =>
      listProcesses(
        probe,
        overrides.readFile || overrides.readLink
          ? undefined
          : {
              text: (p) => syncOrNull(() => readFileSync(toHost(p), 'utf8')),
              link: (p) => syncOrNull(() => readlinkSync(toHost(p))),
            },
      ),
  };
  return Object.assign(probe, overrides);
}

/**
 * One call of fs's callback API, null on any error. A /proc walk makes hundreds of these: the
 * callback API costs about half the CPU of fs/promises per call (Node 20).
 */
function orNull<T>(call: (cb: (e: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T | null> {
  return new Promise((resolve) => {
    try {
      call((e, v) => resolve(e ? null : v));
    } catch {
      resolve(null); // an argument fs refuses at once (a NUL in the path)
    }
  });
}

/** The synchronous twin of orNull: `call`'s value, null on any error. */
function syncOrNull<T>(call: () => T): T | null {
  try {
    return call();
  } catch {
    return null;
  }
}

/** realpath(3) inside a root: absolute link targets start again at the root. */
export async function resolveInRoot(
  p: string,
  lstatFn: (p: string) => Promise<ProbeStat | null>,
  readLinkFn: (p: string) => Promise<string | null>,
): Promise<string | null> {
  let pending = posix
    .normalize(isAbsolute(p) ? p : '/' + p)
    .split('/')
    .filter(Boolean);
  let resolved = '/';
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved = posix.dirname(resolved);
      continue;
    }
    const next = posix.join(resolved, part);
    const st = await lstatFn(next);
    if (!st) return null;
    if (!st.isSymlink) {
      resolved = next;
      continue;
    }
    if (++links > MAX_SYMLINKS) return null;
    const target = await readLinkFn(next);
    if (target === null) return null;
    if (isAbsolute(target)) resolved = '/';
    pending = [...target.split('/').filter(Boolean), ...pending];
  }
  return resolved;
}

/** Linux's dev_t encoding (glibc major()/minor()). */
export function splitDev(rdev: number): { major: number; minor: number } {
  const d = BigInt(rdev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  return { major, minor };
}

function toProbeStat(s: Stats): ProbeStat {
  const out: ProbeStat = {
    isFile: s.isFile(),
    isDirectory: s.isDirectory(),
    isSymlink: s.isSymbolicLink(),
    isSocket: s.isSocket(),
    isCharDevice: s.isCharacterDevice(),
    mode: s.mode & 0o7777,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    mtimeMs: s.mtimeMs,
  };
  if (s.isCharacterDevice() || s.isBlockDevice()) out.rdev = splitDev(s.rdev);
  return out;
}

/**
 * Whether execvp(3), searching `path` as a program is run, could find `cmd`: false only when no
 * directory of it holds anything by that name (every stat fails with ENOENT or ENOTDIR), when the
 * run would end in ENOENT, which runProgram answers with null. Such a program is not spawned: a
 * fork, and an execve tried in every directory of PATH, for nothing. A name with a slash, no PATH or
 * one naming the working directory (an empty entry): true, and the run decides, as before. The
 * name is joined to each directory as execvp joins it ("DIR/NAME", not normalized).
 */
function onPath(cmd: string, path: string | undefined): Promise<boolean> {
  if (cmd.includes('/') || path === undefined) return Promise.resolve(true);
  const dirs = path.split(':');
  if (dirs.some((d) => d === '')) return Promise.resolve(true);
  return Promise.all(
    dirs.map(
      (d) =>
        new Promise<boolean>((resolve) =>
          stat(`${d}/${cmd}`, (e) => resolve(!e || (e.code !== 'ENOENT' && e.code !== 'ENOTDIR'))),
        ),
    ),
  ).then((hits) => hits.includes(true));
}

function runProgram(cmd: string, args: string[], timeoutMs: number, maxBuffer: number): Promise<RunResult | null> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, windowsHide: true },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
        if (e && (e.code === 'ENOENT' || e.code === 'EACCES')) return resolve(null);
        if (e && e.killed) return resolve({ code: null, stdout: String(stdout), stderr: String(stderr) });
        const code = e ? (typeof e.code === 'number' ? e.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/**
 * Every process: pid, argv, uid, exe. A walk reads three files per process; done asynchronously,
 * each costs several thread-pool round trips (~22 ms of CPU for ~90 processes). `status` and the
 * `exe` link never wait on the process (the kernel reads them under the task's lock; no mmap lock),
 * so with `sync` they are read synchronously (~9 ms for the walk); `cmdline` is read from the
 * process's memory under its mmap lock, which a process stuck in a page fault can hold for ever:
 * it stays asynchronous, so Ctrl-C and every timeout still work.
 */
async function listProcesses(
  probe: SystemProbe,
  sync?: { text: (p: string) => string | null; link: (p: string) => string | null },
): Promise<ProcessInfo[]> {
  const entries = (await probe.readDir('/proc')) ?? [];
  const out: ProcessInfo[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (pid) => {
        const [cmdline, status, exe] = sync
          ? [
              await probe.readFile(`/proc/${pid}/cmdline`),
              sync.text(`/proc/${pid}/status`),
              sync.link(`/proc/${pid}/exe`),
            ]
          : await Promise.all([
              probe.readFile(`/proc/${pid}/cmdline`),
              probe.readFile(`/proc/${pid}/status`),
              probe.readLink(`/proc/${pid}/exe`),
            ]);
        if (cmdline === null || status === null) return; // gone, or not a process directory
        const argv = cmdline.split('\0');
        if (argv[argv.length - 1] === '') argv.pop();
        const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
        const info: ProcessInfo = { pid: Number(pid), argv, uid };
        if (exe) info.exe = exe.replace(/ \(deleted\)$/, '');
        out.push(info);
      }),
  );
  return out.sort((a, b) => a.pid - b.pid);
}
