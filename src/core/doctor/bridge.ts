// The bridge prescription: when a client library and a daemon disagree (or a sandbox's library
// cannot be trusted to agree), the steps that put `pcsc proxy` between them on this machine —
// where its socket goes, how it starts (systemd user units, or by hand), how the program is
// pointed at it (a host program, Flatpak, Snap, a container, bubblewrap) — and, when an upgrade
// is the better fix, which package and version (never one that is already installed). Every
// doctor check that finds a mismatch (libpcsclite.version, pcscd.protocol, sandbox) takes its
// fix from here. Facts behind it: docs/proxy.md.

import { posix } from 'node:path';
import { compareVersions } from '../drivers/bundles.js';
import { broken, type Outcome } from './protocol-model.js';
import { DEFAULT_SOCKET } from '../pcscd/socket-path.js';
import { defaultProxySocket, PROXY_DIR, PROXY_SOCKET_NAME } from '../proxy/paths.js';
import { UNIT_NAME } from '../proxy/systemd-units.js';
import { packageName, type Family } from '../system/os.js';
import { CONTAINER_KINDS, type SandboxKind } from '../system/sandbox.js';
import { shq, type InitSystem } from '../system/service.js';

/** A client library: its release when known (else only its protocol), and the package it came in. */
export interface ClientSide {
  release?: string | undefined;
  /** "4:4"; undefined when neither release nor protocol is known. */
  protocol?: string | undefined;
  /** The distribution package (a system library); absent for a library an application carries. */
  pkg?: { name: string; version: string } | undefined;
  /**
   * The reader slots (PCSCLITE_MAX_READERS_CONTEXTS) the library was built with, when known: up to
   * 4:5 the reader-state array has no count and a client reads exactly its own build's, so the
   * bridge serves it that many (`--client-slots`) when it is not 16. Undefined: not known (a
   * sandbox's app gets 16, what Flathub and upstream builds have; a host program gets a note).
   */
  slots?: number | undefined;
}

/** The daemon on the socket: its protocol, and what is known of its release. */
export interface DaemonSide {
  protocol?: string | undefined;
  /** The minor it refuses other clients with: SCARD_E_NO_SERVICE (≤ 1.8.25) or _SERVICE_STOPPED. */
  refusal?: number | undefined;
  /**
   * The installed pcscd package, when the daemon on the socket is that pcscd (same protocol);
   * undefined when the socket belongs to another daemon (a container host's, a private build).
   */
  pkg?: { name: string; version: string } | undefined;
  /** The daemon's socket, as the host sees it. */
  socket: string;
}

export interface BridgeInput {
  client: ClientSide;
  daemon: DaemonSide;
  /** What the client gets from the daemon directly (the table's cell). */
  outcome: Outcome;
  /** Where the program runs: null for a program on this (host) machine. */
  sandbox: { kind: SandboxKind; app?: string | undefined } | null;
  /**
   * The host's init system, when the checks run on the host; 'unknown' from inside a sandbox (the
   * host's is not visible: the commands then assume a systemd user session and say what else).
   */
  init: InitSystem | 'unknown';
  /** $XDG_RUNTIME_DIR and the uid, for the bridge's socket path. */
  runtimeDir?: string | undefined;
  uid: number;
  family: Family;
}

export interface BridgeSteps {
  /** What to do and why, in a few sentences (upgrade advice included). */
  text: string;
  /** The commands, in order; in a sandbox they run on the host (the text says so). */
  commands: string[];
  /** Whether any command needs root (none does: a bridge at pcscd's own path is only described, in docs/proxy.md). */
  root: boolean;
  /** The bridge's socket path the commands use. */
  socket: string;
  /** Upgrade advice alone, when an upgrade is an alternative (names the package and version). */
  upgrade?: string;
}

/** Where systemd's user manager reads the session's environment (environment.d(5)). */
export const ENVIRONMENT_D = '~/.config/environment.d';

/** Where systemd looks for a user's own units. */
export const USER_UNIT_DIR = '~/.config/systemd/user';

