// Reader drivers: the installed bundles, libccid's version against pcscd 2.4.0+, libccid's udev
// rule header (before 1.8.0 it loses the group on "change" events; 1.7.0 wrote IDs in upper
// case, which never match), and bundles whose VID:PIDs no GROUP="pcscd" rule covers.

import { compareVersions, isLibccid, type DriverBundle } from '../../drivers/bundles.js';
import { evaluateRules, type UdevDevice } from '../../udev/evaluate.js';
import { DEFAULT_RULE_FILE } from '../../udev/rule-writer.js';
import { allRules, type RulesFile } from '../../udev/rules-files.js';
import type { DoctorCheck, DoctorContext } from '../types.js';
import { installCommand, osInfo, packageName } from '../../system/os.js';
import { pcscdBinary, pcscdUser } from '../../system/pcscd-info.js';
import { driverBundles, groupPolicy, rulesFiles } from '../../udev/readers.js';
import { asRoot, detectMachine, mustElevate, shq, writeAsRoot } from '../../system/service.js';
import { daemonSocket, fix, plural, result, SCAN_TIMEOUT_MS } from './util.js';

/** A reader as the rules would see it on a hot-plug, built from a VID:PID (no sysfs needed). */
function syntheticDevice(vid: string, pid: string, interfaces: string): UdevDevice {
  return {
    kernel: '1-1',
    subsystem: 'usb',
    driver: 'usb',
    devpath: '/devices/virtual/1-1',
    attrs: { idVendor: vid, idProduct: pid },
    env: { DEVTYPE: 'usb_device', ID_USB_INTERFACES: interfaces, ID_VENDOR_ID: vid, ID_MODEL_ID: pid },
    parents: [],
  };
}

async function nonRootPcscd(ctx: DoctorContext): Promise<string | undefined> {
  const u = await pcscdUser(ctx.probe, await daemonSocket(ctx));
  return u.name === 'root' ? undefined : u.name;
}

/** "pcscd runs as root", or "would run" when no pcscd runs (a stopped daemon runs as no one). */
async function asRootWords(ctx: DoctorContext): Promise<string> {
  const u = await pcscdUser(ctx.probe, await daemonSocket(ctx));
  return u.source === 'process' ? 'pcscd runs as root' : 'pcscd would run as root';
}

