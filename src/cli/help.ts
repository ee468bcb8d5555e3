// oclif's help, as `pcsc --help`, `pcsc -h`, `pcsc help [COMMAND]` and `pcsc COMMAND -h` show it
// (package.json oclif.helpClass): a subject that is no command is the usual one-line usage error
// with the nearest command, not oclif's "Command … not found." block.

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
}
