// Fixture systems for doctor's checks: a file tree standing for `/`, plus scripted programs,
// processes and device-node stats (what a tree of plain files cannot hold).

import { createProbe } from '../../src/core/system/probe.js';
import { runChecks } from '../../src/core/engine/engine.js';
import { DOCTOR_CHECKS } from '../../src/core/doctor/checks/index.js';
import type { CheckReport } from '../../src/core/engine/types.js';
import type { DoctorOptions, DoctorReport } from '../../src/core/doctor/types.js';
import type { Platform, ProbeStat, ProcessInfo, RunResult, SystemProbe } from '../../src/core/system/types.js';
import { fixtureTree, type FixtureTree } from './fixture-tree.js';
import { FakePcscd, type FakePcscdOptions } from '../fakes/fake-pcscd.js';

export interface Scenario {
  tree: FixtureTree;
  /** Program answers by "cmd arg1 arg2…"; unlisted programs "cannot be run" (null). */
  run: Record<string, RunResult | null>;
  processes: ProcessInfo[];
  /** stat() answers for paths a tree cannot hold (device nodes); null = missing. */
  stats: Record<string, Partial<ProbeStat> | null>;
  env: Record<string, string>;
  uid?: number;
  platform: Platform;
  /** Fake daemons listening inside the tree (`daemonAt`), stopped by `dispose`. */
  daemons: FakePcscd[];
}

/** A user's machine: uid 1000 with sudo installed (variants remove it, or make the user root). */
export function scenario(): Scenario {
  return {
    tree: fixtureTree('pcsc-doctor-').file('/usr/bin/sudo', ''),
    run: {},
    processes: [],
    stats: {},
    env: {},
    uid: 1000,
    platform: 'linux',
    daemons: [],
  };
}

/** A fake pcscd listening at `path` inside the scenario's tree (a real Unix socket). */
export async function daemonAt(
  s: Scenario,
  path: string,
  opts: Omit<FakePcscdOptions, 'path'> = { version: '1.9.9' },
): Promise<FakePcscd> {
  s.tree.dir(path.slice(0, path.lastIndexOf('/')) || '/');
  const d = await FakePcscd.start({ ...opts, path: s.tree.root + path });
  s.daemons.push(d);
  return d;
}

/** Stops the scenario's fake daemons and removes its tree. */
export async function dispose(s: Scenario | undefined): Promise<void> {
  if (!s) return;
  await Promise.all(s.daemons.map((d) => d.stop()));
  s.tree.remove();
}

export function probeFor(s: Scenario): SystemProbe {
  const base = createProbe({
    root: s.tree.root,
    platform: s.platform,
    env: s.env,
    ...(s.uid !== undefined ? { uid: s.uid } : {}),
  });
  return createProbe(
    { root: s.tree.root, platform: s.platform, env: s.env, ...(s.uid !== undefined ? { uid: s.uid } : {}) },
    {
      run: async (cmd, args) => s.run[[cmd, ...args].join(' ')] ?? null,
      processes: async () => s.processes,
      stat: async (p) => {
        if (p in s.stats) {
          const st = s.stats[p];
          return st === null
            ? null
            : {
                isFile: false,
                isDirectory: false,
                isSymlink: false,
                isSocket: false,
                isCharDevice: false,
                mode: 0o644,
                uid: 0,
                gid: 0,
                size: 0,
                mtimeMs: 0,
                ...st,
              };
        }
        return base.stat(p);
      },
    },
  );
}

/** Runs one check (and what it depends on) against the scenario. */
export async function runCheck(
  s: Scenario,
  id: string,
  options: DoctorOptions = {},
): Promise<CheckReport & { all: DoctorReport }> {
  const all = await runChecks({ probe: probeFor(s), checks: DOCTOR_CHECKS, select: { ids: [id] }, options });
  const r = all.checks.find((c) => c.id === id);
  if (!r) throw new Error(`check ${id} did not run`);
  return { ...r, all };
}

export const ok = (stdout: string): RunResult => ({ code: 0, stdout, stderr: '' });

/** The commands that install and start the bridge's systemd user units, as doctor prints them. */
export const INSTALL_BRIDGE_UNITS = [
  'mkdir -p ~/.config/systemd/user',
  'pcsc proxy --print-systemd --unit socket > ~/.config/systemd/user/pcsc-proxy.socket',
  'pcsc proxy --print-systemd --unit service > ~/.config/systemd/user/pcsc-proxy.service',
  'systemctl --user daemon-reload',
  'systemctl --user enable --now pcsc-proxy.socket',
];

