// What the system says about pcscd: the socket clients use, its binary and `pcscd --version`
// (version, "Enabled features"), its package, its running process, its systemd unit (with
// drop-ins) and /etc/default/pcscd.

import { posix } from 'node:path';
import { DEFAULT_SOCKET, LEGACY_SOCKET, MAX_SOCKET_PATH, type SocketChoice } from '../pcscd/socket-path.js';
import type { ProcessInfo, RunResult, SystemProbe } from './types.js';
import { findUser, type UserEntry } from './accounts.js';
import { memo, processList } from './memo.js';
import { parseProcNetUnix, socketHolders } from './unix-sockets.js';
import { packageVersion, upstreamVersion } from './os.js';
import { PCSCD_PATHS, systemdRunning } from './service.js';

/**
 * The socket clients use here, as libpcsclite picks it: the path given (`--socket`), then
 * PCSCLITE_CSOCK_NAME, then the default (the pre-1.9 path when only that one exists).
 */
export async function pcscdSocket(probe: SystemProbe, given?: string): Promise<SocketChoice> {
  if (given) return { path: given, source: 'option' };
  const env = probe.env.PCSCLITE_CSOCK_NAME;
  if (env) return { path: env.slice(0, MAX_SOCKET_PATH), source: 'env' };
  if (!(await probe.lstat(DEFAULT_SOCKET)) && (await probe.lstat(LEGACY_SOCKET)))
    return { path: LEGACY_SOCKET, source: 'legacy' };
  return { path: DEFAULT_SOCKET, source: 'default' };
}

export interface PcscdBinary {
  /** Every pcscd binary found (realpaths, deduplicated). */
  paths: string[];
  /** The one that runs: the running process's, else the unit's, else the first found. */
  path?: string;
  /** From `pcscd --version` ("1.9.9"). */
  version?: string;
  /** Words of the "Enabled features:" line. */
  features: string[];
  /** Long options `pcscd --help` lists (without the leading dashes). */
  options: string[];
  /** The package that ships pcscd, and its version. */
  pkg?: { name: string; version: string };
}

export function pcscdBinary(probe: SystemProbe): Promise<PcscdBinary> {
  return memo(probe, 'pcscd-binary', async () => {
    const { paths, path } = await pcscdPaths(probe);
    const out: PcscdBinary = { paths, features: [], options: [] };
    if (path) out.path = path;
    // Three programs, started together: on slow machines each start costs seconds.
    const [v, h, pkg] = await Promise.all([
      pcscdVersionOutput(probe),
      path ? probe.run(path, ['--help'], { timeoutMs: 5000 }) : null,
      packageVersion(probe, ['pcscd', 'pcsc-lite', 'pcsclite']),
    ]);
    if (v) Object.assign(out, fromVersionOutput(v.stdout));
    if (h) out.options = [...new Set([...h.stdout.matchAll(/--([a-z][a-z-]+)/g)].map((x) => x[1] as string))];
    if (pkg) {
      out.pkg = pkg;
      out.version ??= upstreamVersion(pkg.version);
    }
    return out;
  });
}

/** What pcscdBinary reads without `pcscd --help` or the package manager: what udev-check needs. */
export type PcscdProgram = Pick<PcscdBinary, 'paths' | 'path' | 'features'> & {
  /** From `pcscd --version` only (pcscdVersion falls back on the package's). */
  version?: string;
};

export async function pcscdProgram(probe: SystemProbe): Promise<PcscdProgram> {
  const [{ paths, path }, v] = await Promise.all([pcscdPaths(probe), pcscdVersionOutput(probe)]);
  return { paths, ...(path ? { path } : {}), features: [], ...(v ? fromVersionOutput(v.stdout) : {}) };
}

/** pcscdBinary's version: `pcscd --version`'s, else (only then is the package manager asked) the package's. */
export async function pcscdVersion(probe: SystemProbe): Promise<string | undefined> {
  return (await pcscdProgram(probe)).version ?? (await pcscdBinary(probe)).version;
}