/** The release that fixes most pairs for a client library (LudovicRousseau/PCSC#262). */
const RETRYING_CLIENT = '2.4.1';
/** The first pcscd that accepts every client from 4:4 on. */
const TOLERANT_DAEMON = '2.4.1';

/**
 * The bridge's socket on the host. Host-side commands use the literal $XDG_RUNTIME_DIR when the
 * host's value cannot be known (from inside a container: another user, another environment).
 */
export function bridgeSocket(input: Pick<BridgeInput, 'sandbox' | 'runtimeDir' | 'uid'>): string {
  const kind = input.sandbox?.kind;
  if (kind && CONTAINER_KINDS.includes(kind) && kind !== 'distrobox' && kind !== 'toolbox')
    return `$XDG_RUNTIME_DIR/${PROXY_DIR}/${PROXY_SOCKET_NAME}`;
  return defaultProxySocket(
    input.runtimeDir ? { XDG_RUNTIME_DIR: input.runtimeDir } : {},
    input.uid,
    '/tmp', // the host's, not this process's TMPDIR
  );
}

/** A path in a command line: a literal $XDG_RUNTIME_DIR stays expandable (double quotes). */
const qpath = (p: string): string => (p.startsWith('$') ? `"${p}"` : shq(p));

/** `--upstream X` when the daemon is not at pcscd's default path (the units and commands carry it). */
function upstreamArgs(socket: string): string {
  return socket === DEFAULT_SOCKET ? '' : ` --upstream ${shq(socket)}`;
}

/** Commands that install and start the systemd user units (`pcsc proxy --print-systemd`). */
export function systemdInstallCommands(upstream: string, extra: readonly string[] = []): string[] {
  const up = upstreamArgs(upstream) + extra.map((w) => ` ${shq(w)}`).join('');
  return [
    `mkdir -p ${USER_UNIT_DIR}`,
    `pcsc proxy --print-systemd --unit socket > ${USER_UNIT_DIR}/${UNIT_NAME}.socket`,
    `pcsc proxy --print-systemd --unit service${up} > ${USER_UNIT_DIR}/${UNIT_NAME}.service`,
    'systemctl --user daemon-reload',
    `systemctl --user enable --now ${UNIT_NAME}.socket`,
  ];
}

/** The proxy started by hand (no systemd): in the background, until logout. */
export function manualStartCommand(socket: string, upstream: string, extra: readonly string[] = []): string {
  return `pcsc proxy --listen ${qpath(socket)}${upstreamArgs(upstream)}${extra.map((w) => ` ${shq(w)}`).join('')} &`;
}

/** The slot count the bridge must serve its clients, when it is not the proxy's default (16). */
function servedSlots(input: BridgeInput): number | undefined {
  const n = input.client.slots;
  return n !== undefined && n !== 16 && input.client.protocol !== '4:6' ? n : undefined;
}

/** `--client-slots N` for clients built with N ≠ 16 reader slots. */
const slotArgs = (input: BridgeInput): string[] => {
  const n = servedSlots(input);
  return n === undefined ? [] : ['--client-slots', String(n)];
};

/** Why the bridge carries --client-slots, or what to add when the clients' build is not known. */
function slotsText(input: BridgeInput): string {
  const n = servedSlots(input);
  if (n !== undefined)
    return ` It is started with --client-slots ${n}: this machine's libpcsclite is built for ${n} reader slots, like its pcscd (upstream pcsc-lite has 16; Fedora patches both to 48), and up to protocol 4:5 a client reads exactly its own build's count, so with the default 16 its programs would wait for entries that never come.`;
  const minor = input.client.protocol ? Number(input.client.protocol.slice(2)) : undefined;
  // Only Fedora's family is known to patch the count (Debian's 1.9.9 library reads 16 × 184 bytes).
  const fedoraLike = input.family === 'fedora' || input.family === 'unknown';
  if (input.sandbox || input.client.slots !== undefined || !fedoraLike || (minor !== undefined && minor > 5)) return '';
  return " If these programs are built against Fedora's pcsc-lite (48 reader slots where upstream has 16), add `--client-slots 48` to the proxy's command line (and to `pcsc proxy --print-systemd --unit service`): up to protocol 4:5 the reader-state array carries no count, each side uses the one it was built with, and a 48-slot client would wait for 32 entries a default bridge never sends. pcsc cannot read the count from the library (a stripped build has it only as instruction operands), and a daemon's count tells the library's only when the daemon is this machine's own pcscd (here it is not, or could not be counted).";
}

