// `pcsc --version --verbose`: which pcscd answers, and at which protocol.

import { PcscdContext, resolveSocketPath } from '../../core/index.js';

export async function probeDaemon(socket: string | undefined): Promise<{ protocol: string; socket: string; daemonVersion: string } | { error: string; socket: string }> {
  const path = resolveSocketPath({ path: socket }).path;
  try {
    await using ctx = await PcscdContext.establish({ socket: path, requestTimeout: 5000 });
    return { protocol: ctx.info.protocol ?? '', socket: path, daemonVersion: `${ctx.daemonVersion.major}:${ctx.daemonVersion.minor}` };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), socket: path };
  }
}
