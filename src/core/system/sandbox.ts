// Which sandbox or container this runs in, and how pcscd's socket got there: Flatpak
// (/.flatpak-info), Snap ($SNAP), AppImage ($APPIMAGE), toolbox (/run/.toolboxenv), distrobox
// ($DISTROBOX_ENTER_PATH), podman (/run/.containerenv), docker (/.dockerenv), LXC and others
// (`container=` in the environment of this process or of PID 1, /run/systemd/container, as
// systemd-detect-virt reads them), bubblewrap (PID 1 of the sandbox's PID namespace is bwrap).
// The socket: a bind mount (from /proc/self/mountinfo: mounted from outside, the host's daemon)
// or a pcscd process in here (the container's own).

import { processList } from './memo.js';
import type { SystemProbe } from './types.js';

/** Where the program that needs pcscd runs. */
export type SandboxKind =
  'flatpak' | 'snap' | 'appimage' | 'docker' | 'podman' | 'distrobox' | 'toolbox' | 'lxc' | 'bubblewrap' | 'container';

export const CONTAINER_KINDS: readonly SandboxKind[] = ['docker', 'podman', 'distrobox', 'toolbox', 'lxc', 'container'];

export interface SandboxInfo {
  kind: SandboxKind;
  /** Flatpak's application id, the snap's name, the container's name (when it tells). */
  app?: string;
  /** Flatpak's runtime. */
  runtime?: string;
  /** Flatpak's [Context] sockets. */
  sockets?: string[];
  /** The file or variable that told. */
  evidence: string;
}

/** A value from an INI-style file (Flatpak's /.flatpak-info). */
export function iniValue(text: string, section: string, key: string): string | undefined {
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) cur = line.slice(1, -1);
    else if (cur === section && line.startsWith(`${key}=`)) return line.slice(key.length + 1);
  }
  return undefined;
}

/** `container=` of PID 1 (LXC and systemd-nspawn set it there; this process may not have it). */
async function pid1Container(probe: SystemProbe): Promise<string | undefined> {
  const env = await probe.readFile('/proc/1/environ');
  return env
    ?.split('\0')
    .find((e) => e.startsWith('container='))
    ?.slice('container='.length);
}

/** /run/.containerenv's name="…" (podman writes it; empty in rootless containers without --privileged). */
async function containerName(probe: SystemProbe): Promise<string | undefined> {
  const text = await probe.readFile('/run/.containerenv');
  return text ? /^name="([^"]+)"/m.exec(text)?.[1] : undefined;
}

export async function detectSandbox(probe: SystemProbe): Promise<SandboxInfo | null> {
  const flatpak = await probe.readFile('/.flatpak-info');
  if (flatpak !== null) {
    const app = iniValue(flatpak, 'Application', 'name');
    const runtime = iniValue(flatpak, 'Application', 'runtime');
    return {
      kind: 'flatpak',
      ...(app ? { app } : {}),
      ...(runtime ? { runtime } : {}),
      sockets: (iniValue(flatpak, 'Context', 'sockets') ?? '').split(';').filter(Boolean),
      evidence: '/.flatpak-info',
    };
  }
  const env = probe.env;
  const snap = env.SNAP_INSTANCE_NAME ?? env.SNAP_NAME ?? (env.SNAP ? env.SNAP.split('/')[2] : undefined);
  if (env.SNAP && snap) return { kind: 'snap', app: snap, evidence: '$SNAP' };
  if (env.APPIMAGE) return { kind: 'appimage', app: env.APPIMAGE, evidence: '$APPIMAGE' };
  if (await probe.stat('/run/.toolboxenv')) return { kind: 'toolbox', evidence: '/run/.toolboxenv' };
  if (env.DISTROBOX_ENTER_PATH) {
    const name = env.CONTAINER_ID ?? (await containerName(probe));
    return { kind: 'distrobox', ...(name ? { app: name } : {}), evidence: '$DISTROBOX_ENTER_PATH' };
  }
  if (await probe.stat('/run/.containerenv')) {
    const name = await containerName(probe);
    return { kind: 'podman', ...(name ? { app: name } : {}), evidence: '/run/.containerenv' };
  }
  if (await probe.stat('/.dockerenv')) return { kind: 'docker', evidence: '/.dockerenv' };
  const marker = (await probe.readFile('/run/systemd/container'))?.trim();
  const declared = env.container ?? marker ?? (await pid1Container(probe));
  if (declared) {
    const kind: SandboxKind =
      declared === 'docker' ? 'docker' : declared === 'podman' ? 'podman' : /^lxc/.test(declared) ? 'lxc' : 'container';
    return {
      kind,
      ...(kind === 'container' ? { app: declared } : {}),
      evidence: env.container ? '$container' : marker ? '/run/systemd/container' : "PID 1's container=",
    };
  }
  const pid1 = (await probe.readFile('/proc/1/comm'))?.trim();
  if (pid1 === 'bwrap') return { kind: 'bubblewrap', evidence: 'PID 1 is bwrap' };
  return null;
}

/** One line of /proc/self/mountinfo: what is mounted where, from which path of which file system. */
interface MountEntry {
  /** The path inside the source file system (a bind mount's source, relative to its file system). */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Octal escapes of mountinfo (\040 for a space). */
const unescape = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 10 || dash < 6) continue;
    out.push({
      root: unescape(f[3] ?? ''),
      mountPoint: unescape(f[4] ?? ''),
      fsType: f[dash + 1] ?? '',
      source: unescape(f[dash + 2] ?? ''),
    });
  }
  return out;
}

export interface SocketOrigin {
  /** The socket file, or a directory above it, is a mount point: it comes from outside. */
  mounted: { mountPoint: string; from: string } | null;
  /** pcscd processes visible here (this sandbox's own daemon). */
  localDaemon: number[];
}

/** Whether `socket` was mounted in from outside (and from where), and whether a pcscd runs here. */
export async function socketOrigin(probe: SystemProbe, socket: string): Promise<SocketOrigin> {
  const mounts = parseMountInfo((await probe.readFile('/proc/self/mountinfo')) ?? '');
  // The deepest mount point at or above the socket, other than / and the usual /run tmpfs.
  const candidates = mounts
    .filter((m) => m.mountPoint !== '/' && (socket === m.mountPoint || socket.startsWith(`${m.mountPoint}/`)))
    .filter((m) => !(m.root === '/' && (m.fsType === 'tmpfs' || m.fsType === 'overlay')))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
  const m = candidates[0];
  const daemons = (await processList(probe))
    .filter((p) => (p.argv[0] ?? '').split('/').pop() === 'pcscd')
    .map((p) => p.pid);
  return {
    mounted: m ? { mountPoint: m.mountPoint, from: m.root } : null,
    localDaemon: daemons,
  };
}