/** How the proxy is started: systemd user units where systemd runs (or may, from a sandbox), else by hand. */
function startSteps(input: BridgeInput, socket: string): { text: string; commands: string[] } {
  const upstream = input.daemon.socket;
  const extra = slotArgs(input);
  const manual = manualStartCommand(socket, upstream, extra);
  if (input.init === 'systemd' || input.init === 'unknown') {
    const literal = socket.startsWith('$');
    const where = literal ? socket : socket.replace(/^\/run\/user\/\d+/, '%t');
    const units = `systemd user units (${UNIT_NAME}.socket listens at ${where}; the proxy starts on the first connection, at every login, and keeps the socket in place when it restarts)`;
    const text =
      input.init === 'unknown'
        ? `On the host, start the bridge with ${units}; on a host without systemd run \`${manual}\` from the session's autostart instead.`
        : `Start the bridge with ${units}.`;
    return { text: text + slotsText(input), commands: systemdInstallCommands(upstream, extra) };
  }
  return {
    text: `No systemd here: start the bridge by hand (it creates ${posix.dirname(socket)} with mode 0700) and add the same line to your session's autostart (~/.profile, or the desktop's autostart) so it runs after the next login.${slotsText(input)}`,
    commands: [manual],
  };
}

/** How the program is pointed at the bridge. */
function pointSteps(input: BridgeInput, socket: string): { text: string; commands: string[]; root: boolean } {
  const s = input.sandbox;
  const app = s?.app;
  const dir = posix.dirname(socket);
  switch (s?.kind ?? null) {
    case null:
    case 'appimage': {
      const persist = persistentVariable(input, socket);
      return {
        text: `Then run the program with PCSCLITE_CSOCK_NAME pointing at the bridge${s?.kind === 'appimage' ? ' (the AppImage reads it like any program)' : ''}: \`export\` sets it for this shell; ${persist.text}`,
        commands: [`export PCSCLITE_CSOCK_NAME=${qpath(socket)}`, ...persist.commands],
        root: false,
      };
    }
    case 'flatpak':
      return {
        text: `Then start the app with PCSCLITE_CSOCK_NAME set: \`flatpak run\` binds the file it names at /run/pcscd/pcscd.comm inside (--socket=pcsc). For launches from the desktop menu put the variable in ~/.config/environment.d/ instead. An app that is already running keeps the socket it started with: restart it.`,
        commands: [`PCSCLITE_CSOCK_NAME=${qpath(socket)} flatpak run ${app ? shq(app) : 'APP'}`],
        root: false,
      };
    case 'bubblewrap':
      return {
        text: 'Then bind the bridge where the sandbox looks for pcscd (the directory, so the binding survives a restart of the proxy).',
        commands: [`bwrap --ro-bind ${qpath(dir)} /run/pcscd … PROGRAM`],
        root: false,
      };
    case 'snap': {
      // snapd: interfaces/builtin/pcscd.go allows /{var/,}run/pcscd/pcscd.comm only; the base
      // AppArmor template lets every strict snap use /run/user/UID/snap.NAME/, and snap-confine
      // shares the host's /run with the snap (docs/proxy.md, "Snap").
      const own = `/run/user/${input.uid}/snap.${app ?? 'SNAP'}/pcscd.comm`;
      return {
        text: `A snap's pcscd interface allows only /run/pcscd/pcscd.comm (AppArmor), so the bridge's usual socket is refused whatever PCSCLITE_CSOCK_NAME says; what every strict snap may use is its own runtime directory, /run/user/UID/snap.NAME, which is the host's. Start the bridge there by hand (its systemd units listen elsewhere) and run the snap with PCSCLITE_CSOCK_NAME pointing at it (\`snap run\` passes the variable on). This follows snapd's source and was not tried on a real snap by pcsc; if the snap still cannot connect, upgrade the host's pcscd (below), or see docs/proxy.md, "Snap", for a bridge at pcscd's own path (root).`,
        commands: [
          manualStartCommand(own, input.daemon.socket),
          `PCSCLITE_CSOCK_NAME=${shq(own)} snap run ${app ? shq(app) : 'SNAP'}`,
        ],
        root: false,
      };
    }
    case 'distrobox':
    case 'toolbox':
      return {
        text: `Then, inside the ${s?.kind}, point programs at the bridge: the box shares your $XDG_RUNTIME_DIR with the host.`,
        commands: [`export PCSCLITE_CSOCK_NAME=${qpath(socket)}`],
        root: false,
      };
    case 'lxc':
      return {
        text: "Then share the bridge's directory at /run/pcscd in the container (LXD/Incus shown; plain LXC: an lxc.mount.entry bind). The socket is mode 0600: the container's user must map to your uid.",
        commands: [
          `lxc config device add ${app ? shq(app) : 'CONTAINER'} pcsc-proxy disk source=${qpath(dir)} path=/run/pcscd`,
        ],
        root: false,
      };
    default: {
      const tool = s?.kind === 'podman' ? 'podman' : 'docker';
      return {
        text: `Then start the container with the bridge's directory at /run/pcscd (a directory, not the socket file: a file binding goes stale when the socket is re-created). The socket is mode 0600: the container's user must map to your uid (rootless podman: the container's root is you; docker: add --user "$(id -u)").`,
        commands: [`${tool} run -v ${qpath(`${dir}:/run/pcscd`)} … IMAGE`],
        root: false,
      };
    }
  }
}

