import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { bashCompletion, zshCompletion, type CompletionCommand } from '../cli/completion.js';

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script for bash or zsh';
  static override description = 'Writes a completion script for every pcsc command and flag to standard output.';
  static override examples = [
    '<%= config.bin %> completion bash > ~/.local/share/bash-completion/completions/pcsc',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_pcsc"',
  ];
  static override enableJsonFlag = false;
  static override args = { shell: Args.string({ required: true, options: ['bash', 'zsh'], description: 'bash or zsh' }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    const cmds: CompletionCommand[] = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        id: c.id,
        aliases: c.aliases ?? [],
        summary: c.summary,
        flags: Object.entries(c.flags ?? {})
          .filter(([, f]) => !f.hidden)
          .map(([name, f]) => ({
            name,
            char: f.char,
            type: f.type === 'boolean' ? 'boolean' : 'option',
            options: f.type === 'option' ? f.options : undefined,
            description: f.summary ?? f.description,
          })),
      }));
    const gen = args.shell === 'zsh' ? zshCompletion : bashCompletion;
    this.log(gen(this.config.bin, cmds).trimEnd());
  }
}