/** Every pcscd binary found, and the one that runs: the running process's, else the unit's, else the first found. */
function pcscdPaths(probe: SystemProbe): Promise<{ paths: string[]; path?: string }> {
  return memo(probe, 'pcscd-paths', async () => {
    const paths: string[] = [];
    for (const p of PCSCD_PATHS) {
      const st = await probe.stat(p);
      if (!st?.isFile) continue;
      const real = (await probe.realPath(p)) ?? p;
      if (!paths.includes(real)) paths.push(real);
    }
    const proc = (await processList(probe)).find(isPcscd);
    const unit = await pcscdUnit(probe);
    const unitBin = unit?.execStart?.[0];
    const path =
      (proc?.exe && paths.includes(proc.exe) ? proc.exe : undefined) ??
      (unitBin && paths.includes(unitBin) ? unitBin : undefined) ??
      paths[0];
    return path ? { paths, path } : { paths };
  });
}

/** `pcscd --version` of the binary that runs, run once per probe. */
function pcscdVersionOutput(probe: SystemProbe): Promise<RunResult | null> {
  return memo(probe, 'pcscd-version', async () => {
    const { path } = await pcscdPaths(probe);
    return path ? probe.run(path, ['--version'], { timeoutMs: 5000 }) : null;
  });
}

/** The release and the "Enabled features:" words of `pcscd --version`'s output. */
function fromVersionOutput(stdout: string): { version?: string; features: string[] } {
  const version = releaseOf(stdout);
  const features = (/^Enabled features:\s*(.*)$/m.exec(stdout)?.[1] ?? '').split(/\s+/).filter(Boolean);
  return version ? { version, features } : { features };
}

/** The release in `pcscd --version`'s "pcsc-lite version 2.0.3." line. */
function releaseOf(stdout: string): string | undefined {
  return /pcsc-lite version ([0-9][^\s]*?)\.?\s*$/m.exec(stdout)?.[1];
}

/** A feature value such as usbdropdir=/usr/lib/pcsc/drivers. */
export function feature(bin: Pick<PcscdBinary, 'features'>, key: string): string | undefined {
  return bin.features.find((f) => f.startsWith(`${key}=`))?.slice(key.length + 1);
}

const isPcscd = (p: ProcessInfo): boolean =>
  posix.basename(p.argv[0] ?? '') === 'pcscd' ||
  (p.exe !== undefined && posix.basename(p.exe) === 'pcscd' && p.argv.length > 0);

/**
 * The pcscd that serves `socket`: the process holding that socket's inode. Several daemons may run
 * (containers, test rigs on private sockets), so "a process named pcscd" is not enough. When no
 * file descriptor can be read (another user's process) a lone pcscd is taken as the one.
 */
export function pcscdProcess(probe: SystemProbe, socket: string): Promise<ProcessInfo | undefined> {
  return memo(probe, `pcscd-process:${socket}`, async () => {
    const all = (await processList(probe)).filter(isPcscd);
    const table = parseProcNetUnix((await probe.readFile('/proc/net/unix')) ?? '');
    const inodes = new Set(table.filter((e) => e.path === socket).map((e) => e.inode));
    const [holder] = await socketHolders(probe, inodes, all);
    if (holder) return holder;
    // No fd readable at all (another user's daemon): a lone pcscd is taken as the one.
    let readable = false;
    for (const p of all) if ((await probe.readDir(`/proc/${p.pid}/fd`)) !== null) readable = true;
    return !readable && all.length === 1 ? all[0] : undefined;
  });
}

/** The pcscd release serving a socket, or why it cannot be known (`pcsc version --verbose`). */
export interface ServingPcscd {
  /** The release, as `pcscd --version` of the serving process's binary says ("2.0.3"); null when unknown. */
  version: string | null;
  /** The serving process, when found (the process holding the socket, or the only pcscd). */
  pid: number | null;
  /** Its binary: /proc/PID/exe, else its argv[0] when that is a path. */
  binary: string | null;
  /** Why `version` is null. */
  reason?: string;
}

/**
 * Which pcscd release answers at `socket`: the process holding the socket (there is no SO_PEERCRED
 * in Node; /proc/net/unix and /proc/PID/fd tell the same), then its binary's `--version`. The
 * protocol the daemon speaks does not tell releases apart (1.9.9 to 2.2 all speak 4:4).
 */
export async function servingPcscd(probe: SystemProbe, socket: string): Promise<ServingPcscd> {
  const proc = await pcscdProcess(probe, socket);
  if (!proc)
    return {
      version: null,
      pid: null,
      binary: null,
      reason:
        "no pcscd process is seen holding the socket (another user's daemon among several, another PID namespace, or not Linux)",
    };
  const argv0 = proc.argv[0];
  const binary = proc.exe ?? (argv0?.startsWith('/') ? argv0 : undefined);
  if (!binary)
    return { version: null, pid: proc.pid, binary: null, reason: `the binary of pid ${proc.pid} cannot be read` };
  const out = await probe.run(binary, ['--version'], { timeoutMs: 5000 });
  const version = out ? releaseOf(out.stdout) : undefined;
  return version
    ? { version, pid: proc.pid, binary }
    : { version: null, pid: proc.pid, binary, reason: `${binary} --version did not name a pcsc-lite version` };
}

