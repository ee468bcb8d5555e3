// `pcsc completion bash|zsh`: the completion script for every command, flag and argument.
import * as Args from '@oclif/core/args';
import { BaseCommand } from '../cli/base.js';
import { bashCompletion, zshCompletion, type CompletionCommand, type CompletionResult } from '../cli/completion.js';

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script for bash or zsh';
  static override description =
    'Writes a completion script for every pcsc command and flag to standard output (with --json: {shell, script}).';
  static override examples = [
    '<%= config.bin %> completion bash > ~/.local/share/bash-completion/completions/pcsc',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_pcsc"',
  ];
  static exitCodes = { 0: 'the script was printed', 2: 'usage error: no shell, or not bash or zsh' };
  static override args = {
    shell: Args.string({ required: true, options: ['bash', 'zsh'], description: 'bash or zsh' }),
  };

  async run(): Promise<CompletionResult> {
    const { args } = await this.parse(Completion);
    const cmds: CompletionCommand[] = this.config.commands
      // oclif lists each alias again as a command of its own (id = the alias): keep the real ones.
      .filter((c) => !c.hidden && !(c.aliases ?? []).includes(c.id))
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
        args: Object.values(c.args ?? {}).map((a) => ({
          name: a.name,
          options: a.options,
          required: a.required,
          description: a.description,
        })),
        strict: c.strict,
      }));
    const shell = args.shell === 'zsh' ? 'zsh' : 'bash';
    const script = (shell === 'zsh' ? zshCompletion : bashCompletion)(this.config.bin, cmds).trimEnd();
    if (!this.jsonEnabled()) this.log(script);
    return { shell, script };
  }
}
