#!/usr/bin/env node
// oclif entry point. Kept minimal: start-up time is measured in bench/.
import { execute } from '@oclif/core';

// `pcsc --version [--verbose]` is our `version` command, so it can report the daemon too.
const argv = process.argv.slice(2);
const args = argv.includes('--version') && !argv.includes('--help') ? ['version', ...argv.filter((a) => a !== '--version')] : argv;
await execute({ dir: import.meta.url, args });