// ---- building blocks of a system ----

export function versionOutput(
  version: string,
  features = 'Linux x86_64-pc-linux-gnu libsystemd serial usb libudev usbdropdir=/usr/lib/pcsc/drivers ipcdir=/run/pcscd filter configdir=/etc/reader.conf.d',
): string {
  return `pcsc-lite version ${version}.\nCopyright (C) 1999-2002 by David Corcoran.\nEnabled features: ${features}\nMAX_READERNAME: 128\n`;
}

export const HELP_1_9_9 =
  '  -a, --apdu\n  -c, --config\n  -f, --foreground\n  -T, --color\n  -h, --help\n  -H, --hotplug\n  -v, --version\n  -d, --debug\n  -i, --info\n  -e  --error\n  -C  --critical\n  --force-reader-polling\n  -t, --max-thread\n  -s, --max-card-handle-per-thread\n  -r, --max-card-handle-per-reader\n  -x, --auto-exit\n  -S, --reader-name-no-serial\n  -I, --reader-name-no-interface\n';
export const HELP_2_4 = `${HELP_1_9_9}  --disable-polkit\n`;

/** pcscd installed at /usr/sbin/pcscd, answering --version/--help, packaged as `pcscd`. */
export function withPcscd(
  s: Scenario,
  version: string,
  opts: { features?: string; pkgVersion?: string } = {},
): Scenario {
  s.tree.file('/usr/sbin/pcscd', '#!/bin/false\n');
  s.run['/usr/sbin/pcscd --version'] = ok(versionOutput(version, opts.features));
  s.run['/usr/sbin/pcscd --help'] = ok(version.startsWith('1.') ? HELP_1_9_9 : HELP_2_4);
  s.run['dpkg-query -W -f ${Package} ${db:Status-Status} ${Version}\\n pcscd pcsc-lite pcsclite'] = ok(
    `pcscd installed ${opts.pkgVersion ?? `${version}-1`}\n`,
  );
  s.tree.file('/etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\n');
  return s;
}

/** systemd as PID 1 with pcsc-lite 2.4's units (User=pcscd) and the pcscd user and group. */
export function withSystemdPcscdUser(
  s: Scenario,
  opts: { user?: boolean; gid?: number; systemd?: number } = {},
): Scenario {
  s.tree.dir('/run/systemd/system');
  s.tree.file(`/usr/lib/systemd/libsystemd-shared-${opts.systemd ?? 257}.so`, '');
  s.tree.file(
    '/usr/lib/systemd/system/pcscd.service',
    '[Unit]\nRequires=pcscd.socket\n[Service]\nExecStart=/usr/sbin/pcscd --foreground --auto-exit $PCSCD_ARGS\nEnvironmentFile=-/etc/default/pcscd\nUser=pcscd\n',
  );
  const gid = opts.gid ?? 990;
  s.tree.file(
    '/etc/passwd',
    `root:x:0:0:root:/root:/bin/bash\n${opts.user === false ? '' : `pcscd:x:990:${gid}:PC/SC Smart Card Daemon:/:/usr/sbin/nologin\n`}alice:x:1000:1000::/home/alice:/bin/bash\n`,
  );
  s.tree.file('/etc/group', `root:x:0:\nplugdev:x:46:alice\npcscd:x:${gid}:\nalice:x:1000:\n`);
  return s;
}

/** Debian's SysV init script for pcscd and the `service` wrapper (a machine or container without systemd). */
export function withInitScript(s: Scenario): Scenario {
  s.tree.file('/etc/init.d/pcscd', '#!/bin/sh\n').file('/usr/sbin/service', '#!/bin/sh\n');
  return s;
}

/** A root-run pcscd without systemd (Debian 12 in a container). */
export function withRootAccounts(s: Scenario): Scenario {
  s.tree.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  s.tree.file('/etc/group', 'root:x:0:\nalice:x:1000:\n');
  return s;
}

export interface FakeUsb {
  name: string;
  vid: string;
  pid: string;
  busnum?: number;
  devnum?: number;
  product?: string;
  manufacturer?: string;
  interfaces: { cls: number; sub?: number; proto?: number; driver?: string }[];
  /** The host controller under /sys/devices (default a PCI xHCI; "platform/vhci_hcd.0" for usbip). */
  controller?: string;
}