/**
 * PCSCLITE_CSOCK_NAME kept for later sessions: with systemd, in ~/.config/environment.d (the user
 * manager reads it at login, and what the desktop starts inherits it: environment.d(5)); without,
 * in ~/.profile (login shells).
 */
function persistentVariable(input: BridgeInput, socket: string): { text: string; commands: string[] } {
  const n = servedSlots(input);
  const who =
    n === undefined
      ? ''
      : ` This machine's programs (${n} reader slots) then work through it; an app that carries a 16-slot library (Flathub's, an upstream build) would read ${n}-entry arrays out of step: run such an app through a second bridge without --client-slots (docs/proxy.md, "Reader slots").`;
  if (input.init === 'systemd' || input.init === 'unknown')
    return {
      text: `to keep it for your next sessions, put it in ~/.config/environment.d (systemd --user reads it at login): every program of the session that uses libpcsclite then goes through the bridge, those the desktop starts and Flatpak apps too (\`flatpak run\` binds the socket the variable names).${who}`,
      commands: [
        `mkdir -p ${ENVIRONMENT_D}`,
        `echo ${shq(`PCSCLITE_CSOCK_NAME=${socket}`)} > ${ENVIRONMENT_D}/pcsc-proxy.conf`,
      ],
    };
  return {
    text: `to keep it for your next login shells, add it to ~/.profile: every program started from them that uses libpcsclite then goes through the bridge.${who}`,
    commands: [`echo ${shq(`export PCSCLITE_CSOCK_NAME=${qpath(socket)}`)} >> ~/.profile`],
  };
}

const minorOf = (protocol?: string): number | undefined =>
  protocol && /^4:\d$/.test(protocol) ? Number(protocol.slice(2)) : undefined;

const installed = (pkg: { version: string } | undefined, atLeast: string): boolean =>
  pkg !== undefined && compareVersions(pkg.version.replace(/^\d+:/, ''), atLeast) >= 0;

/**
 * The upgrade that would make the pair work without the bridge, naming the package and the
 * version — or why none can. Never a package that is already at that version or later.
 */
