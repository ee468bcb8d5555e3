// Checks of the pcscd installation: the binary and its version, the user it runs as (pcsc-lite
// 2.4.0+ runs as `pcscd` under systemd), and the state of pcscd.socket / pcscd.service.

import { compareVersions } from '../../drivers/bundles.js';
import type { DoctorCheck } from '../types.js';
import { findGroup } from '../../system/accounts.js';
import { installCommand, osInfo, packageName, upstreamVersion } from '../../system/os.js';
import { asRoot, detectMachine, mustElevate, restartPcscd, systemdRunning } from '../../system/service.js';
import { pcscdBinary, pcscdProcess, pcscdUnit, pcscdUser } from '../../system/pcscd-info.js';
import { daemonSocket, fix, result, SCAN_TIMEOUT_MS } from './util.js';

const UNIX = ['linux', 'freebsd', 'openbsd'] as const;

export const pcscdInstalled: DoctorCheck = {
  id: 'pcscd.installed',
  title: 'pcscd is installed',
  description: 'Finds the pcscd binary, runs `pcscd --version` and asks the package manager for its version.',
  category: 'pcscd',
  platforms: UNIX,
  timeoutMs: SCAN_TIMEOUT_MS,
  async run({ probe, facts }) {
    const [bin, os, m] = await Promise.all([pcscdBinary(probe), osInfo(probe), detectMachine(probe)]);
    if (bin.paths.length === 0) {
      return result('fail', 'pcscd is not installed', {
        details: [
          'Without pcscd no PC/SC application can see a reader: they fail with "Service not available" (SCARD_E_NO_SERVICE, 0x8010001D).',
        ],
        fix: fix(
          'Install pcscd and the CCID driver.',
          [installCommand(os.family, [packageName('pcscd', os.family), packageName('ccid', os.family)], m)],
          mustElevate(m),
        ),
      });
    }
    facts.set('pcscd.version', bin.version);
    facts.set('pcscd.features', bin.features);
    const details = [`binary: ${bin.path}`];
    if (bin.features.length) details.push(`enabled features: ${bin.features.join(' ')}`);
    if (bin.pkg) details.push(`package: ${bin.pkg.name} ${bin.pkg.version}`);
    const data = {
      path: bin.path,
      paths: bin.paths,
      version: bin.version ?? null,
      features: bin.features,
      package: bin.pkg ?? null,
    };
    if (bin.paths.length > 1) {
      return result('warn', `Several pcscd binaries: ${bin.paths.join(', ')}`, {
        details: [
          ...details,
          'A self-built pcscd next to the packaged one usually means two libpcsclite versions as well; the one that runs is not always the one you expect.',
        ],
        fix: fix('Remove the copy you do not use (often the one under /usr/local, installed by `make install`).'),
        data,
      });
    }
    const pkgUp = bin.pkg ? upstreamVersion(bin.pkg.version) : undefined;
    if (bin.version && pkgUp && compareVersions(bin.version, pkgUp) !== 0) {
      return result('warn', `pcscd ${bin.version} runs, but the package is ${bin.pkg?.version}`, {
        details: [...details, 'The binary does not come from the package: a local build or an unfinished upgrade.'],
        fix: fix(
          'Reinstall the package so the binary and the package agree.',
          [installCommand(os.family, ['--reinstall', bin.pkg?.name ?? 'pcscd'], m)],
          mustElevate(m),
        ),
        data,
      });
    }
    return result('pass', `pcscd ${bin.version ?? '(version unknown)'} at ${bin.path}`, { details, data });
  },
};

