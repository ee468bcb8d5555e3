// oclif's help, as `pcsc --help`, `pcsc -h`, `pcsc help [COMMAND]` and `pcsc COMMAND -h` show it
// (package.json oclif.helpClass): a subject that is no command is the usual one-line usage error
// with the nearest command, not oclif's "Command … not found." block. The docs/*.md files the
// help names ship in the package: they are shown with the path they have here, so that they open.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '@oclif/core/command';
import { Help } from '@oclif/core/help';
import { reportUsage, unknownCommandMessage } from './not-found.js';

export default class PcscHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    const words = argv.filter((a) => !a.startsWith('-'));
    const [subject] = words;
    if (subject !== undefined && !this.config.findCommand(subject)) {
      reportUsage(unknownCommandMessage(subject, this.config), argv.includes('--json'));
      return;
    }
    return super.showHelp(subject === undefined ? [] : [subject]);
  }

  override formatCommand(command: Command.Loadable): string {
    const root = this.config.root;
    const fix = <T extends string | undefined>(t: T): T => (t === undefined ? t : (docPaths(t, root) as T));
    const flags = Object.fromEntries(
      Object.entries(command.flags).map(([name, f]) => [name, { ...f, description: fix(f.description) }]),
    );
    // Before oclif wraps the text: the paths are longer than the words they replace.
    return super.formatCommand({ ...command, description: fix(command.description), flags });
  }
}

/** `docs/scan.md` → its path in the installed package, when the file is there. */
export function docPaths(text: string, root: string): string {
  return text.replace(/\bdocs\/[a-z0-9-]+\.md\b/g, (ref) => (existsSync(join(root, ref)) ? join(root, ref) : ref));
}
