// `pcsc ssh-check PROVIDER`: would ssh-agent load this PKCS#11 provider, and the fixes. The body of
// src/commands/ssh-check.ts, shared with the fast path (src/cli/fast.ts).

// Imported statically: this module is itself loaded on use (by the command or the fast path), and a
// bundler keeps every export of what a dynamic import names.
import { UsageError } from '../../core/index.js';
import { runSshCheck, type SshCheckResult } from '../../core/ssh/index.js';
import type { CommandIo } from '../command-io.js';
import { ExitCode } from '../exit-codes.js';
import { renderSshCheck } from '../render/ssh-check.js';
import { makeStyle } from '../style.js';

export interface SshCheckFlags {
  'allowed-providers'?: string | undefined;
}

export async function runSshCheckCommand(
  provider: string,
  flags: SshCheckFlags,
  io: CommandIo,
): Promise<SshCheckResult> {
  // '' would resolve to the working directory, and ssh-add -s '' is no provider either.
  if (provider.trim() === '')
    throw new UsageError(
      'give the provider path, as you would to ssh-add -s (e.g. /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so)',
    );
  const result = await runSshCheck({ provider, allowedProviders: flags['allowed-providers'], signal: io.signal });
  if (!io.jsonEnabled()) for (const line of renderSshCheck(result, await makeStyle())) io.log(line);
  if (!result.accepted) process.exitCode = ExitCode.CHECK_FAILED;
  return result;
}
