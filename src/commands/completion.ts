// `pcsc completion [bash|zsh]`: the completion script for every command, flag and argument.
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import type { CompletionResult } from '../cli/completion.js';
import type { CompletableCommand } from '../cli/completion/command.js';

const SHELLS = ['bash', 'zsh'] as const;

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script for bash or zsh';
  static override description =
    'Writes a completion script for every pcsc command and flag to standard output (with --json: {shell, script}). Without a shell name it writes the script for your login shell ($SHELL). The script completes --reader with the names of the readers pcscd sees (asking pcscd as you press TAB, for at most 1 second), and `pcsc doctor` with its check ids and categories.';
  static override examples = [
    '<%= config.bin %> completion bash > ~/.local/share/bash-completion/completions/pcsc',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_pcsc"',
    'source <(<%= config.bin %> completion)',
  ];
  static exitCodes = {
    0: 'the script was printed',
    2: 'usage error: not bash or zsh, or no shell named and $SHELL is neither',
  };
  static override args = {
    shell: Args.string({ options: [...SHELLS], description: 'bash or zsh (default: from $SHELL)' }),
  };
  static override flags = {
    // What the scripts ask for at completion time: reader names, one per line, from pcscd.
    values: Flags.string({ options: ['readers'], hidden: true }),
    socket: Flags.string({ hidden: true, helpValue: 'PATH' }),
  };

  async run(): Promise<CompletionResult | { values: string[] }> {
    const { args, flags } = await this.parse(Completion);
    const { runCompletion, lacksCheckWords, withCheckWords } = await import('../cli/completion/command.js');
    let commands = this.config.commands as CompletableCommand[];
    // A manifest the build wrote holds the check words; without one (oclif read the classes), the checks.
    if (commands.some(lacksCheckWords)) {
      const { listChecks } = await import('../core/doctor/index.js');
      commands = withCheckWords(commands, listChecks);
    }
    return runCompletion(flags, args.shell, commands, this.config.bin, this);
  }
}
