// `pcsc --version --verbose`: which pcscd answers, and at which protocol.

import { Context } from '../../core/index.js';
import { resolveSocketPath } from '../../core/internal.js';
import type { VersionDaemon } from './result.js';

export async function probeDaemon(socket: string | undefined): Promise<VersionDaemon> {
  const { path, source } = resolveSocketPath({ path: socket });
  try {
    await using ctx = await Context.establish({ backend: 'pcscd', socket: path, requestTimeout: 5000 });
    return {
      protocol: ctx.info.protocol ?? '',
      daemonVersion: ctx.info.daemonVersion ?? '',
      socket: path,
      source,
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), socket: path, source };
  }
}
