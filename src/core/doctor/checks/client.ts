// The client side: the system's libpcsclite against the daemon (the cause of "Service was
// stopped" in other applications). Sandboxes and containers are sandbox.ts's.

import { hex32, Scard } from '../../errors.js';
import { compareVersions } from '../../drivers/bundles.js';
import { clientLine, predict, protocolOf, type Prediction, type VersionAnswer } from '../protocol-model.js';
import { installCommand, osInfo } from '../../system/os.js';
import { pcscdBinary, pcscdVersion, type PcscdBinary } from '../../system/pcscd-info.js';
import type { DoctorCheck, DoctorContext } from '../types.js';
import { detectMachine } from '../../system/service.js';
import { bridgeFix, type BridgeInput } from '../bridge.js';
import type { SandboxKind } from '../../system/sandbox.js';
import {
  describeLibrary,
  describeRelease,
  findClientLibraries,
  releaseForLine,
  type ClientLibrary,
} from '../libpcsclite.js';
import { daemonSlots, fix, result, SCAN_TIMEOUT_MS, socketPath } from './util.js';

/** A library and what the table predicts for it against the daemon's answers. */
export interface LibraryRow extends ClientLibrary {
  prediction?: Prediction;
}

export function predictLibrary(lib: ClientLibrary, answers: readonly VersionAnswer[] | undefined): LibraryRow {
  const release = releaseForLine(lib);
  const line = release ? clientLine(release) : undefined;
  return { ...lib, ...(line && answers ? { prediction: predict(line, answers) } : {}) };
}

/** The refusal code the daemon gives a minor it does not speak (NO_SERVICE up to 1.8.25). */
export function refusalOf(answers: readonly VersionAnswer[]): number | undefined {
  return answers.find((a) => a.rv !== Scard.S_SUCCESS)?.rv;
}

/** The installed pcscd package, when the daemon on the socket is that pcscd (it speaks the same protocol). */
export function installedDaemonPkg(pcscd: PcscdBinary, daemon: string): PcscdBinary['pkg'] {
  const expected = pcscd.version ? protocolOf(pcscd.version) : undefined;
  return expected === daemon ? pcscd.pkg : undefined;
}

/** The bridge's fix for `row` against the daemon, fitted to this machine (or the sandbox it runs in). */
export async function bridgeFor(
  ctx: DoctorContext,
  row: LibraryRow,
  answers: readonly VersionAnswer[],
  sandbox: { kind: SandboxKind; app?: string | undefined } | null,
): Promise<ReturnType<typeof bridgeFix>> {
  const { probe } = ctx;
  const first = answers[0];
  const daemon = first ? `${first.major}:${first.minor}` : undefined;
  const [os, m, pcscd, s] = await Promise.all([
    osInfo(probe),
    detectMachine(probe),
    pcscdBinary(probe),
    socketPath(ctx),
  ]);
  const daemonPkg = sandbox || !daemon ? undefined : installedDaemonPkg(pcscd, daemon);
  const input: BridgeInput = {
    client: {
      release: releaseForLine(row),
      protocol: row.protocol,
      pkg: row.pkg,
      slots: sandbox ? undefined : await hostLibrarySlots(ctx, row, daemonPkg !== undefined, s.path),
    },
    daemon: {
      protocol: daemon,
      refusal: refusalOf(answers),
      pkg: daemonPkg,
      // From a sandbox, the host's daemon is at pcscd's usual path (what the sandbox binds from).
      socket: sandbox ? '/run/pcscd/pcscd.comm' : s.path,
    },
    outcome: row.prediction?.outcome ?? 'unknown',
    sandbox,
    init: sandbox ? 'unknown' : m.init,
    runtimeDir: probe.env.XDG_RUNTIME_DIR,
    uid: probe.uid ?? 1000,
    family: os.family,
  };
  return bridgeFix(input);
}

/**
 * The reader slots (PCSCLITE_MAX_READERS_CONTEXTS) a host library was built with, when it can be
 * known; the library itself does not tell (a stripped build has the number only as instruction
 * operands). A library under /usr/local was built from pcsc-lite's source, which has no option for
 * it: 16. The distribution's own library has its pcscd's count (Fedora patches both to 48), which
 * is measured when the daemon on the socket is the installed pcscd. Otherwise unknown.
 */
async function hostLibrarySlots(
  ctx: DoctorContext,
  row: LibraryRow,
  daemonIsInstalled: boolean,
  socket: string,
): Promise<number | undefined> {
  if (row.bundled) return undefined;
  if (row.path.startsWith('/usr/local/')) return 16;
  return daemonIsInstalled ? daemonSlots(ctx, ctx.probe.path(socket)) : undefined;
}

