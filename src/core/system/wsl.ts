// Windows Subsystem for Linux: whether this is WSL (its kernel says "Microsoft" in /proc/version
// or /proc/sys/kernel/osrelease; the session has WSL_DISTRO_NAME), which WSL (WSL 1 translates
// system calls and has no USB at all; WSL 2 is a VM whose kernel names itself
// "…-microsoft-standard-WSL2"), the USB devices usbipd-win attached (their sysfs path runs through
// the vhci_hcd controller), and when a process and a device node came to be (to tell a pcscd that
// started before the attach). docs/doctor.md#wsl-2-and-usbipd-win says why each matters.

import type { SystemProbe } from './types.js';

export interface WslInfo {
  /** 1: system calls translated, no USB; 2: a VM with a Linux kernel. */
  version: 1 | 2;
  /** $WSL_DISTRO_NAME (the distribution's name on the Windows side), when set. */
  distro?: string;
  /** The kernel release (osrelease, else /proc/version's third word). */
  kernel: string;
  /** What told. */
  evidence: string;
}

/** WSL, from the kernel's own name, else the session's WSL_DISTRO_NAME; null elsewhere. */
export async function detectWsl(probe: SystemProbe): Promise<WslInfo | null> {
  const version = (await probe.readFile('/proc/version')) ?? '';
  const release = ((await probe.readFile('/proc/sys/kernel/osrelease')) ?? version.split(' ')[2] ?? '').trim();
  const distro = probe.env.WSL_DISTRO_NAME;
  const kernelSays = /microsoft/i.test(release) || /microsoft/i.test(version);
  if (!kernelSays && !distro) return null;
  // WSL 1's stand-in kernel is "4.4.0-19041-Microsoft" (capital M, no "standard"); WSL 2's are
  // "…-microsoft-standard" (early) and "…-microsoft-standard-WSL2". A WSL 2 user's own kernel
  // (built for usbip) may not say Microsoft at all: then only WSL_DISTRO_NAME tells.
  const wsl1 = kernelSays && /-Microsoft$/.test(release) && !/standard|WSL2/i.test(release);
  return {
    version: wsl1 ? 1 : 2,
    ...(distro ? { distro } : {}),
    kernel: release,
    evidence: kernelSays ? '/proc/version' : '$WSL_DISTRO_NAME',
  };
}

/** Attached over USB/IP: the device hangs under a vhci_hcd (virtual host controller) in sysfs. */
export function isUsbipDevice(dev: { syspath: string }): boolean {
  return /\/vhci_hcd[.\d]*\//.test(dev.syspath);
}

/** USER_HZ: /proc/PID/stat counts start times in these ticks (100 on every Linux architecture's ABI). */
const USER_HZ = 100;

/** When the system booted (ms since the epoch): /proc/stat's btime. */
export async function bootTimeMs(probe: SystemProbe): Promise<number | undefined> {
  const m = /^btime\s+(\d+)/m.exec((await probe.readFile('/proc/stat')) ?? '');
  return m ? Number(m[1]) * 1000 : undefined;
}

/** When a process started (ms since the epoch): field 22 of /proc/PID/stat, after btime. */
export async function processStartMs(probe: SystemProbe, pid: number): Promise<number | undefined> {
  const [stat, boot] = await Promise.all([probe.readFile(`/proc/${pid}/stat`), bootTimeMs(probe)]);
  if (stat === null || boot === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[19]); // field 22 is the 20th after the name
  return Number.isFinite(ticks) ? boot + (ticks * 1000) / USER_HZ : undefined;
}

/**
 * When a USB device appeared (ms since the epoch): the modification time of its /dev/bus/usb node,
 * which devtmpfs creates when the kernel adds the device (a sysfs directory's times are those of
 * its first lookup, not of the device); null when the node is not there.
 */
export async function deviceSinceMs(probe: SystemProbe, dev: { node: string }): Promise<number | null> {
  const st = await probe.stat(dev.node);
  return st ? st.mtimeMs : null;
}
