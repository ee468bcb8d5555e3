// Where `pcsc proxy` and `pcsc spy` listen by default: the user's runtime directory (what Flatpak
// can share with --filesystem=xdg-run/…, and what a systemd user unit calls %t), else the temporary
// directory, with the uid in the name.

import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export function defaultSpySocket(env: NodeJS.ProcessEnv = process.env): string {
  const run = env.XDG_RUNTIME_DIR;
  if (run) return join(run, 'pcsc-spy.comm');
  return join(tmpdir(), `pcsc-spy-${userInfo().uid}.comm`);
}

/** The directory of the proxy's socket under $XDG_RUNTIME_DIR (systemd: %t/pcsc-proxy). */
export const PROXY_DIR = 'pcsc-proxy';
/**
 * The socket's own name: pcscd's, so that binding the directory into a container at /run/pcscd
 * gives clients their default path, /run/pcscd/pcscd.comm.
 */
export const PROXY_SOCKET_NAME = 'pcscd.comm';

/**
 * Where `pcsc proxy` listens when --listen is left out: $XDG_RUNTIME_DIR/pcsc-proxy/pcscd.comm,
 * else /tmp/pcsc-proxy-UID/pcscd.comm. The proxy creates the last directory itself, mode 0700.
 */
export function defaultProxySocket(
  env: Readonly<Record<string, string | undefined>> = process.env,
  uid: number = userInfo().uid,
  tmp: string = tmpdir(),
): string {
  const run = env.XDG_RUNTIME_DIR;
  if (run && run.startsWith('/')) return join(run, PROXY_DIR, PROXY_SOCKET_NAME);
  return join(tmp, `${PROXY_DIR}-${uid}`, PROXY_SOCKET_NAME);
}
