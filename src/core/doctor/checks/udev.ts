// Reader access on Linux: the USB readers, their device nodes against pcscd's user and the udev
// rules that set them, PCSCLITE_IGNORE, kernel drivers or programs holding the interface, and the
// `pcscd` group the rules name.

import { applyRuleCommands, DEFAULT_RULE_FILE } from '../../udev/rule-writer.js';
import { compareVersions } from '../../drivers/bundles.js';
import type { CheckResult } from '../../engine/types.js';
import type { DoctorCheck } from '../types.js';
import type { SystemProbe } from '../../system/types.js';
import { findGroup, sysGidMax } from '../../system/accounts.js';
import { pcscdProgram, pcscdUser, pcscdVersion } from '../../system/pcscd-info.js';
import { readerNodes, type ReaderNode } from '../../udev/reader-access.js';
import { readerIdentity, rulesFiles, systemdVersion, udevOutcome, usbReaders } from '../../udev/readers.js';
import { allRules } from '../../udev/rules-files.js';
import { processList } from '../../system/memo.js';
import { asRoot, detectMachine, editAsRoot, mustElevate, writeAsRoot, type Machine } from '../../system/service.js';
import { daemonReaders, daemonSocket, fix, plural, result, SCAN_TIMEOUT_MS } from './util.js';

const describeNode = (n: ReaderNode): string =>
  n.owner === null ? `${n.node} does not exist` : `${n.node} is ${n.owner}:${n.group} ${n.mode}`;

const whoSets = (n: ReaderNode): string =>
  n.rules.group ? `GROUP="${n.rules.group.value}" comes from ${n.rules.group.at}` : 'no udev rule sets its group';

export const udevReaders: DoctorCheck = {
  id: 'udev.readers',
  title: 'USB smart card readers',
  description: 'Lists USB devices with a CCID (class 0x0B) interface or a VID:PID an installed driver bundle declares.',
  category: 'udev',
  platforms: ['linux'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const { probe } = ctx;
    const readers = await usbReaders(probe);
    const data = {
      readers: readers.map(readerIdentity),
    };
    if (readers.length === 0) {
      // pcscd has usable readers that are not on this machine's USB (virtual, serial, a host's):
      // nothing to plug in, and nothing here for the udev checks to judge.
      const served = await daemonReaders(ctx);
      if (served && served.length > 0)
        return result('skip', `No USB reader here; pcscd's ${plural(served.length, 'reader')} are not on this USB`, {
          details: served.map((r) => `pcscd lists: ${r}`),
          data,
        });
      const sysfs = await probe.readDir('/sys/bus/usb/devices');
      return result(
        'warn',
        sysfs ? 'No USB smart card reader is plugged in' : 'No USB bus visible (/sys/bus/usb/devices is missing)',
        {
          details: sysfs
            ? ['No device has a CCID interface or a VID:PID that an installed driver declares.']
            : ['In a container, pass the USB device through; otherwise the kernel has no USB support loaded.'],
          fix: fix('Plug the reader in; if it is plugged in, check that the kernel sees it.', ['lsusb']),
          data,
        },
      );
    }
    const lines = readers.map(
      (r) =>
        `${r.dev.vid}:${r.dev.pid} ${r.label} at ${r.dev.name} (${r.ccid ? 'CCID class' : 'vendor class'}${r.bundles.length ? `, driver ${r.bundles.join(', ')}` : ', no driver bundle declares it'})`,
    );
    const undriven = readers.filter((r) => !r.ccid && r.bundles.length === 0);
    if (undriven.length > 0)
      return result(
        'warn',
        `${plural(readers.length, 'reader')}; no driver for ${undriven.map((r) => r.label).join(', ')}`,
        { details: lines, data },
      );
    return result('pass', plural(readers.length, 'reader'), { details: lines, data });
  },
};

