// `pcsc version` (`pcsc --version [--verbose]`): the body of src/commands/version.ts, shared with the
// fast path (src/cli/fast.ts).

import type { CommandIo } from '../command-io.js';
import type { VersionResult } from './result.js';

export interface VersionFlags {
  verbose?: boolean | undefined;
  socket?: string | undefined;
}

/** `version`: the package's; `bin`: the command's name (oclif's config.bin). */
export async function runVersion(
  flags: VersionFlags,
  pkg: { version: string; bin: string },
  io: CommandIo,
): Promise<VersionResult> {
  const result: VersionResult = {
    version: pkg.version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  if (flags.verbose) {
    const { probeDaemon } = await import('./daemon.js');
    result.daemon = await probeDaemon(flags.socket, io.signal);
  }
  if (!io.jsonEnabled()) {
    const { renderVersion } = await import('./render.js');
    for (const l of renderVersion(pkg.bin, result)) io.log(l);
  }
  return result;
}