export const pcscdUserCheck: DoctorCheck = {
  id: 'pcscd.user',
  title: 'pcscd runs as the user its setup expects',
  description:
    'pcsc-lite 2.4.0+ runs as the unprivileged user `pcscd` under systemd: that user must exist, and reader device nodes must then be writable by group `pcscd`.',
  category: 'pcscd',
  platforms: ['linux'],
  dependsOn: ['pcscd.installed'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const { probe, facts } = ctx;
    const user = await pcscdUser(probe, await daemonSocket(ctx));
    const bin = await pcscdBinary(probe);
    const unit = await pcscdUnit(probe);
    facts.set('pcscd.user', user.name);
    const data = { user: user.name, uid: user.uid ?? null, source: user.source, unitUser: unit?.user ?? null };
    const how =
      user.source === 'process'
        ? 'the running pcscd'
        : user.source === 'unit'
          ? `User= in ${unit?.files[0]}`
          : 'no User= in the unit, or not started by systemd';
    if (user.uid === undefined) {
      const hasGroup = Boolean(await findGroup(probe, user.name));
      const m = await detectMachine(probe);
      return result('fail', `pcscd.service runs as user "${user.name}", which does not exist`, {
        details: [
          `From ${how}.`,
          'systemd cannot start pcscd ("Failed to determine user credentials"), so every PC/SC application sees "Service not available".',
        ],
        fix: fix(
          'Create the system user (pcsc-lite ships a sysusers.d entry for it), then restart pcscd.',
          [
            asRoot(
              [
                'useradd',
                '--system',
                ...(hasGroup ? ['--gid', user.name] : ['--user-group']),
                '--no-create-home',
                '--shell',
                '/usr/sbin/nologin',
                user.name,
              ],
              m,
            ),
            ...restartPcscd(m).commands,
          ],
          mustElevate(m),
        ),
        data,
      });
    }
    const v = bin.version;
    const details = [`Known from ${how}.`];
    if (user.name !== 'root' && v && compareVersions(v, '2.4.0') < 0) {
      details.push(
        `pcsc-lite ${v} was written to run as root; under another user it needs the same group rules as 2.4.0+.`,
      );
    }
    if (user.name === 'root' && v && compareVersions(v, '2.4.0') >= 0 && (await systemdRunning(probe))) {
      details.push(`pcsc-lite ${v} normally runs as "pcscd" under systemd; a local override runs it as root.`);
    }
    const uid = user.uid !== undefined && user.name !== String(user.uid) ? ` (uid ${user.uid})` : '';
    // No daemon and no User=: nothing to judge (a stopped pcscd "runs as" no one).
    if (user.source === 'default')
      return result('skip', `pcscd is not running (started, it would run as ${user.name})`, { details, data });
    return result(
      'pass',
      user.source === 'unit' ? `pcscd.service runs pcscd as ${user.name}${uid}` : `pcscd runs as ${user.name}${uid}`,
      { details, data },
    );
  },
};

function showProps(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

export const pcscdService: DoctorCheck = {
  id: 'pcscd.service',
  title: 'pcscd.socket and pcscd.service are enabled and healthy',
  description:
    'Where systemd runs, pcscd is started on demand by pcscd.socket: the socket unit must be enabled and listening, and the service must not be failed or masked.',
  category: 'pcscd',
  platforms: ['linux'],
  dependsOn: ['pcscd.installed'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const { probe } = ctx;
    if (!(await systemdRunning(probe))) {
      const proc = await pcscdProcess(probe, await daemonSocket(ctx));
      return result('skip', `systemd is not running here${proc ? `; pcscd runs as pid ${proc.pid}` : ''}`);
    }
    const show = async (unit: string): Promise<Record<string, string>> => {
      const r = await probe.run(
        'systemctl',
        ['show', unit, '--property=LoadState,ActiveState,SubState,UnitFileState,Result,Listen'],
        { timeoutMs: 5000 },
      );
      return r ? showProps(r.stdout) : {};
    };
    const [sock, svc] = await Promise.all([show('pcscd.socket'), show('pcscd.service')]);
    const m = await detectMachine(probe);
    const systemctl = (...args: string[]): string => asRoot(['systemctl', ...args], m);
    const root = mustElevate(m);
    const data = { socket: sock, service: svc };
    const state = `pcscd.socket ${sock.ActiveState ?? '?'} (${sock.UnitFileState ?? '?'}), pcscd.service ${svc.ActiveState ?? '?'}/${svc.SubState ?? '?'}`;
    if (sock.LoadState === 'masked' || svc.LoadState === 'masked') {
      return result('fail', `pcscd is masked: ${state}`, {
        details: [
          'A masked unit can never start, so nothing listens on pcscd\'s socket and applications get "Service not available".',
        ],
        fix: fix(
          'Unmask and start the socket.',
          [systemctl('unmask', 'pcscd.socket', 'pcscd.service'), systemctl('enable', '--now', 'pcscd.socket')],
          root,
        ),
        data,
      });
    }
    if (svc.ActiveState === 'failed' || sock.ActiveState === 'failed') {
      return result('fail', `pcscd failed: ${state}`, {
        details: [
          'systemd gave up on pcscd; its journal says why (a driver that crashes, a missing user, an unknown option).',
        ],
        fix: fix(
          'Read the journal, fix what it names, then reset and restart.',
          [
            `${asRoot(['journalctl', '-b', '-u', 'pcscd.service', '-u', 'pcscd.socket', '--no-pager'], m)} | tail -n 30`,
            systemctl('reset-failed', 'pcscd.service', 'pcscd.socket'),
            systemctl('restart', 'pcscd.socket'),
          ],
          root,
        ),
        data,
      });
    }
    if (sock.ActiveState !== 'active' && svc.ActiveState !== 'active') {
      return result('fail', `pcscd.socket is not listening: ${state}`, {
        details: [
          'pcscd is started on demand by its socket unit; without it nothing answers on /run/pcscd/pcscd.comm.',
        ],
        fix: fix('Enable and start the socket unit.', [systemctl('enable', '--now', 'pcscd.socket')], root),
        data,
      });
    }
    if (sock.UnitFileState === 'disabled') {
      return result('warn', `pcscd.socket is active but disabled: ${state}`, {
        details: ['It will not be there after the next boot.'],
        fix: fix('Enable it.', [systemctl('enable', 'pcscd.socket')], root),
        data,
      });
    }
    return result('pass', state, { data });
  },
};
