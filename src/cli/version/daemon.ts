// `pcsc --version --verbose`: which pcscd answers, and at which protocol.

import { PcscdContext, resolveSocketPath } from '../../core/index.js';
import type { VersionDaemon } from './render.js';

export async function probeDaemon(socket: string | undefined): Promise<VersionDaemon> {
  const { path, source } = resolveSocketPath({ path: socket });
  try {
    await using ctx = await PcscdContext.establish({ socket: path, requestTimeout: 5000 });
    return {
      protocol: ctx.info.protocol ?? '',
      daemonVersion: `${ctx.daemonVersion.major}:${ctx.daemonVersion.minor}`,
      socket: path,
      source,
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), socket: path, source };
  }
}
