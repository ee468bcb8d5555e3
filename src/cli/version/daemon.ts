// `pcsc --version --verbose`: which pcscd answers, at which protocol, and which release it is.

import { Context } from '../../core/index.js';
// Static, so that the bundle keeps only these two of the entry point's exports (a dynamic import
// keeps every check: fast-version-daemon was 326 kB); this module itself is loaded only for --verbose.
import { createProbe, servingPcscd } from '../../core/doctor/index.js';
import { resolveSocketPath } from '../../core/internal.js';
import type { VersionDaemon } from './result.js';

/** What pcscd says of itself; a signal (Ctrl-C) ends the wait and is thrown, not reported. */
export async function probeDaemon(socket: string | undefined, signal?: AbortSignal): Promise<VersionDaemon> {
  const { path, source } = resolveSocketPath({ path: socket });
  try {
    await using ctx = await Context.establish({ backend: 'pcscd', socket: path, requestTimeout: 5000, signal });
    const serving = await servingPcscd(createProbe(), path);
    return {
      protocol: ctx.info.protocol ?? '',
      daemonProtocol: ctx.info.daemonProtocol ?? '',
      daemonVersion: serving.version,
      ...(serving.reason ? { daemonVersionUnknown: serving.reason } : {}),
      pid: serving.pid,
      binary: serving.binary,
      socket: path,
      source,
    };
  } catch (e) {
    if (signal?.aborted) throw e;
    return { error: e instanceof Error ? e.message : String(e), socket: path, source };
  }
}
