// oclif's command_not_found hook: an unknown command is a usage error like any other (one `pcsc:`
// line, or the --json error object, and exit 2) instead of oclif's own "›   Error:" block.

import type { Hook } from '@oclif/core/hooks';
import { ExitCode } from './exit-codes.js';

const hook: Hook.CommandNotFound = async function (opts) {
  const id = opts.id.replace(/:/g, ' ');
  const known = opts.config.commandIDs.filter((c) => !c.includes(':')).sort().join(', ');
  const message = id.startsWith('-')
    ? `${id} is not a command or a global flag (pcsc takes --help, or --version [--verbose]); commands: ${known}`
    : `unknown command "${id}"; commands: ${known} (pcsc --help)`;
  process.exitCode = ExitCode.USAGE;
  if (opts.argv?.includes('--json') || id === '--json') process.stdout.write(`${JSON.stringify({ error: { code: 'EUSAGE', name: 'USAGE', message } }, null, 2)}\n`);
  else process.stderr.write(`pcsc: ${message}\n`);
};

export default hook;
