// The client side: the system's libpcsclite against the daemon (the cause of "Service was
// stopped" in other applications), and sandboxes (Flatpak, Snap, AppImage, containers).

import { hex32 } from '../../errors.js';
import { compareVersions } from '../../drivers/bundles.js';
import { clientLine, predict } from '../protocol-model.js';
import { installCommand, osInfo, packageName, packageVersion, upstreamVersion } from '../../system/os.js';
import { pcscdBinary } from '../../system/pcscd-info.js';
import type { DoctorCheck } from '../types.js';
import type { SystemProbe } from '../../system/types.js';
import { asRoot, detectMachine, mustElevate, shq } from '../../system/service.js';
import type { Fix } from '../../engine/types.js';
import { fix, result, SCAN_TIMEOUT_MS } from './util.js';

const LIB_DIRS = ['/usr/lib', '/usr/lib64', '/lib', '/lib64', '/usr/local/lib', '/usr/local/lib64'];

/** Every distinct libpcsclite.so.1 (by realpath), with the multiarch directories looked into. */
async function libraries(probe: SystemProbe): Promise<string[]> {
  const found = new Set<string>();
  const dirs = [...LIB_DIRS];
  for (const d of ['/usr/lib', '/lib'])
    for (const e of (await probe.readDir(d)) ?? []) if (/-linux-gnu|-linux-musl/.test(e)) dirs.push(`${d}/${e}`);
  for (const d of dirs) {
    const real = await probe.realPath(`${d}/libpcsclite.so.1`);
    if (real) found.add(real);
  }
  return [...found];
}

/** The version from a libpcsclite.pc next to a library (installed with the -dev package or make install). */
async function pcVersion(probe: SystemProbe, lib: string): Promise<string | undefined> {
  const dir = lib.slice(0, lib.lastIndexOf('/'));
  const pc = await probe.readFile(`${dir}/pkgconfig/libpcsclite.pc`);
  return pc ? /^Version:\s*(\S+)/m.exec(pc)?.[1] : undefined;
}

export const libpcscliteVersion: DoctorCheck = {
  id: 'libpcsclite.version',
  title: "The system's libpcsclite can talk to this pcscd",
  description:
    'Applications (pcsc_scan, OpenSC, browsers, GnuPG) use libpcsclite, which must speak a protocol version the daemon accepts; otherwise they fail with "Service was stopped" while pcsc itself works.',
  category: 'client',
  platforms: ['linux', 'freebsd', 'openbsd'],
  dependsOn: ['pcscd.protocol'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run({ probe, facts }) {
    const libs = await libraries(probe);
    if (libs.length === 0)
      return result('pass', 'No system libpcsclite (applications that need one bring their own)', {
        data: { libraries: [] },
      });
    const pkg = await packageVersion(probe, ['libpcsclite1', 'pcsc-lite-libs', 'pcsclite']);
    const versions = await Promise.all(
      libs.map(async (l) => ({
        path: l,
        version:
          (await pcVersion(probe, l)) ??
          (l.startsWith('/usr/local/') ? undefined : pkg ? upstreamVersion(pkg.version) : undefined),
      })),
    );
    const answers = facts.get('pcscd.answers');
    const daemon = answers?.[0] ? `${answers[0].major}:${answers[0].minor}` : '?';
    const [os, m] = await Promise.all([osInfo(probe), detectMachine(probe)]);
    const pcscd = await pcscdBinary(probe);
    const rows = versions.map((v) => {
      const line = v.version ? clientLine(v.version) : undefined;
      return { ...v, line, prediction: line && answers ? predict(line, answers) : undefined };
    });
    const data = {
      daemon,
      libraries: rows.map((r) => ({
        path: r.path,
        version: r.version ?? null,
        protocol: r.line ? `4:${r.line.minor}` : null,
        outcome: r.prediction?.outcome ?? 'unknown',
        ...(r.prediction?.rv !== undefined ? { rv: hex32(r.prediction.rv) } : {}),
      })),
    };
    const details = rows.map(
      (r) =>
        `${r.path}: ${r.version ? `pcsc-lite ${r.version}` : 'version unknown'}${r.line ? ` (protocol 4:${r.line.minor})` : ''}${r.prediction ? ` — ${r.prediction.why}` : ''}`,
    );
    const upgrade = fix(
      `Use a libpcsclite that matches pcscd ${pcscd.version ?? ''}; any libpcsclite from 2.4.1 on also reaches older daemons by retrying with their version.`,
      [
        pcscd.pkg && pkg && pkg.name !== pcscd.pkg.name
          ? installCommand(os.family, [`${pkg.name}=${pcscd.pkg.version}`], m)
          : installCommand(os.family, [packageName('libpcsclite', os.family)], m),
      ],
      mustElevate(m),
    );
    const broken = rows.find(
      (r) => r.prediction && (r.prediction.outcome === 'stopped' || r.prediction.outcome === 'no-service'),
    );
    if (broken?.prediction) {
      const what =
        broken.prediction.outcome === 'stopped'
          ? '"Service was stopped" (SCARD_E_SERVICE_STOPPED, 0x8010001E)'
          : '"Service not available" (SCARD_E_NO_SERVICE, 0x8010001D)';
      return result(
        'fail',
        `libpcsclite ${broken.version} (4:${broken.line?.minor}) and pcscd (${daemon}) do not agree: applications get ${what}`,
        { details, fix: upgrade, data },
      );
    }
    const degraded = rows.find((r) => r.prediction?.outcome === 'degraded');
    if (degraded)
      return result(
        'warn',
        `libpcsclite ${degraded.version} falls back to an older protocol with pcscd (${daemon}) and then lists no readers in some programs`,
        { details, fix: upgrade, data },
      );
    if (rows.length > 1) {
      return result('warn', `${rows.length} copies of libpcsclite: ${rows.map((r) => r.path).join(', ')}`, {
        details: [
          ...details,
          'Which one an application loads depends on its library path; a stale copy under /usr/local is the classic cause of "Service was stopped" in only some programs.',
        ],
        fix: fix('Remove the copy you did not mean to install (usually the /usr/local one from `make install`).'),
        data,
      });
    }
    const only = rows[0];
    if (only && !only.version)
      return result('pass', `libpcsclite at ${only.path} (version unknown)`, { details, data });
    const mismatch = only?.version && pcscd.version && compareVersions(only.version, pcscd.version) !== 0;
    return result(
      'pass',
      `libpcsclite ${only?.version} works with pcscd (${daemon})${mismatch ? ` although pcscd is ${pcscd.version}` : ''}`,
      { details, data },
    );
  },
};

function iniValue(text: string, section: string, key: string): string | undefined {
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) cur = line.slice(1, -1);
    else if (cur === section && line.startsWith(`${key}=`)) return line.slice(key.length + 1);
  }
  return undefined;
}

