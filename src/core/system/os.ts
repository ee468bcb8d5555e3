// The distribution (os-release(5)), so fixes name the right package manager and package names
// (the init system and root commands are service.ts's).

import type { SystemProbe } from './types.js';
import { memo } from './memo.js';
import { asRoot, type Machine } from './service.js';

export type Family = 'debian' | 'fedora' | 'suse' | 'arch' | 'alpine' | 'unknown';

export interface OsInfo {
  id: string;
  prettyName: string;
  family: Family;
}

export function osInfo(probe: SystemProbe): Promise<OsInfo> {
  return memo(probe, 'os', async () => {
    const text = (await probe.readFile('/etc/os-release')) ?? (await probe.readFile('/usr/lib/os-release')) ?? '';
    const get = (k: string): string => new RegExp(`^${k}=("?)(.*)\\1$`, 'm').exec(text)?.[2] ?? '';
    const id = get('ID');
    const like = `${id} ${get('ID_LIKE')}`;
    const family: Family = /debian|ubuntu/.test(like)
      ? 'debian'
      : /fedora|rhel|centos/.test(like)
        ? 'fedora'
        : /suse/.test(like)
          ? 'suse'
          : /arch/.test(like)
            ? 'arch'
            : /alpine/.test(like)
              ? 'alpine'
              : 'unknown';
    return { id, prettyName: get('PRETTY_NAME') || id || 'unknown', family };
  });
}

/** Package names per family for the parts doctor may ask to install. */
const PACKAGES: Record<string, Partial<Record<Family, string>>> = {
  pcscd: { debian: 'pcscd', fedora: 'pcsc-lite', suse: 'pcsc-lite', arch: 'pcsclite', alpine: 'pcsc-lite' },
  ccid: { debian: 'libccid', fedora: 'pcsc-lite-ccid', suse: 'pcsc-ccid', arch: 'ccid', alpine: 'ccid' },
  libpcsclite: {
    debian: 'libpcsclite1',
    fedora: 'pcsc-lite-libs',
    suse: 'libpcsclite1',
    arch: 'pcsclite',
    alpine: 'pcsc-lite-libs',
  },
  polkit: { debian: 'polkitd', fedora: 'polkit', suse: 'polkit', arch: 'polkit', alpine: 'polkit' },
};

export function packageName(what: keyof typeof PACKAGES, family: Family): string {
  return PACKAGES[what]?.[family] ?? PACKAGES[what]?.debian ?? what;
}

const INSTALL: Record<Family, string[]> = {
  fedora: ['dnf', 'install'],
  suse: ['zypper', 'install'],
  arch: ['pacman', '-S'],
  alpine: ['apk', 'add'],
  debian: ['apt-get', 'install'],
  unknown: ['apt-get', 'install'],
};

/** The command that installs (or upgrades) packages on this family, run as root here. */
export function installCommand(family: Family, pkgs: string[], m: Pick<Machine, 'elevate'>): string {
  return asRoot([...INSTALL[family], ...pkgs], m);
}

/** The package version of the first installed package among `names` (dpkg, rpm or pacman). */
export async function packageVersion(
  probe: SystemProbe,
  names: string[],
): Promise<{ name: string; version: string } | undefined> {
  const dpkg = await probe.run('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status} ${Version}\\n', ...names], {
    timeoutMs: 5000,
  });
  if (dpkg) {
    for (const line of dpkg.stdout.split('\n')) {
      const [name, status, version] = line.split(' ');
      if (name && status === 'installed' && version) return { name: name.replace(/:.*$/, ''), version };
    }
    if (dpkg.code === 0 || dpkg.stdout) return undefined;
  }
  for (const name of names) {
    const rpm = await probe.run('rpm', ['-q', '--qf', '%{VERSION}-%{RELEASE}', name], { timeoutMs: 5000 });
    if (rpm?.code === 0 && rpm.stdout.trim()) return { name, version: rpm.stdout.trim() };
    const pac = await probe.run('pacman', ['-Q', name], { timeoutMs: 5000 });
    if (pac?.code === 0) return { name, version: pac.stdout.trim().split(' ')[1] ?? '' };
  }
  return undefined;
}

/** "1:2.4.1-3+deb13u1" → "2.4.1": the upstream part of a package version. */
export function upstreamVersion(v: string): string {
  return v.replace(/^\d+:/, '').replace(/[-~+].*$/, '');
}
