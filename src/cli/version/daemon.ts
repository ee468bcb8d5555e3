// `pcsc --version --verbose`: which pcscd answers, at which protocol, and which release it is.

import { Context } from '../../core/index.js';
import { resolveSocketPath } from '../../core/internal.js';
import type { VersionDaemon } from './result.js';

export async function probeDaemon(socket: string | undefined): Promise<VersionDaemon> {
  const { path, source } = resolveSocketPath({ path: socket });
  try {
    await using ctx = await Context.establish({ backend: 'pcscd', socket: path, requestTimeout: 5000 });
    const { createProbe, servingPcscd } = await import('../../core/doctor/index.js');
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
    return { error: e instanceof Error ? e.message : String(e), socket: path, source };
  }
}
