// The `wsl.usbip` check: on WSL, readers come from Windows through usbipd-win (USB/IP; the device
// hangs under the vhci_hcd controller in sysfs). What goes wrong (docs/doctor.md#wsl-2-and-usbipd-win):
// WSL 1 has no USB; nothing is attached (the Windows side must bind and attach it); pcscd is not
// running (WSL often has no systemd, so nothing starts it); pcscd started before the attach and,
// with no udev daemon to announce the device, never sees it; the node usbip created is root's and
// no udev rule ran to give it to pcscd's user. Fixes: the start/restart commands of this machine
// (service.ts), the chgrp/chmod the node needs, and the usbipd commands for the Windows side,
// labelled as such (they are not run here).

import { processList } from '../../system/memo.js';
import { pcscdProcess } from '../../system/pcscd-info.js';
import { asRoot, detectMachine, restartPcscd, startPcscd, type Machine } from '../../system/service.js';
import { deviceSinceMs, detectWsl, isUsbipDevice, processStartMs } from '../../system/wsl.js';
import type { ProcessInfo, SystemProbe } from '../../system/types.js';
import { readerNodes } from '../../udev/reader-access.js';
import { readerIdentity, usbReaders, type ReaderIdentity } from '../../udev/readers.js';
import type { DoctorCheck } from '../types.js';
import { daemonSocket, fix, plural, result } from './util.js';

const base = (p: ProcessInfo): string => ((p.exe ?? p.argv[0] ?? '').split('/').pop() as string) || '';

/** A udev daemon runs: it announces new devices to pcscd (libudev) and applies the rules to their nodes. */
function udevRunning(procs: readonly ProcessInfo[]): boolean {
  return procs.some((p) => ['systemd-udevd', 'udevd'].includes(base(p)));
}

/** The Windows side, in usbipd-win 4.x syntax (docs: dorssel/usbipd-win, wiki "WSL support"). */
export const WINDOWS_BIND = 'usbipd bind --busid BUSID';
export const WINDOWS_ATTACH = 'usbipd attach --wsl --busid BUSID';
const WINDOWS_TEXT =
  "On Windows: `usbipd list` shows the reader's BUSID (and VID:PID); share it once, in an administrator PowerShell: `usbipd bind --busid BUSID`; then attach it to WSL from any PowerShell: `usbipd attach --wsl --busid BUSID` (again after every reboot, replug or reset of the reader; `--auto-attach` keeps doing it). usbipd-win before 4.0 spelled it `usbipd wsl attach --busid BUSID`.";

/** Enabling systemd in WSL: /etc/wsl.conf, then a restart of the WSL VM from Windows. */
const SYSTEMD_HINT =
  'To have services (and udev) start by themselves, enable systemd: put "[boot]" and "systemd=true" in /etc/wsl.conf, then run `wsl --shutdown` on Windows and open WSL again.';

interface Attached extends Pick<ReaderIdentity, 'name' | 'vid' | 'pid' | 'busPath' | 'node'> {
  /** When its node appeared (ISO), null when the node is missing. */
  since: string | null;
  pcscdCanOpen: boolean | null;
  owner: string | null;
  group: string | null;
  mode: string | null;
}

const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

async function pcscdDaemon(probe: SystemProbe, socket: string): Promise<ProcessInfo | undefined> {
  return (await pcscdProcess(probe, socket)) ?? (await processList(probe)).find((p) => base(p) === 'pcscd');
}

function nodeFix(
  m: Machine,
  a: readonly Attached[],
  group: string,
  udev: boolean,
): { text: string; commands: string[] } {
  if (udev)
    return {
      text: "A udev daemon runs: give the node to pcscd's group with a rule (the udev.node-access check prints it and the commands that apply it).",
      commands: [],
    };
  return {
    text: `No udev daemon runs here, so no rule gives the node to pcscd's user: hand it over yourself (the node is created again at every attach, so repeat this after each \`usbipd attach\`).`,
    commands: a.flatMap((r) => [asRoot(['chgrp', group, r.node], m), asRoot(['chmod', '0660', r.node], m)]),
  };
}