/** A USB device in a fixture sysfs, the way Linux lays it out (devices under /sys/devices, links in /sys/bus). */
export function withUsbDevice(s: Scenario, d: FakeUsb, node?: Partial<ProbeStat> | null): string {
  const hcd = d.controller ?? 'pci0000:00/0000:00:14.0';
  const hub = `/sys/devices/${hcd}/usb1`;
  const dir = `${hub}/${d.name}`;
  const busnum = d.busnum ?? 1;
  const devnum = d.devnum ?? 4;
  const t = s.tree;
  t.file(`${hub}/idVendor`, '1d6b\n').file(`${hub}/idProduct`, '0002\n');
  t.file(`${dir}/idVendor`, `${d.vid}\n`).file(`${dir}/idProduct`, `${d.pid}\n`);
  t.file(`${dir}/busnum`, `${busnum}\n`)
    .file(`${dir}/devnum`, `${devnum}\n`)
    .file(`${dir}/dev`, `189:${(busnum - 1) * 128 + devnum - 1}\n`);
  if (d.product) t.file(`${dir}/product`, `${d.product}\n`);
  if (d.manufacturer) t.file(`${dir}/manufacturer`, `${d.manufacturer}\n`);
  t.file(`${dir}/power/control`, 'on\n');
  t.link(`${dir}/subsystem`, '../../../../../bus/usb');
  d.interfaces.forEach((i, n) => {
    const idir = `${dir}/${d.name}:1.${n}`;
    t.file(`${idir}/bInterfaceNumber`, `${n.toString(16).padStart(2, '0')}\n`);
    t.file(`${idir}/bInterfaceClass`, `${i.cls.toString(16).padStart(2, '0')}\n`);
    t.file(`${idir}/bInterfaceSubClass`, `${(i.sub ?? 0).toString(16).padStart(2, '0')}\n`);
    t.file(`${idir}/bInterfaceProtocol`, `${(i.proto ?? 0).toString(16).padStart(2, '0')}\n`);
    if (i.driver) t.link(`${idir}/driver`, `../../../../../../bus/usb/drivers/${i.driver}`);
  });
  t.link(`/sys/bus/usb/devices/${d.name}`, `../../..${dir.slice('/sys'.length)}`);
  const path = `/dev/bus/usb/${String(busnum).padStart(3, '0')}/${String(devnum).padStart(3, '0')}`;
  if (node !== undefined)
    s.stats[path] = node === null ? null : { isCharDevice: true, mode: 0o664, uid: 0, gid: 0, ...node };
  return path;
}

/** libccid's bundle with a few readers (our own minimal Info.plist). */
export function withLibccid(
  s: Scenario,
  version: string,
  readers: [string, string, string][] = [['0x08E6', '0x3437', 'Gemalto PC Twin Reader']],
): Scenario {
  const arr = (i: number): string => readers.map((r) => `\t\t<string>${r[i]}</string>`).join('\n');
  s.tree.file(
    '/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist',
    `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n\t<key>CFBundleExecutable</key>\n\t<string>libccid.so</string>\n\t<key>CFBundleIdentifier</key>\n\t<string>fr.apdu.ccid.smartcardccid</string>\n\t<key>CFBundleShortVersionString</key>\n\t<string>${version}</string>\n\t<key>ifdVendorID</key>\n\t<array>\n${arr(0)}\n\t</array>\n\t<key>ifdProductID</key>\n\t<array>\n${arr(1)}\n\t</array>\n\t<key>ifdFriendlyName</key>\n\t<array>\n${arr(2)}\n\t</array>\n</dict>\n</plist>\n`,
  );
  return s;
}

/** Reader rules in the shape libccid ≥ 1.8.0 ships ("new") or 1.7.x ("old" header). */
export function readerRulesText(header: 'new' | 'old', extra = ''): string {
  return [
    '# CCID readers',
    header === 'new' ? 'ACTION=="remove", GOTO="ccid_end"' : 'ACTION!="add", GOTO="ccid_end"',
    'SUBSYSTEM!="usb", GOTO="ccid_end"',
    'ENV{DEVTYPE}!="usb_device", GOTO="ccid_end"',
    'ENV{ID_USB_INTERFACES}=="*:0b0000:*", GROUP="pcscd"',
    extra,
    'LABEL="ccid_end"',
    '',
  ].join('\n');
}
