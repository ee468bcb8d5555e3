// The `sandbox` check: inside Flatpak, Snap, an AppImage, a container (docker, podman, distrobox,
// toolbox, LXC) or bubblewrap, is pcscd's socket there, whose daemon is it (mounted from the
// host, or the container's own), which libpcsclite the application carries, and what the client ×
// daemon table predicts for the pair. A mismatch gets the bridge (`pcsc proxy` on the host) with
// the host-side commands; a missing socket gets the exact permission or `-v` flag.

import { PcscdConnection } from '../../pcscd/connection.js';
import { daemonReleases, type VersionAnswer } from '../protocol-model.js';
import { describeLibrary, describeRelease, findClientLibraries } from '../libpcsclite.js';
import {
  CONTAINER_KINDS,
  detectSandbox,
  socketOrigin,
  type SandboxInfo,
  type SocketOrigin,
} from '../../system/sandbox.js';
import { processList } from '../../system/memo.js';
import { asRoot, detectMachine, mustElevate, shq } from '../../system/service.js';
import type { Fix } from '../../engine/types.js';
import type { DoctorCheck, DoctorContext } from '../types.js';
import { bridgeFor, predictLibrary, type LibraryRow } from './client.js';
import { ruleFor, writeRuleCommand } from './polkit.js';
import { daemonAnswers, daemonSlots, fix, result, SCAN_TIMEOUT_MS, socketPath } from './util.js';

type SocketState = 'missing' | 'not-a-socket' | 'stale' | 'denied' | 'refused' | 'answers';

interface Seen {
  path: string;
  state: SocketState;
  answers?: VersionAnswer[];
  origin: SocketOrigin;
}

/** The socket as seen from in here: there, answering, and which versions the daemon accepts. */
async function look(ctx: DoctorContext): Promise<Seen> {
  const { path } = await socketPath(ctx);
  const origin = await socketOrigin(ctx.probe, path);
  const st = await ctx.probe.stat(path);
  if (!st) return { path, state: 'missing', origin };
  if (!st.isSocket) return { path, state: 'not-a-socket', origin };
  // The answers pcscd.protocol asks for too (one probe per run); only when there are none does a
  // bare connection tell why.
  const answers = await daemonAnswers(ctx, ctx.probe.path(path)).catch(() => undefined);
  if (answers) return { path, state: 'answers', answers, origin };
  try {
    (await PcscdConnection.open(ctx.probe.path(path), 2000)).close();
  } catch (e) {
    const code = ((e as { cause?: NodeJS.ErrnoException }).cause as NodeJS.ErrnoException | undefined)?.code;
    return { path, state: code === 'ECONNREFUSED' ? 'stale' : code === 'EACCES' ? 'denied' : 'refused', origin };
  }
  return { path, state: 'refused', origin };
}

/** The library the sandboxed program loads: the one it carries, else the sandbox's system one. */
async function appLibrary(ctx: DoctorContext, answers?: VersionAnswer[]): Promise<LibraryRow | undefined> {
  const libs = await findClientLibraries(ctx.probe);
  const pick = libs.find((l) => l.bundled) ?? libs[0];
  return pick ? predictLibrary(await describeLibrary(ctx.probe, pick), answers) : undefined;
}

const daemonText = (answers: VersionAnswer[]): string => {
  const first = answers[0] as VersionAnswer;
  const rel = daemonReleases(answers);
  return `pcscd ${first.major}:${first.minor}${rel ? ` (${rel})` : ''}`;
};

const libText = (l: LibraryRow): string =>
  `libpcsclite ${describeRelease(l).replace(/^pcsc-lite /, '')}${l.protocol ? ` (${l.protocol})` : ''} at ${l.path}`;

const KIND_NAME: Record<string, string> = {
  flatpak: 'Flatpak',
  snap: 'snap',
  appimage: 'AppImage',
  docker: 'docker container',
  podman: 'podman container',
  distrobox: 'distrobox',
  toolbox: 'toolbox',
  lxc: 'LXC container',
  bubblewrap: 'bubblewrap sandbox',
  container: 'container',
};

function where(info: SandboxInfo): string {
  const name = KIND_NAME[info.kind] ?? info.kind;
  if (info.kind === 'flatpak') return `Flatpak ${info.app ?? 'app'}${info.runtime ? ` (${info.runtime})` : ''}`;
  if (info.kind === 'snap') return `the snap "${info.app}"`;
  if (info.kind === 'appimage') return `the AppImage ${info.app}`;
  if (info.kind === 'container') return `a ${info.app} container`;
  return `a ${name}${info.app ? ` (${info.app})` : ''}`;
}