export interface UnitInfo {
  /** The unit file and the drop-ins that apply, in order. */
  files: string[];
  execStart?: string[];
  user?: string;
  environmentFiles: string[];
}

const UNIT_DIRS = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
];

/** pcscd.service as systemd would read it (main file by directory priority, then drop-ins). */
export function pcscdUnit(probe: SystemProbe, name = 'pcscd.service'): Promise<UnitInfo | undefined> {
  return memo(probe, `unit:${name}`, async () => {
    let main: string | undefined;
    for (const d of UNIT_DIRS) {
      const p = `${d}/${name}`;
      if ((await probe.readFile(p)) !== null) {
        main = p;
        break;
      }
    }
    if (!main) return undefined;
    const dropins = new Map<string, string>();
    for (const d of [...UNIT_DIRS].reverse()) {
      for (const f of (await probe.readDir(`${d}/${name}.d`)) ?? [])
        if (f.endsWith('.conf')) dropins.set(f, `${d}/${name}.d/${f}`);
    }
    const files = [main, ...[...dropins.keys()].sort().map((k) => dropins.get(k) as string)];
    const info: UnitInfo = { files, environmentFiles: [] };
    for (const f of files) {
      const text = (await probe.readFile(f)) ?? '';
      let section = '';
      for (const raw of text.split('\n')) {
        const line = raw.trim();
        if (line.startsWith('[')) section = line;
        if (section !== '[Service]' || line.startsWith('#') || !line.includes('=')) continue;
        const key = line.slice(0, line.indexOf('=')).trim();
        const value = line.slice(line.indexOf('=') + 1).trim();
        if (key === 'ExecStart') info.execStart = value === '' ? undefined : splitWords(value.replace(/^[-@:+!]+/, ''));
        else if (key === 'User') info.user = value || undefined;
        else if (key === 'EnvironmentFile') {
          if (value === '') info.environmentFiles = [];
          else info.environmentFiles.push(value.replace(/^-/, ''));
        }
      }
    }
    return info;
  });
}

/** Shell-like word splitting for ExecStart= and PCSCD_ARGS (quotes, no expansion). */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] ?? m[2] ?? (m[3] as string));
  return out;
}

/** KEY=value lines of an environment file such as /etc/default/pcscd. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (!m) continue;
    let v = (m[2] as string).trim();
    if (
      (v.startsWith('"') && v.endsWith('"') && v.length >= 2) ||
      (v.startsWith("'") && v.endsWith("'") && v.length >= 2)
    )
      v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1] as string] = v;
  }
  return out;
}

export function pcscdDefaults(probe: SystemProbe): Promise<{ path: string; vars: Record<string, string> } | undefined> {
  return memo(probe, 'pcscd-defaults', async () => {
    for (const path of ['/etc/default/pcscd', '/etc/sysconfig/pcscd']) {
      const text = await probe.readFile(path);
      if (text !== null) return { path, vars: parseEnvFile(text) };
    }
    return undefined;
  });
}

export interface PcscdUser {
  name: string;
  uid?: number;
  entry?: UserEntry;
  /** How we know: the running process, the unit's User=, or the default (root). */
  source: 'process' | 'unit' | 'default';
}

/** Who the pcscd serving `socket` runs (or will run) as. */
export function pcscdUser(probe: SystemProbe, socket: string): Promise<PcscdUser> {
  return memo(probe, `pcscd-user:${socket}`, async () => {
    const proc = await pcscdProcess(probe, socket);
    if (proc && Number.isFinite(proc.uid)) {
      const entry = await findUser(probe, proc.uid);
      return { name: entry?.name ?? String(proc.uid), uid: proc.uid, ...(entry ? { entry } : {}), source: 'process' };
    }
    const unit = (await systemdRunning(probe)) ? await pcscdUnit(probe) : undefined;
    if (unit?.user) {
      const entry = await findUser(probe, unit.user);
      return { name: unit.user, ...(entry ? { entry, uid: entry.uid } : {}), source: 'unit' };
    }
    return { name: 'root', uid: 0, source: 'default' };
  });
}