export const sandbox: DoctorCheck = {
  id: 'sandbox',
  title: 'Sandboxes and containers',
  description:
    'Inside Flatpak, Snap, AppImage or a container, applications reach the host pcscd through a shared socket and use their own libpcsclite, whose version must suit the host daemon.',
  category: 'client',
  platforms: ['linux'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run({ probe, facts }) {
    const daemon = facts.get('pcscd.protocol') ?? "the host daemon's";
    const flatpak = await probe.readFile('/.flatpak-info');
    if (flatpak !== null) {
      const app = iniValue(flatpak, 'Application', 'name') ?? 'this application';
      const runtime = iniValue(flatpak, 'Application', 'runtime') ?? 'its runtime';
      const sockets = (iniValue(flatpak, 'Context', 'sockets') ?? '').split(';');
      const data = { kind: 'flatpak', app, runtime, sockets };
      const versionNote = `Programs in ${app} use the libpcsclite of ${runtime}; if it is older or newer than the host's pcscd accepts (see pcscd.protocol), they get "Service was stopped".`;
      if (!sockets.includes('pcsc')) {
        return result('fail', `Flatpak ${app} has no access to pcscd (no --socket=pcsc)`, {
          details: [
            "Without the pcsc socket permission the host's /run/pcscd/pcscd.comm is not visible inside the sandbox.",
            versionNote,
          ],
          fix: fix('Grant the permission (run this on the host), then restart the application.', [
            `flatpak override --user --socket=pcsc ${shq(app)}`,
          ]),
          data,
        });
      }
      return result('pass', `Flatpak ${app} (${runtime}) with the pcsc socket`, {
        details: [
          'Flatpak mounts the host socket only if it exists when the application starts: start pcscd first.',
          versionNote,
          `This tool speaks ${daemon} protocol itself, so it works whatever the runtime's library is.`,
        ],
        data,
      });
    }
    const snap = probe.env.SNAP_NAME ?? (probe.env.SNAP ? probe.env.SNAP.split('/')[2] : undefined);
    if (probe.env.SNAP && snap) {
      return result('warn', `Running inside the snap "${snap}"`, {
        details: [
          'Strict confinement lets a snap reach pcscd only through the pcscd interface; without it the socket I/O is refused ("RPC transport error", SCARD_F_COMM_ERROR, 0x80100013).',
        ],
        fix: await snapFix(probe, snap),
        data: { kind: 'snap', snap },
      });
    }
    if (probe.env.APPIMAGE) {
      return result('pass', `Running from the AppImage ${probe.env.APPIMAGE}`, {
        details: [
          'An AppImage may bundle its own libpcsclite; it then has to speak a protocol the host pcscd accepts (see pcscd.protocol for the table).',
        ],
        data: { kind: 'appimage', appimage: probe.env.APPIMAGE },
      });
    }
    const container = (await probe.stat('/.dockerenv'))
      ? 'docker'
      : (await probe.stat('/run/.containerenv'))
        ? 'podman'
        : undefined;
    if (container) {
      return result('pass', `Running in a ${container} container`, {
        details: [
          "Either bind-mount the host's /run/pcscd into the container (and keep both libpcsclite versions compatible), or pass the USB device through and run pcscd inside (with polkit, or --disable-polkit).",
        ],
        data: { kind: container },
      });
    }
    return result('pass', 'Not in a sandbox or container', { data: { kind: null } });
  },
};

async function snapFix(probe: SystemProbe, snap: string): Promise<Fix> {
  const m = await detectMachine(probe);
  return fix(
    'Connect the interface (on the host).',
    [asRoot(['snap', 'connect', `${snap}:pcscd`], m), `snap connections ${shq(snap)}`],
    mustElevate(m),
  );
}