export const wslUsbip: DoctorCheck = {
  id: 'wsl.usbip',
  title: 'WSL: readers attached with usbipd-win reach pcscd',
  description:
    "On WSL: WSL 1 or 2, the readers attached through usbipd-win (USB/IP, the vhci_hcd bus in sysfs), whether pcscd runs, whether it started before the reader was attached with no udev daemon to tell it (then it never sees the reader), and whether pcscd's user can open the node usbip created; the Windows-side usbipd commands are shown as such.",
  category: 'udev',
  platforms: ['linux'],
  timeoutMs: 20_000,
  async run(ctx) {
    const probe = ctx.probe;
    const info = await detectWsl(probe);
    if (!info) return result('skip', 'Not WSL', { data: { wsl: null } });
    const where = `WSL ${info.version}${info.distro ? ` (${info.distro})` : ''}`;
    const data: Record<string, unknown> = {
      wsl: { version: info.version, distro: info.distro ?? null, kernel: info.kernel, evidence: info.evidence },
    };
    const details = [`${where}, kernel ${info.kernel || 'unknown'} (told by ${info.evidence}).`];
    if (info.version === 1) {
      return result('fail', `${where} has no USB: readers cannot be attached`, {
        details: [
          ...details,
          'WSL 1 translates Linux system calls and has no USB stack; usbipd-win attaches devices to WSL 2 only.',
        ],
        fix: fix(
          `Convert the distribution to WSL 2. On Windows, in PowerShell: \`wsl --set-version ${info.distro ?? 'DISTRO'} 2\`.`,
        ),
        data,
      });
    }
    const socket = await daemonSocket(ctx);
    const [m, procs, readers, nodes] = await Promise.all([
      detectMachine(probe),
      processList(probe),
      usbReaders(probe),
      readerNodes(probe, socket),
    ]);
    const udev = udevRunning(procs);
    const daemon = await pcscdDaemon(probe, socket);
    const started = daemon ? await processStartMs(probe, daemon.pid) : undefined;
    const attached: Attached[] = await Promise.all(
      readers
        .filter((r) => isUsbipDevice(r.dev))
        .map(async (r) => {
          const n = nodes.find((x) => x.busPath === r.dev.name);
          const { name, vid, pid, busPath, node } = readerIdentity(r);
          return {
            name,
            vid,
            pid,
            busPath,
            node,
            since: iso(await deviceSinceMs(probe, r.dev)),
            pcscdCanOpen: n?.pcscdCanOpen ?? null,
            owner: n?.owner ?? null,
            group: n?.group ?? null,
            mode: n?.mode ?? null,
          };
        }),
    );
    Object.assign(data, {
      init: m.init,
      udevd: udev,
      pcscd: daemon ? { pid: daemon.pid, started: iso(started) } : null,
      attached,
      windows: [WINDOWS_BIND, WINDOWS_ATTACH],
    });
    details.push(
      `Init: ${m.init === 'none' ? 'none (no systemd)' : m.init}; udev daemon: ${udev ? 'running' : 'not running (no hotplug events, no rules applied)'}.`,
    );
    if (attached.length === 0) {
      const other = readers.length > 0;
      return result(
        other ? 'pass' : 'warn',
        other ? `${where}: readers here are not attached through usbip` : `${where}: no reader attached from Windows`,
        {
          details: [
            ...details,
            other
              ? 'The readers in sysfs are not on a vhci_hcd (USB/IP) controller: they came some other way (a custom kernel, a passed-through controller).'
              : 'Windows keeps USB devices to itself until usbipd-win shares and attaches them; until then pcscd has no reader to find and programs (ykman, OpenSC) say "no readers" or "PC/SC not available".',
          ],
          ...(other ? {} : { fix: fix(WINDOWS_TEXT) }),
          data,
        },
      );
    }
    for (const a of attached)
      details.push(
        `${a.vid}:${a.pid} ${a.name} at ${a.busPath} (${a.node}, ${a.owner ?? '?'}:${a.group ?? '?'} ${a.mode ?? '?'}), attached over usbip${a.since ? ` at ${a.since}` : ''}.`,
      );
    const problems: string[] = [];
    const texts: string[] = [];
    const commands: string[] = [];
    let root = false;
    const add = (s: { text: string; commands: string[]; root?: boolean }): void => {
      texts.push(s.text);
      commands.push(...s.commands);
      root ||= s.root === true;
    };
    // Socket activation (systemd) starts pcscd at the first connection: no process is fine there.
    if (!daemon && m.init !== 'systemd') {
      problems.push('pcscd is not running');
      details.push('Nothing starts pcscd here: WSL without systemd starts no services.');
      add(startPcscd(m));
      texts.push(SYSTEMD_HINT);
    } else if (daemon && started !== undefined && !udev) {
      const late = attached.filter((a) => a.since !== null && Date.parse(a.since) > started);
      details.push(`pcscd (pid ${daemon.pid}) started at ${iso(started)}.`);
      if (late.length > 0) {
        const which =
          late.length < attached.length
            ? `${late.map((a) => a.name).join(', ')} ${late.length === 1 ? 'was' : 'were'}`
            : late.length === 1
              ? 'the reader was'
              : 'the readers were';
        problems.push(`pcscd started before ${which} attached`);
        details.push(
          'pcscd learns of new readers from udev events; with no udev daemon running none come, so a pcscd started before the attach never sees the reader.',
        );
        const r = restartPcscd(m);
        add({ ...r, text: `${r.text} Do it after each \`usbipd attach\` (or enable systemd, which runs udev).` });
      }
    } else if (daemon && started === undefined && !udev) {
      details.push(
        `pcscd (pid ${daemon.pid}) runs, but its start time cannot be read: if it started before the attach it does not see the reader (no udev daemon here).`,
      );
    }
    const denied = attached.filter((a) => a.pcscdCanOpen === false);
    if (denied.length > 0) {
      problems.push(`pcscd's user cannot open ${denied.map((a) => a.node).join(', ')}`);
      const nf = nodeFix(m, denied, 'pcscd', udev);
      add({ ...nf, root: m.elevate !== 'root' });
    }
    if (problems.length === 0)
      return result('pass', `${where}: ${plural(attached.length, 'reader')} attached through usbip, visible to pcscd`, {
        details,
        data,
      });
    return result('fail', `${where}: ${problems.join('; ')}`, {
      details,
      fix: fix(texts.join(' '), commands, root),
      data,
    });
  },
};