export function upgradeAdvice(input: BridgeInput): string | undefined {
  const c = minorOf(input.client.protocol);
  const d = minorOf(input.daemon.protocol);
  if (c === undefined || d === undefined || !broken(input.outcome)) return undefined;
  const libPkg = input.client.pkg ? input.client.pkg.name : packageName('libpcsclite', input.family);
  const daemonPkg = input.daemon.pkg?.name ?? packageName('pcscd', input.family);
  const own = input.sandbox
    ? `the ${input.sandbox.kind === 'flatpak' ? 'app' : input.sandbox.kind}'s own libpcsclite (its packagers ship it: Flathub apps moved to ${RETRYING_CLIENT})`
    : `${libPkg}`;
  const libHas = (v: string): string =>
    input.client.pkg ? ` (installed: ${input.client.pkg.version})` : installedNote(input.client.release, v);
  const daemonUpgrade = (v: string, why: string): string =>
    input.daemon.pkg
      ? installed(input.daemon.pkg, v)
        ? ''
        : `${daemonPkg} ${v} or later (installed: ${input.daemon.pkg.version}) ${why}`
      : `the daemon on ${input.daemon.socket} is not the installed pcscd: upgrading what provides it to pcsc-lite ${v} or later ${why}`;
  const libUpgrade = (v: string, why: string): string =>
    input.client.pkg && installed(input.client.pkg, v) ? '' : `${own} ${v} or later${libHas(v)} ${why}`;
  const join = (...parts: string[]): string | undefined => {
    const p = parts.filter(Boolean);
    return p.length ? `An upgrade also fixes it: ${p.join('; or ')}.` : undefined;
  };
  if (input.outcome === 'desync')
    return join(
      daemonUpgrade('2.5.0', 'speaks 4:6 with the 2.5 library'),
      input.client.pkg ? '' : `a ${RETRYING_CLIENT} library (not 2.5.x) in ${own.replace(/ \(.*$/, '')}`,
    );
  if (c < 4)
    return `No upgrade of pcscd helps: no pcscd from 1.8.24 on accepts protocol 4:${c} (libpcsclite 1.8.23 or older); only ${own} ${RETRYING_CLIENT} or later would.`;
  const refusesWithNoService = input.daemon.refusal === 0x8010001d;
  if (d < 4 || refusesWithNoService)
    return join(
      daemonUpgrade(TOLERANT_DAEMON, 'accepts every client from 4:4 on (no library retries against this one)'),
    );
  // Both speak 4:4 or later and the daemon refuses with SERVICE_STOPPED: a 2.4.1+ library retries
  // at the daemon's version; a 2.4.1+ daemon accepts every client from 4:4 on.
  return join(
    daemonUpgrade(TOLERANT_DAEMON, 'accepts every client from 4:4 on'),
    libUpgrade(
      RETRYING_CLIENT,
      `retries at the daemon's version${d < 6 ? ' (2.5.x too, but it gets out of step with daemons below 4:6: stay on 2.4.x until pcscd is 2.5)' : ''}`,
    ),
  );
}

function installedNote(release: string | undefined, v: string): string {
  if (!release) return '';
  return compareVersions(release, v) >= 0 ? '' : ` (it has ${release})`;
}

/** The whole prescription: start the bridge, point the program at it, and the upgrade that would also do. */
export function bridgeFix(input: BridgeInput): BridgeSteps {
  const socket = bridgeSocket(input);
  const start = startSteps(input, socket);
  const point = pointSteps(input, socket);
  const upgrade = upgradeAdvice(input);
  const lead =
    "Put `pcsc proxy` between them: it speaks every protocol from 4:2 to 4:6 to clients and the daemon's own to pcscd.";
  const snap = input.sandbox?.kind === 'snap';
  return {
    text: [lead, snap ? point.text : `${start.text} ${point.text}`, upgrade].filter(Boolean).join(' '),
    commands: snap ? point.commands : [...start.commands, ...point.commands],
    root: point.root,
    socket,
    ...(upgrade ? { upgrade } : {}),
  };
}