export const udevNodeAccess: DoctorCheck = {
  id: 'udev.node-access',
  title: "pcscd can open each reader's device node",
  description:
    'pcscd opens readers through libusb, which needs read-write access to /dev/bus/usb/BBB/DDD. Under pcsc-lite 2.4.0+ pcscd is not root, so a udev rule must give the node to group pcscd; otherwise pcscd logs LIBUSB_ERROR_ACCESS and the reader stays invisible.',
  category: 'udev',
  platforms: ['linux'],
  dependsOn: ['udev.readers'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const nodes = await readerNodes(ctx.probe, await daemonSocket(ctx));
    if (nodes.length === 0) return result('skip', 'No USB reader to check');
    const data = { readers: nodes };
    const details = nodes.map(
      (n) =>
        `${n.name} (${n.vid}:${n.pid}): ${describeNode(n)}; ${whoSets(n)}${n.rules.mode ? `, MODE="${n.rules.mode.value}" from ${n.rules.mode.at}` : ''}`,
    );
    const missing = nodes.filter((n) => n.owner === null);
    if (missing.length > 0) {
      return result('fail', `No device node for ${missing.map((n) => n.name).join(', ')}`, {
        details: [
          ...details,
          '/dev/bus/usb is not populated (a container without the device, or devtmpfs not mounted).',
        ],
        fix: fix(
          'Pass the device into the container (for example `--device /dev/bus/usb/BBB/DDD`), or mount devtmpfs.',
        ),
        data,
      });
    }
    if ((await pcscdProgram(ctx.probe)).paths.length === 0) {
      // No pcscd: what matters is whether pcsc's own USB backend (run as you) can open the readers.
      const closed = nodes.filter((n) => n.youCanOpen === false);
      if (closed.length === 0) {
        const known = nodes.every((n) => n.youCanOpen === true);
        return result(
          'pass',
          known
            ? `pcscd is not installed; you can open ${plural(nodes.length, 'reader')} directly`
            : 'pcscd is not installed, so no daemon needs the readers',
          { details, data },
        );
      }
      return result(
        'warn',
        `pcscd is not installed, and you cannot open ${closed.map((n) => `${n.name} (${describeNode(n)})`).join(', ')}`,
        {
          details: [
            ...details,
            "Without pcscd, only pcsc's USB backend (--backend usb) can reach the reader, and it needs read-write access to the node.",
          ],
          fix: fix(
            'Install pcscd (it opens readers as a service), or give your user access to the node with a udev rule (TAG+="uaccess" for the seat user).',
          ),
          data,
        },
      );
    }
    const denied = nodes.filter((n) => n.pcscdCanOpen === false);
    if (denied.length > 0) {
      const m = await detectMachine(ctx.probe);
      const user = denied[0]?.pcscdUser ?? 'pcscd';
      const lost = denied.filter((n) => n.rules.group && n.group !== n.rules.group.value);
      return result(
        'fail',
        `pcscd (user ${user}) cannot open ${denied.map((n) => `${n.name} (${describeNode(n)})`).join(', ')}`,
        {
          details: [
            ...details,
            `pcscd runs as ${user}: libusb_open() fails with LIBUSB_ERROR_ACCESS and pcscd never lists the reader.`,
            ...lost.map(
              (n) =>
                `${n.name}: the rules give group ${n.rules.group?.value} on "add", but the node is ${n.group} now: a "change" or "bind" event reset it (libccid before 1.8.0), or the reader was plugged in before the rule existed.`,
            ),
            ...denied.flatMap((n) => n.notes),
          ],
          fix: fix(
            `Add a udev rule that gives the readers to group ${user === 'root' ? 'pcscd' : user}, then re-apply the rules.`,
            [
              asRoot(['pcsc', 'udev-check', '--write', DEFAULT_RULE_FILE], m),
              ...applyRuleCommands(
                denied.map((n) => ({ vid: n.vid, pid: n.pid, name: n.name })),
                m,
              ),
            ],
            mustElevate(m),
          ),
          data,
        },
      );
    }
    const user = nodes[0]?.pcscdUser ?? 'root';
    const running = (await pcscdUser(ctx.probe, await daemonSocket(ctx))).source === 'process';
    return result(
      'pass',
      user === 'root'
        ? `pcscd ${running ? 'runs' : 'would run'} as root and can open ${plural(nodes.length, 'reader')}`
        : `pcscd (user ${user}) can open ${plural(nodes.length, 'reader')}`,
      { details, data },
    );
  },
};

