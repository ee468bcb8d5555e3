// The systemd *user* units that start `pcsc proxy` on demand (docs/proxy.md, "A bridge that
// survives a reboot"): a socket unit listening at %t/pcsc-proxy/pcscd.comm (%t is
// $XDG_RUNTIME_DIR), mode 0600 in a 0700 directory, and a service that runs the installed proxy
// on the passed socket (socket activation, as pcscd.socket does for pcscd). systemd keeps the
// socket file while the proxy restarts, so Flatpak apps that bound it keep a live socket.

import { PROXY_DIR, PROXY_SOCKET_NAME } from './paths.js';

export const UNIT_NAME = 'pcsc-proxy';
/** The socket path in the units: systemd expands %t to the user's runtime directory. */
export const UNIT_LISTEN = `%t/${PROXY_DIR}/${PROXY_SOCKET_NAME}`;

export interface SystemdUnits {
  socket: { file: string; text: string };
  service: { file: string; text: string };
}

/**
 * One word of a unit's command line (systemd.service(5), "Command lines"): quoted when it holds
 * spaces, quotes or backslashes; `%` and `$` doubled so systemd takes them literally.
 */
export function unitWord(word: string): string {
  const lit = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(lit) ? lit : `"${lit.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The units for a proxy run as `command` (absolute paths: a user manager's PATH is short, and
 * node may live under ~/.nvm) forwarding to `upstream`; `extra` are more proxy flags
 * (`--client-slots 48`).
 */
export function systemdUnits(
  command: readonly string[],
  upstream: string,
  extra: readonly string[] = [],
): SystemdUnits {
  const exec = [
    ...command.map(unitWord),
    'proxy',
    '--listen',
    UNIT_LISTEN,
    '--upstream',
    unitWord(upstream),
    ...extra.map(unitWord),
  ].join(' ');
  const socket = [
    '[Unit]',
    'Description=pcsc proxy socket: PC/SC clients of any pcsc-lite version reach pcscd',
    'Documentation=man:pcsc-proxy(1)',
    '',
    '[Socket]',
    `ListenStream=${UNIT_LISTEN}`,
    'SocketMode=0600',
    'DirectoryMode=0700',
    '',
    '[Install]',
    'WantedBy=sockets.target',
    '',
  ].join('\n');
  const service = [
    '[Unit]',
    `Description=pcsc proxy: PC/SC clients of any pcsc-lite version reach pcscd at ${upstream.replace(/%/g, '%%')}`,
    'Documentation=man:pcsc-proxy(1)',
    `Requires=${UNIT_NAME}.socket`,
    `After=${UNIT_NAME}.socket`,
    '',
    '[Service]',
    `ExecStart=${exec}`,
    'Environment=NO_COLOR=1',
    '',
    '[Install]',
    `Also=${UNIT_NAME}.socket`,
    '',
  ].join('\n');
  return {
    socket: { file: `${UNIT_NAME}.socket`, text: socket },
    service: { file: `${UNIT_NAME}.service`, text: service },
  };
}
