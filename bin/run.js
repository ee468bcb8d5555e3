#!/usr/bin/env node
// oclif entry point. Kept minimal: start-up time is measured in bench/.
import module from 'node:module';

// Node ≥ 22.1 caches compiled code between runs (most of our start-up is compiling oclif); a no-op on 20.
module.enableCompileCache?.();
const { execute } = await import('@oclif/core/execute');

// `pcsc --version [--verbose]` is our `version` command, so it can report the daemon too; only
// when no command comes first (`pcsc scan --version` stays scan's own usage error).
const argv = process.argv.slice(2);
const asVersion = argv.includes('--version') && !argv.includes('--help') && argv[0]?.startsWith('-');
// `pcsc help [COMMAND]` is `pcsc [COMMAND] --help` (src/cli/help.ts answers an unknown COMMAND).
const args = asVersion
  ? ['version', ...argv.filter((a) => a !== '--version')]
  : argv[0] === 'help'
    ? [...argv.slice(1), '--help']
    : argv;
await execute({ dir: import.meta.url, args });