export const udevIgnore: DoctorCheck = {
  id: 'udev.ignore',
  title: 'No reader is hidden from pcscd by PCSCLITE_IGNORE',
  description:
    'pcsc-lite 2.3.2+ skips USB devices whose udev property PCSCLITE_IGNORE is "1"; a rule setting it by bus port can hide a reader by accident.',
  category: 'udev',
  platforms: ['linux'],
  dependsOn: ['udev.readers'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run({ probe }) {
    const readers = await usbReaders(probe);
    if (readers.length === 0) return result('skip', 'No USB reader to check');
    const version = await pcscdVersion(probe);
    const honoured = !version || compareVersions(version, '2.3.2') >= 0;
    const hits: { name: string; where: string }[] = [];
    for (const r of readers) {
      const o = await udevOutcome(probe, r, 'add');
      const fromRules = o.env.PCSCLITE_IGNORE === '1' ? o.envSetBy.PCSCLITE_IGNORE : undefined;
      const fromDb = r.dev.udevDb?.env.PCSCLITE_IGNORE === '1';
      if (fromRules || fromDb)
        hits.push({ name: r.label, where: fromRules ? `${fromRules.file}:${fromRules.line}` : "udev's database" });
    }
    const data = { ignored: hits, honoured };
    if (hits.length === 0) return result('pass', 'No reader has PCSCLITE_IGNORE set', { data });
    const details = hits.map((h) => `${h.name}: PCSCLITE_IGNORE=1 set by ${h.where}`);
    if (!honoured)
      return result('pass', `PCSCLITE_IGNORE is set, but pcscd ${version} predates it (2.3.2) and ignores it`, {
        details,
        data,
      });
    const m = await detectMachine(probe);
    return result('warn', `pcscd ignores ${hits.map((h) => h.name).join(', ')} (PCSCLITE_IGNORE=1)`, {
      details: [...details, 'pcscd logs "has PCSCLITE_IGNORE set: ignored" and never lists the reader.'],
      fix: fix(
        'If the reader should be used, delete that rule line, reload the rules and replug the reader.',
        [
          ...[...new Set(hits.map((h) => h.where.split(':')[0] as string))]
            .filter((f) => f.startsWith('/'))
            .map((f) => editAsRoot(f, m)),
          asRoot(['udevadm', 'control', '--reload-rules'], m),
        ],
        mustElevate(m),
      ),
      data,
    });
  },
};

/** Kernel drivers that take NFC/CCID readers away from libusb. */
const NFC_DRIVERS = new Set(['pn533_usb', 'pn533', 'port100', 'nfcmrvl_usb', 'pn544_usb']);

async function holders(probe: SystemProbe, node: string): Promise<{ pid: number; name: string }[]> {
  const out: { pid: number; name: string }[] = [];
  for (const p of await processList(probe)) {
    for (const fd of (await probe.readDir(`/proc/${p.pid}/fd`)) ?? []) {
      if ((await probe.readLink(`/proc/${p.pid}/fd/${fd}`)) === node) {
        out.push({ pid: p.pid, name: (p.exe ?? p.argv[0] ?? '?').split('/').pop() as string });
        break;
      }
    }
  }
  return out;
}

export const udevKernelDriver: DoctorCheck = {
  id: 'udev.kernel-driver',
  title: 'No kernel driver or other program holds a reader',
  description:
    "A kernel driver bound to the reader's interface (pn533_usb for ACR122U-class NFC readers) or another program that claimed it through libusb (GnuPG's scdaemon) keeps pcscd away: it logs LIBUSB_ERROR_BUSY.",
  category: 'udev',
  platforms: ['linux'],
  dependsOn: ['udev.readers'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run({ probe }) {
    const readers = await usbReaders(probe);
    if (readers.length === 0) return result('skip', 'No USB reader to check');
    const problems: string[] = [];
    const modules = new Set<string>();
    const claimed: string[] = [];
    const claimers = new Set<string>();
    const data: Record<string, unknown>[] = [];
    for (const r of readers) {
      const wanted = r.dev.interfaces.filter((i) => i.class === 0x0b || (!r.ccid && i.class === 0xff));
      for (const i of wanted) {
        data.push({ reader: r.label, interface: i.name, driver: i.driver ?? null });
        if (!i.driver) continue;
        if (i.driver === 'usbfs') {
          const who = await holders(probe, r.dev.node);
          const others = who.filter((h) => h.name !== 'pcscd');
          for (const h of others) claimers.add(h.name);
          if (others.length > 0)
            claimed.push(
              `${r.label}: interface ${i.name} is claimed by ${others.map((h) => `${h.name} (pid ${h.pid})`).join(', ')}`,
            );
          continue;
        }
        problems.push(`${r.label}: the kernel driver ${i.driver} is bound to interface ${i.name}`);
        modules.add(i.driver);
      }
    }
    if (problems.length > 0) {
      // The NFC stack's modules depend on each other: unload the chain; blacklisting the bound one stops autoload.
      const mods = [...modules].some((m) => NFC_DRIVERS.has(m))
        ? [...new Set([...modules, 'pn533', 'nfc'])]
        : [...modules];
      const m = await detectMachine(probe);
      return result('fail', problems.join('; '), {
        details: [
          ...problems,
          'While a kernel driver owns the interface, libusb cannot claim it: pcscd logs LIBUSB_ERROR_BUSY and shows no reader.',
        ],
        fix: fix(
          'Unload the driver now and keep it from loading again.',
          [
            asRoot(['modprobe', '-r', ...mods], m),
            writeAsRoot(
              `printf '${[...modules].map((d) => `blacklist ${d}`).join('\\n')}\\n'`,
              '/etc/modprobe.d/pcsc-blacklist.conf',
              m,
            ),
          ],
          mustElevate(m),
        ),
        data: { interfaces: data },
      });
    }
    if (claimed.length > 0) {
      return result('fail', claimed.join('; '), {
        details: [
          ...claimed,
          'The program talks to the reader directly over USB, so pcscd cannot (LIBUSB_ERROR_BUSY) and PC/SC applications see no reader.',
        ],
        fix: claimers.has('scdaemon')
          ? fix("Stop GnuPG's scdaemon, and make it use pcscd instead of its own USB driver (see gnupg.scdaemon).", [
              'gpgconf --kill scdaemon',
            ])
          : fix('Stop that program, or make it use pcscd instead of opening the reader itself.'),
        data: { interfaces: data },
      });
    }
    return result('pass', 'No kernel driver or other program holds a reader', { data: { interfaces: data } });
  },
};

/** Reloads the rules and replays "add" for USB devices, so plugged-in readers get them. */
const reapply = (m: Machine): string[] => [
  asRoot(['udevadm', 'control', '--reload-rules'], m),
  asRoot(['udevadm', 'trigger', '--action=add', '--subsystem-match=usb'], m),
];

export const pcscdGroup: DoctorCheck = {
  id: 'pcscd.group',
  title: 'The pcscd group exists and is a system group',
  description:
    'udev drops any line whose GROUP names an unknown group, and systemd 258+ also refuses groups that are not system groups, so GROUP="pcscd" rules silently stop working.',
  category: 'udev',
  platforms: ['linux'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx): Promise<CheckResult> {
    const { probe } = ctx;
    const rules = allRules(await rulesFiles(probe)).filter((r) =>
      r.tokens.some((t) => t.key === 'GROUP' && t.value === 'pcscd' && t.op !== '==' && t.op !== '!='),
    );
    const user = await pcscdUser(probe, await daemonSocket(ctx));
    const needed = rules.length > 0 || user.name === 'pcscd';
    const g = await findGroup(probe, 'pcscd');
    const max = await sysGidMax(probe);
    const sd = await systemdVersion(probe);
    const uses = rules.slice(0, 3).map((r) => `${r.file}:${r.line}`);
    const m = await detectMachine(probe);
    const data = {
      gid: g?.gid ?? null,
      sysGidMax: max,
      systemd: sd ?? null,
      rules: rules.map((r) => `${r.file}:${r.line}`),
    };
    if (!g) {
      if (!needed)
        return result('pass', 'No pcscd group, and nothing needs one (pcscd runs as root; no rule names it)', { data });
      return result('fail', 'The pcscd group does not exist', {
        details: [
          `${plural(rules.length, 'udev rule')} name GROUP="pcscd"${uses.length ? ` (${uses.join(', ')})` : ''}; udev ignores those lines ("Unknown group 'pcscd'") and reader nodes stay root-owned.`,
        ],
        fix: fix(
          'Create it as a system group, then re-apply the udev rules to plugged-in readers.',
          [asRoot(['groupadd', '--system', 'pcscd'], m), ...reapply(m)],
          mustElevate(m),
        ),
        data,
      });
    }
    if (g.gid > max) {
      const refused = sd !== undefined && sd >= 258;
      return result(
        refused ? 'fail' : 'warn',
        `The pcscd group (gid ${g.gid}) is not a system group (system gids end at ${max})`,
        {
          details: [
            refused
              ? `systemd ${sd} refuses it in udev rules ("Not a system group"): the GROUP="pcscd" lines do nothing.`
              : 'systemd 258 and later refuse non-system groups in udev rules; this breaks on upgrade.',
          ],
          fix: fix(
            'Recreate it as a system group (files owned by the old gid need a chgrp afterwards).',
            [asRoot(['groupdel', 'pcscd'], m), asRoot(['groupadd', '--system', 'pcscd'], m), ...reapply(m)],
            mustElevate(m),
          ),
          data,
        },
      );
    }
    return result('pass', `The pcscd group exists (gid ${g.gid}, a system group)`, { data });
  },
};
