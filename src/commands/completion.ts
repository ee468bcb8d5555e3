// `pcsc completion [bash|zsh]`: the completion script for every command, flag and argument.
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import {
  bashCompletion,
  zshCompletion,
  type CompletionCommand,
  type CompletionResult,
  type DynamicValues,
} from '../cli/completion.js';

const SHELLS = ['bash', 'zsh'] as const;

/** The shell to write for: the one named, else the login shell ($SHELL) when it is bash or zsh. */
export function pickShell(named: string | undefined, loginShell: string | undefined): 'bash' | 'zsh' | undefined {
  if (named === 'bash' || named === 'zsh') return named;
  const base = (loginShell ?? '').split('/').pop() ?? '';
  return base === 'bash' || base === 'zsh' ? base : undefined;
}

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
    if (flags.values) {
      const { values, late } = await dynamicValues(flags.values as DynamicValues, flags.socket);
      if (!this.jsonEnabled()) for (const v of values) this.log(v);
      // pcscd did not answer in time: do not wait for its socket to give up too.
      if (late) setImmediate(() => process.exit(0));
      return { values };
    }
    const shell = pickShell(args.shell, process.env.SHELL);
    if (!shell) {
      const { UsageError } = await import('../core/index.js');
      const login = process.env.SHELL;
      throw new UsageError(
        `which shell? $SHELL is ${login ? `"${login}"` : 'not set'}: run \`pcsc completion bash\` or \`pcsc completion zsh\``,
      );
    }
    const checks = await checkWords();
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
            options: f.type === 'option' ? (f.options ?? completeFlag(c as Extras, name, checks)) : undefined,
            ...(name === 'reader' ? { dynamic: 'readers' as const } : {}),
            description: f.summary ?? f.description,
          })),
        args: Object.values(c.args ?? {}).map((a) => ({
          name: a.name,
          options:
            a.options ?? ((c as Extras).completeArgs === 'checks' ? [...checks.ids, ...checks.categories] : undefined),
          required: a.required,
          description: a.description,
        })),
        strict: c.strict,
      }));
    const script = (shell === 'zsh' ? zshCompletion : bashCompletion)(this.config.bin, cmds).trimEnd();
    if (!this.jsonEnabled()) this.log(script);
    return { shell, script };
  }
}

/** What a command may declare for completion (doctor: its check ids and categories). */
interface Extras {
  completeArgs?: 'checks';
  completeFlags?: Record<string, 'categories'>;
}

/** A command's flag whose values are doctor's check categories (`static completeFlags`). */
function completeFlag(c: Extras, name: string, checks: CheckWords): string[] | undefined {
  return c.completeFlags?.[name] === 'categories' ? checks.categories : undefined;
}

interface CheckWords {
  ids: string[];
  categories: string[];
}

async function checkWords(): Promise<CheckWords> {
  const { listChecks } = await import('../core/doctor/index.js');
  const checks = listChecks();
  return { ids: checks.map((c) => c.id), categories: [...new Set(checks.map((c) => c.category))] };
}

/** Reader names from pcscd, or none: completion must never hang, so the whole ask is bounded to 1 s. */
async function dynamicValues(
  kind: DynamicValues,
  socket: string | undefined,
): Promise<{ values: string[]; late: boolean }> {
  if (kind !== 'readers') return { values: [], late: false };
  const { Context } = await import('../core/index.js');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ values: string[]; late: boolean }>(
    (resolve) => (timer = setTimeout(() => resolve({ values: [], late: true }), 1000)),
  );
  const ask = (async () => {
    await using ctx = await Context.establish({ backend: 'pcscd', socket, requestTimeout: 1000 });
    return { values: await ctx.listReaders(), late: false };
  })().catch(() => ({ values: [], late: false }));
  try {
    return await Promise.race([ask, late]);
  } finally {
    clearTimeout(timer);
  }
}
