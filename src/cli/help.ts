// oclif's help, as `pcsc --help`, `pcsc -h`, `pcsc help [COMMAND]` and `pcsc COMMAND -h` show it
// (package.json oclif.helpClass): a subject that is no command is the usual one-line usage error
// with the nearest command, not oclif's "Command … not found." block. The docs/*.md files the
// help names ship in the package: a last section gives the path they have here, so that they open.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '@oclif/core/command';
import { Help } from '@oclif/core/help';

export default class PcscHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    const words = argv.filter((a) => !a.startsWith('-'));
    const [subject] = words;
    if (subject !== undefined && !this.config.findCommand(subject)) {
      // Loaded only then: the usage error's modules are no part of showing help.
      const { reportUsage, unknownCommandMessage } = await import('./not-found.js');
      reportUsage(unknownCommandMessage(subject, this.config), argv.includes('--json'));
      return;
    }
    return super.showHelp(subject === undefined ? [] : [subject]);
  }

  /** Then the docs/*.md files the help names, by their path in the installed package, one a line. */
  override formatCommand(command: Command.Loadable): string {
    const help = super.formatCommand(command);
    const paths = docFiles(JSON.stringify([command.description, command.flags]), this.config.root);
    return paths.length ? `${help}\n\n${this.section('DOCUMENTATION', paths.join('\n'))}` : help;
  }
}

/** The installed paths of the docs/*.md files `text` names, when they are there. */
export function docFiles(text: string, root: string): string[] {
  const refs = [...new Set(text.match(/\bdocs\/[a-z0-9-]+\.md\b/g) ?? [])].sort();
  return refs.map((ref) => join(root, ref)).filter((p) => existsSync(p));
}
