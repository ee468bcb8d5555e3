// oclif's command_not_found hook: an unknown command is a usage error like any other (one `pcsc:`
// line, or the --json error object, and exit 2) instead of oclif's own "›   Error:" block.

import type { Hook } from '@oclif/core/hooks';
import { UsageError } from '../core/index.js';
import { describeFailure } from './errors.js';

const hook: Hook.CommandNotFound = async function (opts) {
  const id = opts.id.replace(/:/g, ' ');
  const known = opts.config.commandIDs
    .filter((c) => !c.includes(':'))
    .sort()
    .join(', ');
  const message = id.startsWith('-')
    ? `${id} is not a command or a global flag (pcsc takes --help, or --version [--verbose]); commands: ${known}`
    : `unknown command "${id}"; commands: ${known} (pcsc --help)`;
  const f = describeFailure(new UsageError(message));
  process.exitCode = f.exitCode;
  if (opts.argv?.includes('--json') || id === '--json')
    process.stdout.write(`${JSON.stringify({ error: f.json }, null, 2)}\n`);
  else process.stderr.write(`pcsc: ${f.message}\n`);
};

export default hook;