const OUTCOME_SUMMARY: Record<string, string> = {
  stopped: 'applications get "Service was stopped" (SCARD_E_SERVICE_STOPPED, 0x8010001E)',
  'no-service': 'applications get "Service not available" (SCARD_E_NO_SERVICE, 0x8010001D)',
  desync:
    'the library falls back to an older protocol and gets out of step (wrong reader names, SCardTransmit returning other bytes)',
};

export const libpcscliteVersion: DoctorCheck = {
  id: 'libpcsclite.version',
  title: "The system's libpcsclite can talk to this pcscd",
  description:
    'Applications (pcsc_scan, OpenSC, browsers, GnuPG) use libpcsclite, which must speak a protocol version the daemon accepts; otherwise they fail with "Service was stopped" while pcsc itself works. The fix puts `pcsc proxy` between them.',
  category: 'client',
  platforms: ['linux', 'freebsd', 'openbsd'],
  dependsOn: ['pcscd.protocol'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const { probe, facts } = ctx;
    const found = await findClientLibraries(probe);
    if (found.length === 0)
      return result('pass', 'No system libpcsclite (applications that need one bring their own)', {
        data: { libraries: [] },
      });
    const answers = facts.get('pcscd.answers');
    const rows = await Promise.all(found.map(async (l) => predictLibrary(await describeLibrary(probe, l), answers)));
    const daemon = answers?.[0] ? `${answers[0].major}:${answers[0].minor}` : '?';
    const data = {
      daemon,
      libraries: rows.map((r) => ({
        path: r.path,
        version: r.version ?? null,
        ...(r.atLeast ? { atLeast: r.atLeast } : {}),
        protocol: r.protocol ?? null,
        source: r.source,
        outcome: r.prediction?.outcome ?? 'unknown',
        ...(r.prediction?.rv !== undefined ? { rv: hex32(r.prediction.rv) } : {}),
      })),
    };
    const details = rows.map(
      (r) =>
        `${r.path}: ${describeRelease(r)}${r.protocol ? ` (protocol ${r.protocol})` : ''}${r.prediction ? ` — ${r.prediction.why}` : ''}`,
    );
    const bad = rows.find((r) => r.prediction && OUTCOME_SUMMARY[r.prediction.outcome]);
    if (bad?.prediction && answers) {
      const b = await bridgeFor(ctx, bad, answers, null);
      const same = await sameReleaseInstall(ctx, bad, daemon);
      return result(
        'fail',
        `libpcsclite ${bad.version ?? bad.atLeast ?? '?'} (${bad.protocol}) and pcscd (${daemon}) do not agree: ${OUTCOME_SUMMARY[bad.prediction.outcome]}`,
        {
          details: [...details, ...(same ? [same] : [])],
          fix: fix(b.text, b.commands, b.root),
          data: { ...data, bridge: b.socket },
        },
      );
    }
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
    const only = rows[0] as LibraryRow;
    if (!only.version && !only.atLeast)
      return result('pass', `libpcsclite at ${only.path} (version unknown)`, { details, data });
    const pcscd = await pcscdVersion(probe);
    const mismatch = only.version && pcscd && compareVersions(only.version, pcscd) !== 0;
    return result(
      'pass',
      `libpcsclite ${only.version ?? `${only.atLeast} or later`} works with pcscd (${daemon})${mismatch ? ` although pcscd is ${pcscd}` : ''}`,
      { details, data },
    );
  },
};

/**
 * When the daemon on the socket is the installed pcscd and the library's package is of another
 * release, installing the library of pcscd's release is an alternative (never the version that
 * is already installed).
 */
async function sameReleaseInstall(ctx: DoctorContext, row: LibraryRow, daemon: string): Promise<string | undefined> {
  const pcscd = await pcscdBinary(ctx.probe);
  const own = installedDaemonPkg(pcscd, daemon);
  if (!own || !row.pkg || own.version === row.pkg.version) return undefined;
  const [os, m] = await Promise.all([osInfo(ctx.probe), detectMachine(ctx.probe)]);
  if (os.family !== 'debian') return undefined;
  return `Or install the library of pcscd's own release (${own.name} ${own.version}, ${row.pkg.name} ${row.pkg.version}): \`${installCommand(os.family, [`${row.pkg.name}=${own.version}`], m)}\`.`;
}
