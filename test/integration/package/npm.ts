// npm as the package tests run it: a PATH cut down to node and npm (no compiler, no pcscd tools),
// but every setting npm needs to reach its registry as the user configured it, and a bound on every
// network step that ends in a one-line reason instead of a bare ETIMEDOUT.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Environment variables that carry TLS and proxy settings for Node and npm (both spellings of the proxies). */
const NETWORK_VARS = [
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'NODE_USE_ENV_PROXY',
  'NODE_OPTIONS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
  'all_proxy',
];

/**
 * npm settings that would change what the package tests test (where the global install goes, the
 * compiler toolchain) rather than how npm reaches its registry: never passed on.
 */
const NOT_PASSED = new Set(['prefix', 'global_prefix', 'local_prefix', 'node_gyp', 'nodedir', 'python']);

export interface NpmConfigFiles {
  globalconfig: string;
  userconfig: string;
}

/**
 * Where the user's own npm reads its configuration. Asked once, with the user's whole environment:
 * `npm --prefix DIR` looks for its global npmrc under DIR/etc, so a global install into a
 * temporary prefix would silently lose the machine's `cafile`, `registry` or `proxy` settings.
 */
export function npmConfigFiles(npm = 'npm'): NpmConfigFiles {
  const ask = (key: string): string => {
    const r = spawnSync(npm, ['config', 'get', key], { encoding: 'utf8', timeout: 30_000 });
    const value = String(r.stdout ?? '').trim();
    if (r.error || r.status !== 0 || !value)
      throw new Error(`npm config get ${key} failed: ${oneLine(r.stderr, r.error?.message ?? `exit ${r.status}`)}`);
    return value;
  };
  return { globalconfig: ask('globalconfig'), userconfig: ask('userconfig') };
}

/**
 * The environment of npm on "the fresh machine": PATH is `bareBin` (node and npm only), and
 * everything npm needs to reach its registry comes from `from`: TLS and proxy variables,
 * `npm_config_*` settings (but none that moves the install or names a compiler), and the user's
 * npmrc files.
 */
export function npmEnv(
  bareBin: string,
  files: NpmConfigFiles,
  from: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: bareBin, HOME: from.HOME, LANG: 'C.UTF-8' };
  for (const k of NETWORK_VARS) if (from[k] !== undefined) env[k] = from[k];
  for (const [k, v] of Object.entries(from)) {
    const m = /^npm_config_(.+)$/i.exec(k);
    if (m && v !== undefined && !NOT_PASSED.has((m[1] as string).toLowerCase())) env[k] = v;
  }
  env.npm_config_globalconfig = files.globalconfig;
  env.npm_config_userconfig = files.userconfig;
  return env;
}

export interface NpmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** npm's own reason, on one line: its "request to … failed, reason: …" line, else its last error line. */
export function npmReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^npm (error|ERR!)\s*/, '').trim())
    .filter((l) => l && !/^A complete log of this run/.test(l));
  return (
    lines.find((l) => /^request to .* failed/.test(l)) ?? lines.find((l) => /^code /.test(l)) ?? lines.at(-1) ?? ''
  );
}

function oneLine(stderr: unknown, fallback: string): string {
  return npmReason(String(stderr ?? '')) || fallback;
}

/**
 * Runs npm with a bound. A run that does not finish in time is an Error whose message is one line:
 * "npm could not reach the registry in N s: REASON", where REASON is what `npm ping` says with the
 * same settings (a TLS or proxy error, typically), never a bare ETIMEDOUT.
 */
export function runNpm(
  npm: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number },
): NpmResult {
  const r = spawnSync(npm, args, { encoding: 'utf8', env: opts.env, cwd: opts.cwd, timeout: opts.timeoutMs });
  const stderr = String(r.stderr ?? '');
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    const ping = spawnSync(npm, ['ping', '--fetch-retries=0', '--fetch-timeout=15000'], {
      encoding: 'utf8',
      env: opts.env,
      cwd: opts.cwd,
      timeout: 30_000,
    });
    const reason =
      ping.status === 0
        ? `the registry answers a ping, but npm ${args[0]} made no progress (${npmReason(stderr) || 'no output'})`
        : oneLine(ping.stderr, ping.error ? 'npm ping got no answer in 30 s' : `npm ping exit ${ping.status}`);
    throw new Error(`npm could not reach the registry in ${Math.round(opts.timeoutMs / 1000)} s: ${reason}`);
  }
  if (r.error) throw r.error;
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr };
}

/** `npm` next to node in `bareBin`. */
export const bareNpm = (bareBin: string): string => join(bareBin, 'npm');