/** How the host shares pcscd's socket with this kind of container (the directory, so restarts keep working). */
function shareCommand(info: SandboxInfo): string {
  switch (info.kind) {
    case 'podman':
      return 'podman run -v /run/pcscd:/run/pcscd … IMAGE';
    case 'lxc':
      return `lxc config device add ${info.app ? shq(info.app) : 'CONTAINER'} pcscd disk source=/run/pcscd path=/run/pcscd`;
    case 'bubblewrap':
      return 'bwrap --ro-bind /run/pcscd /run/pcscd … PROGRAM';
    default:
      return 'docker run -v /run/pcscd:/run/pcscd … IMAGE';
  }
}

async function snapFix(ctx: DoctorContext, snap: string): Promise<Fix> {
  const m = await detectMachine(ctx.probe);
  return fix(
    'Connect the interface (on the host).',
    [asRoot(['snap', 'connect', `${snap}:pcscd`], m), `snap connections ${shq(snap)}`],
    mustElevate(m),
  );
}

export const sandbox: DoctorCheck = {
  id: 'sandbox',
  title: 'Sandboxes and containers',
  description:
    "Inside Flatpak, Snap, an AppImage, a container (docker, podman, distrobox, toolbox, LXC) or bubblewrap: whether pcscd's socket is shared in and whose daemon it is, which libpcsclite the application carries, and whether the two agree (the client × daemon table); a mismatch gets the bridge (`pcsc proxy` on the host) with the host-side commands.",
  category: 'client',
  platforms: ['linux'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const info = await detectSandbox(ctx.probe);
    if (!info) return result('pass', 'Not in a sandbox or container', { data: { kind: null } });
    const seen = await look(ctx);
    const lib = await appLibrary(ctx, seen.answers);
    const data: Record<string, unknown> = {
      kind: info.kind,
      ...(info.app ? { app: info.app } : {}),
      ...(info.runtime ? { runtime: info.runtime } : {}),
      ...(info.sockets ? { sockets: info.sockets } : {}),
      evidence: info.evidence,
      socket: {
        path: seen.path,
        state: seen.state,
        mounted: seen.origin.mounted,
        localDaemon: seen.origin.localDaemon,
      },
      daemon: seen.answers?.[0]
        ? {
            protocol: `${seen.answers[0].major}:${seen.answers[0].minor}`,
            releases: daemonReleases(seen.answers) ?? null,
          }
        : null,
      library: lib
        ? {
            path: lib.path,
            version: lib.version ?? null,
            ...(lib.atLeast ? { atLeast: lib.atLeast } : {}),
            protocol: lib.protocol ?? null,
            source: lib.source,
          }
        : null,
      outcome: lib?.prediction?.outcome ?? 'unknown',
    };
    const details: string[] = [`Detected from ${info.evidence}.`];
    if (lib)
      details.push(`The application's library: ${libText(lib)}${lib.bundled ? ' (carried by the application)' : ''}.`);
    else
      details.push('No libpcsclite.so.1 found where this sandbox keeps libraries (a program may carry it elsewhere).');
    if (seen.answers) details.push(`The daemon at ${seen.path}: ${daemonText(seen.answers)}.`);
    if (seen.origin.mounted)
      details.push(
        `${seen.origin.mounted.mountPoint} is mounted from outside (${seen.origin.mounted.from}): the daemon is the host's.`,
      );
    else if (seen.origin.localDaemon.length > 0)
      details.push(
        `A pcscd runs in here (pid ${seen.origin.localDaemon.join(', ')}): the socket is this sandbox's own daemon.`,
      );
    if (lib?.prediction) details.push(`Predicted: ${lib.prediction.why}.`);

    // Flatpak without the permission: nothing of the host's is visible.
    if (info.kind === 'flatpak' && !info.sockets?.includes('pcsc')) {
      return result('fail', `Flatpak ${info.app ?? 'app'} has no access to pcscd (no --socket=pcsc)`, {
        details: [
          "Without the pcsc socket permission the host's pcscd socket is not visible inside the sandbox.",
          ...details,
        ],
        fix: fix('Grant the permission (run this on the host), then restart the application.', [
          `flatpak override --user --socket=pcsc ${shq(info.app ?? 'APP')}`,
        ]),
        data,
      });
    }
    // An AppImage runs on the host: its socket is the host's (pcscd.socket's business); only the library it carries matters.
    if (info.kind === 'appimage' && seen.state !== 'answers')
      return result('pass', `Running from the AppImage ${info.app}`, {
        details: [
          'An AppImage may bundle its own libpcsclite; it then has to speak a protocol the host pcscd accepts (see pcscd.protocol for the table).',
          ...details,
        ],
        data,
      });
    if (info.kind === 'snap' && seen.state === 'missing') {
      return result('warn', `Running inside ${where(info)}; pcscd's socket is not reachable`, {
        details: [
          'Strict confinement lets a snap reach pcscd only through the pcscd interface; without it the socket I/O is refused ("RPC transport error", SCARD_F_COMM_ERROR, 0x80100013).',
          ...details,
        ],
        fix: await snapFix(ctx, info.app ?? 'SNAP'),
        data,
      });
    }
    if (seen.state === 'missing' || seen.state === 'not-a-socket') {
      if (info.kind === 'flatpak')
        return result('fail', `No pcscd socket in ${where(info)}, although it has --socket=pcsc`, {
          details: [
            'Flatpak binds the host socket only if it exists when the app starts (PCSCLITE_CSOCK_NAME of `flatpak run`, else /run/pcscd/pcscd.comm): pcscd was not running then, or the variable named a path that did not exist.',
            ...details,
          ],
          fix: fix('Start pcscd on the host (`pcsc doctor` there says how), then restart the application.'),
          data,
        });
      const container = CONTAINER_KINDS.includes(info.kind) || info.kind === 'bubblewrap';
      return result('fail', `No pcscd socket at ${seen.path} in ${where(info)}`, {
        details: [
          container
            ? "The host's pcscd socket is not shared into it: share the directory /run/pcscd (not only the socket file, whose binding goes stale when pcscd re-creates it), or run pcscd in here with the reader passed through."
            : 'Nothing serves the socket the application would use.',
          ...details,
        ],
        ...(container
          ? {
              fix: fix(
                `Start it with the host's pcscd directory shared (on the host). If the application's libpcsclite and the host's pcscd disagree, share the bridge's directory instead (see \`pcsc doctor\` on the host, docs/proxy.md).`,
                [shareCommand(info)],
              ),
            }
          : {}),
        data,
      });
    }
    if (seen.state === 'stale') {
      return result('fail', `The socket ${seen.path} in ${where(info)} is stale: nobody answers`, {
        details: [
          seen.origin.mounted?.mountPoint === seen.path
            ? 'The socket file itself was bound in: when the daemon re-created its socket (a restart), the binding kept the old, dead one.'
            : 'The daemon behind it stopped.',
          ...details,
        ],
        fix: fix(
          seen.origin.mounted?.mountPoint === seen.path
            ? 'Share the directory instead of the file, so restarts of the daemon keep working (on the host), then restart this sandbox.'
            : 'Start the daemon on the host, then restart this sandbox.',
          seen.origin.mounted?.mountPoint === seen.path ? [shareCommand(info)] : [],
        ),
        data,
      });
    }
    if (seen.state === 'denied') {
      return result('fail', `The socket ${seen.path} in ${where(info)} does not let this user in (EACCES)`, {
        details: [
          `The socket's mode keeps this user (uid ${ctx.probe.uid ?? '?'}) out: pcscd's own socket is 0666, the bridge's (\`pcsc proxy\`) 0600 — then the container's user must map to the bridge's owner on the host.`,
          ...details,
        ],
        fix: fix(
          'Run the container as the host user who owns the socket (docker: --user "$(id -u)"; rootless podman maps its root to you), or share pcscd\'s own 0666 socket directory.',
          [shareCommand(info)],
        ),
        data,
      });
    }
    if (seen.state === 'refused' && CONTAINER_KINDS.includes(info.kind)) {
      const own = !seen.origin.mounted && seen.origin.localDaemon.length > 0;
      if (own) {
        // LudovicRousseau/PCSC#59: a polkit-enabled pcscd in a container without polkitd refuses everyone.
        const polkitd = (await processList(ctx.probe)).some((p) => (p.argv[0] ?? '').split('/').pop() === 'polkitd');
        const m = await detectMachine(ctx.probe);
        return result('fail', `The pcscd in ${where(info)} refuses every client`, {
          details: [
            `This container's own pcscd hangs up before answering: built with polkit, it asks polkitd about each client${polkitd ? '' : ', and no polkitd runs in here'} ("polkit_authority_get_sync failed" then "Rejected unauthorized PC/SC client" in its log; programs get "Access denied", LudovicRousseau/PCSC#59).`,
            ...details,
          ],
          fix: fix(
            "Run pcscd in the container without polkit: stop it and start it with --disable-polkit, and do the same in the image's entry point (or add --disable-polkit to PCSCD_ARGS in /etc/default/pcscd).",
            [asRoot(['pkill', '-x', 'pcscd'], m), asRoot([m.pcscd.binary, '--disable-polkit'], m)],
            mustElevate(m),
          ),
          data,
        });
      }
      if (seen.origin.mounted) {
        const uid = ctx.probe.uid;
        return result('fail', `The host's pcscd refuses ${where(info)}: polkit on the host`, {
          details: [
            `The host's pcscd hangs up before answering: polkit on the host does not allow the user the container's processes run as there ("Rejected unauthorized PC/SC client" in the host's pcscd log; the default policy allows only active local sessions, which a container is not).`,
            ...details,
          ],
          fix: fix(
            `On the host, allow with a polkit rule the user the container's processes run as there, in place of HOSTUSER: docker without user namespaces and rootful podman keep the uid of in here (${uid ?? 'UID'}: \`getent passwd ${uid ?? 'UID'}\` on the host names it); rootless podman runs the container's root as you. Or add --disable-polkit to PCSCD_ARGS on the host (then anyone who can reach the socket may use the readers).`,
            [
              writeRuleCommand(ruleFor('HOSTUSER'), '/etc/polkit-1/rules.d/50-pcscd-container.rules', {
                elevate: 'sudo',
              }),
            ],
            true,
          ),
          data,
        });
      }
    }
    if (seen.state === 'refused' || !seen.answers) {
      return result('fail', `Cannot talk to the daemon at ${seen.path} in ${where(info)}`, {
        details: [
          'The connection was refused or dropped: permissions of the socket (the container user may not map to a user the host allows), polkit on the host ("Rejected unauthorized PC/SC client" in its log), or a daemon that hangs.',
          ...details,
        ],
        data,
      });
    }
    const outcome = lib?.prediction?.outcome;
    if (lib && outcome && outcome !== 'ok' && outcome !== 'unknown') {
      const b = await bridgeFor(ctx, lib, seen.answers, { kind: info.kind, app: info.app });
      const what =
        outcome === 'desync'
          ? 'gets out of step (wrong reader names, wrong APDU answers)'
          : outcome === 'stopped'
            ? 'gets "Service was stopped"'
            : 'gets "Service not available"';
      return result(
        'fail',
        `${where(info)}: ${libText(lib).replace(/ at .*$/, '')} ${what} from the host's ${daemonText(seen.answers)}`,
        { details, fix: fix(b.text, b.commands, b.root), data: { ...data, bridge: b.socket } },
      );
    }
    // Same protocol, another build: a daemon whose arrays have more (or fewer) than 16 entries
    // (Fedora's pcsc-lite has 48) puts a library built with 16 out of step, unless both speak 4:6.
    const counted = lib?.protocol === '4:6' && seen.answers.some((a) => a.sent === 6 && a.rv === 0);
    const slots = counted ? undefined : await daemonSlots(ctx, ctx.probe.path(seen.path));
    if (slots !== undefined && slots !== 16) {
      const text = `The host's pcscd sends reader-state arrays of ${slots} entries where pcsc-lite's own builds send and read 16 (Fedora patches pcsc-lite to 48). A library built with 16, as Flathub's and most others are, reads them out of step: SCardGetStatusChange fails with odd codes such as 0x53204253, at the same protocol version. A library built the same way as the host's (the host distribution's own Flatpaks or containers) is fine.`;
      const b = lib ? await bridgeFor(ctx, lib, seen.answers, { kind: info.kind, app: info.app }) : undefined;
      return result(
        'warn',
        `${where(info)}: the host's ${daemonText(seen.answers)} sends ${slots}-entry reader arrays, not 16`,
        {
          details: [text, ...details],
          fix: b
            ? fix(
                `${b.text} The proxy reads the daemon's ${slots} entries and gives the application 16.`,
                b.commands,
                b.root,
              )
            : fix(
                `Put \`pcsc proxy\` between them (run \`pcsc doctor\` on the host for the commands): it reads the daemon's ${slots} entries and gives the application 16 (docs/proxy.md, "Reader slots").`,
                [],
              ),
          data: { ...data, slots, ...(b ? { bridge: b.socket } : {}) },
        },
      );
    }
    if (!lib?.prediction) {
      details.push(
        'If the application says "Service was stopped", its library speaks another version than the host\'s daemon: run `pcsc doctor` on the host for the bridge (docs/proxy.md).',
      );
    }
    return result(
      'pass',
      `${where(info)}: ${seen.answers ? daemonText(seen.answers) : 'pcscd'} at ${seen.path}${lib?.prediction ? ` works with ${libText(lib).replace(/ at .*$/, '')}` : ''}`,
      { details, data },
    );
  },
};
