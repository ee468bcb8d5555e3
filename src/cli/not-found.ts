// oclif's command_not_found hook: an unknown command is a usage error like any other (one `pcsc:`
// line, or the --json error object, and exit 2) instead of oclif's own "›   Error:" block, with the
// nearest command when the word looks like a typo of one.

import type { Interfaces } from '@oclif/core';

type Config = Interfaces.Config;
import type { Hook } from '@oclif/core/hooks';
import { UsageError } from '../core/index.js';
import { describeFailure } from './errors.js';
import { nearest } from './suggest.js';

/** The commands `pcsc --help` lists: not hidden, and not an alias's second entry. */
export function listedCommands(config: Config): string[] {
  return config.commands
    .filter((c) => !c.hidden && !(c.aliases ?? []).includes(c.id) && !c.id.includes(':'))
    .map((c) => c.id)
    .sort();
}

/** The one line for a word that is no command: the nearest command, else the list of them. */
export function unknownCommandMessage(word: string, config: Config): string {
  const known = listedCommands(config);
  if (word.startsWith('-'))
    return `${word} is not a command or a global flag (pcsc takes --help, or --version [--verbose]); commands: ${known.join(', ')}`;
  const near = nearest(
    word,
    config.commandIDs.filter((c) => !c.includes(':')),
  );
  return near
    ? `unknown command "${word}"; did you mean ${near}? (pcsc --help lists the commands)`
    : `unknown command "${word}"; commands: ${known.join(', ')} (pcsc --help)`;
}

/** Reports a usage error outside any command: one line on stderr, or the --json error on stdout. */
export function reportUsage(message: string, json: boolean): void {
  const f = describeFailure(new UsageError(message));
  process.exitCode = f.exitCode;
  if (json) process.stdout.write(`${JSON.stringify({ error: f.json }, null, 2)}\n`);
  else process.stderr.write(`pcsc: ${f.message}\n`);
}

const hook: Hook.CommandNotFound = async function (opts) {
  const id = opts.id.replace(/:/g, ' ');
  reportUsage(unknownCommandMessage(id, opts.config), opts.argv?.includes('--json') === true || id === '--json');
};

export default hook;