export const driversBundles: DoctorCheck = {
  id: 'drivers.bundles',
  title: 'USB reader drivers are installed and readable',
  description:
    "Parses every driver bundle's Info.plist in pcscd's drop directories (libccid's ifd-ccid.bundle and any vendor driver) for the readers it declares and its version.",
  category: 'drivers',
  platforms: ['linux', 'freebsd', 'openbsd'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run({ probe, facts }) {
    const bundles = await driverBundles(probe);
    facts.set('drivers.bundles', bundles);
    const data = {
      bundles: bundles.map((b) => ({
        name: b.name,
        path: b.path,
        version: b.version ?? null,
        readers: b.readers.length,
        error: b.error ?? null,
      })),
    };
    if (bundles.length === 0) {
      const [os, m] = await Promise.all([osInfo(probe), detectMachine(probe)]);
      return result('warn', 'No USB reader driver is installed', {
        details: ['pcscd finds USB readers only through driver bundles; with none, no USB reader shows up.'],
        fix: fix(
          'Install the CCID driver.',
          [installCommand(os.family, [packageName('ccid', os.family)], m)],
          mustElevate(m),
        ),
        data,
      });
    }
    const details = bundles.map(
      (b) =>
        `${b.name} ${b.version ?? '(no version)'}: ${plural(b.readers.length, 'reader')}${b.error ? ` — ${b.error}` : ''} (${b.path})`,
    );
    const broken = bundles.filter((b) => b.error);
    if (broken.length > 0) {
      return result('warn', `Unreadable driver metadata: ${broken.map((b) => b.name).join(', ')}`, {
        details: [...details, 'pcscd skips a bundle whose Info.plist it cannot read, so its readers stay unknown.'],
        fix: fix('Reinstall the driver package that owns the bundle.'),
        data,
      });
    }
    return result('pass', bundles.map((b) => `${b.name} ${b.version ?? ''}`.trim()).join(', '), { details, data });
  },
};

export const driversLibccidVersion: DoctorCheck = {
  id: 'drivers.libccid-version',
  title: 'libccid is recent enough for pcscd',
  description:
    'pcsc-lite 2.4.0+ runs pcscd as user pcscd; libccid gives reader nodes to group pcscd only from 1.7.0 on. Older libccid with newer pcscd means LIBUSB_ERROR_ACCESS unless another rule gives the group.',
  category: 'drivers',
  platforms: ['linux'],
  dependsOn: ['drivers.bundles', 'pcscd.installed'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const { probe } = ctx;
    const ccid = (await driverBundles(probe)).find(isLibccid);
    if (!ccid) return result('skip', 'libccid is not installed');
    const pcscd = (await pcscdBinary(probe)).version;
    const v = ccid.version;
    const data = {
      libccid: v ?? null,
      pcscd: pcscd ?? null,
      pcscdUser: (await pcscdUser(probe, await daemonSocket(ctx))).name,
    };
    if (!v) return result('warn', 'libccid has no version in its Info.plist', { data });
    const user = await nonRootPcscd(ctx);
    if (compareVersions(v, '1.7.0') >= 0 || !user) {
      return result(
        'pass',
        `libccid ${v}${pcscd ? ` with pcscd ${pcscd}` : ''}${user ? '' : ` (${await asRootWords(ctx)})`}`,
        { data },
      );
    }
    const covered = evaluateRules(allRules(await rulesFiles(probe)), syntheticDevice('08e6', '3437', ':0b0000:'), {
      action: 'add',
      groupUsable: await groupPolicy(probe),
    }).group;
    if (covered?.value === user) {
      return result(
        'pass',
        `libccid ${v} is older than 1.7.0, but ${covered.file}:${covered.line} gives CCID readers to group ${user}`,
        { data },
      );
    }
    const [os, m] = await Promise.all([osInfo(probe), detectMachine(probe)]);
    return result(
      'fail',
      `libccid ${v} does not give readers to group ${user}, which pcscd${pcscd ? ` ${pcscd}` : ''} runs as`,
      {
        details: [
          `pcscd runs as ${user} (pcsc-lite 2.4.0+ under systemd); libccid writes GROUP="pcscd" into its udev rule only from 1.7.0 on.`,
          'pcscd logs "Can\'t libusb_open(…): LIBUSB_ERROR_ACCESS" and lists no USB reader.',
        ],
        fix: fix(
          'Upgrade libccid to 1.7.0 or later; until then, add a rule for your readers.',
          [
            installCommand(os.family, [packageName('ccid', os.family)], m),
            asRoot(['pcsc', 'udev-check', '--write', DEFAULT_RULE_FILE], m),
          ],
          mustElevate(m),
        ),
        data,
      },
    );
  },
};

/** Rules files that hand readers to group pcscd. */
function groupFiles(files: readonly RulesFile[]): RulesFile[] {
  return files.filter((f) =>
    f.rules.some((r) =>
      r.tokens.some((t) => t.key === 'GROUP' && t.value === 'pcscd' && t.op !== '==' && t.op !== '!='),
    ),
  );
}

export const udevRuleHeader: DoctorCheck = {
  id: 'udev.rule-header',
  title: 'Reader udev rules keep the group on every event',
  description:
    'libccid before 1.8.0 started its rules with ACTION!="add": "change" and "bind" events skip the GROUP line and the node falls back to root. libccid 1.7.0 also wrote VID:PIDs in upper case, which never match sysfs.',
  category: 'udev',
  platforms: ['linux'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const { probe } = ctx;
    const files = groupFiles(await rulesFiles(probe));
    if (files.length === 0) return result('pass', 'No udev rule gives readers to group pcscd', { data: { files: [] } });
    const rules = allRules(await rulesFiles(probe));
    const policy = await groupPolicy(probe);
    const dev = syntheticDevice('08e6', '3437', ':0b0000:');
    const onAdd = evaluateRules(rules, dev, { action: 'add', groupUsable: policy }).group;
    const lostOn = ['change', 'bind'].filter(
      (a) =>
        onAdd?.value === 'pcscd' &&
        evaluateRules(rules, dev, { action: a, groupUsable: policy }).group?.value !== 'pcscd',
    );
    const upper = files.flatMap((f) =>
      f.rules.filter((r) =>
        r.tokens.some(
          (t) =>
            (t.key === 'ATTRS' || t.key === 'ATTR') &&
            (t.attr === 'idVendor' || t.attr === 'idProduct') &&
            /[A-F]/.test(t.value) &&
            !/[a-f*?[]/.test(t.value),
        ),
      ),
    );
    const user = await nonRootPcscd(ctx);
    const data = {
      files: files.map((f) => f.path),
      groupOnAdd: onAdd ? `${onAdd.file}:${onAdd.line}` : null,
      lostOn,
      upperCaseLines: upper.map((r) => `${r.file}:${r.line}`),
    };
    const problems: string[] = [];
    if (lostOn.length > 0)
      problems.push(
        `On ${lostOn.map((a) => `"${a}"`).join(' and ')} events the rules skip GROUP="pcscd" (the header of libccid before 1.8.0), so the node goes back to root:root.`,
      );
    if (upper.length > 0)
      problems.push(
        `${plural(upper.length, 'line')} compare idVendor/idProduct in upper case (${upper
          .slice(0, 2)
          .map((r) => `${r.file}:${r.line}`)
          .join(
            ', ',
          )}${upper.length > 2 ? ', …' : ''}); sysfs writes them in lower case, so they never match (libccid 1.7.0; fixed in 1.7.1).`,
      );
    if (problems.length === 0)
      return result('pass', `${files.map((f) => f.path).join(', ')}: GROUP="pcscd" holds on add, change and bind`, {
        data,
      });
    const src = files[0]?.path ?? '/usr/lib/udev/rules.d/92-libccid.rules';
    const name = src.split('/').pop() as string;
    const m = await detectMachine(probe);
    return result(
      user ? 'warn' : 'pass',
      user
        ? 'Reader rules lose or miss the pcscd group on some events'
        : 'Reader rules have known defects, harmless while pcscd runs as root',
      {
        details: [
          ...problems,
          ...(user
            ? ['`udevadm trigger` sends "change" by default, which is enough to lock pcscd out of the reader.']
            : []),
        ],
        fix: fix(
          'Upgrade libccid to 1.8.0 or later, or override the rules file in /etc with the fixed header and lower-case IDs.',
          [
            writeAsRoot(
              `sed -e 's/^ACTION!="add"/ACTION=="remove"/' -e '/idVendor\\|idProduct/s/"\\([0-9A-F]\\{4\\}\\)"/"\\L\\1"/g' ${shq(src)}`,
              `/etc/udev/rules.d/${name}`,
              m,
            ),
            asRoot(['udevadm', 'control', '--reload-rules'], m),
          ],
          mustElevate(m),
        ),
        data,
      },
    );
  },
};

function uncovered(
  b: DriverBundle,
  rules: ReturnType<typeof allRules>,
  policy: Awaited<ReturnType<typeof groupPolicy>>,
  group: string,
): string[] {
  // libccid's readers are CCID class unless its own rule lists them; vendor drivers' usually are not.
  const itf = isLibccid(b) ? ':0b0000:' : ':ff0000:';
  return b.readers
    .filter(
      (r) =>
        evaluateRules(rules, syntheticDevice(r.vid, r.pid, itf), { action: 'add', groupUsable: policy }).group
          ?.value !== group,
    )
    .map((r) => `${r.vid}:${r.pid} ${r.name}`);
}

export const driversRuleCoverage: DoctorCheck = {
  id: 'drivers.rule-coverage',
  title: "Every driver bundle's readers get the pcscd group",
  description:
    'With pcscd running as user pcscd, every reader a bundle declares needs a udev rule giving its node to group pcscd. Vendor drivers (and serial readers) rarely ship one.',
  category: 'drivers',
  platforms: ['linux'],
  dependsOn: ['drivers.bundles'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const { probe } = ctx;
    const user = await nonRootPcscd(ctx);
    const bundles = (await driverBundles(probe)).filter((b) => b.readers.length > 0);
    if (!user)
      return result('pass', `${await asRootWords(ctx)}: readers need no group rule`, { data: { bundles: [] } });
    const rules = allRules(await rulesFiles(probe));
    const policy = await groupPolicy(probe);
    const rows = bundles.map((b) => ({
      bundle: b.name,
      readers: b.readers.length,
      uncovered: uncovered(b, rules, policy, user),
    }));
    const bad = rows.filter((r) => r.uncovered.length > 0);
    const m = await detectMachine(probe);
    const data = {
      group: user,
      bundles: rows.map((r) => ({ ...r, uncovered: r.uncovered.slice(0, 50), uncoveredCount: r.uncovered.length })),
    };
    if (bad.length === 0)
      return result(
        'pass',
        `Every declared reader gets group ${user} (${rows.map((r) => `${r.bundle}: ${r.readers}`).join(', ')})`,
        { data },
      );
    return result(
      'warn',
      bad.map((r) => `${r.bundle}: ${r.uncovered.length} of ${r.readers} readers get no group ${user}`).join('; '),
      {
        details: [
          ...bad.map((r) => `${r.bundle}: ${r.uncovered.slice(0, 5).join('; ')}${r.uncovered.length > 5 ? '; …' : ''}`),
          'When such a reader is plugged in, pcscd cannot open it (LIBUSB_ERROR_ACCESS). The udev.node-access check tests the readers actually plugged in.',
        ],
        fix: fix(
          'Plug the reader in and let udev-check write a rule for it.',
          [
            asRoot(['pcsc', 'udev-check', '--write', DEFAULT_RULE_FILE], m),
            asRoot(['udevadm', 'control', '--reload-rules'], m),
          ],
          mustElevate(m),
        ),
        data,
      },
    );
  },
};
