// `pcsc completion [bash|zsh]`'s body, run by oclif's command (src/commands/completion.ts) and by
// the fast path (src/cli/fast.ts) alike: the scripts are made from the commands as
// oclif.manifest.json describes them (oclif's config.commands, or the manifest read directly), with
// the doctor's check words the build wrote there (withCheckWords, scripts/manifest.js). Neither oclif nor
// the checks load.
import type { CommandIo } from '../command-io.js';
import {
  bashCompletion,
  zshCompletion,
  type CompletionCommand,
  type CompletionResult,
  type DynamicValues,
} from '../completion.js';
import { UsageError } from '../../core/index.js';

/** A command as oclif.manifest.json (and so oclif's config.commands) describes it: what completion reads. */
export interface CompletableCommand {
  id: string;
  aliases?: readonly string[];
  hidden?: boolean;
  summary?: string;
  strict?: boolean;
  flags?: Record<
    string,
    {
      type: string;
      char?: string;
      hidden?: boolean;
      options?: readonly string[];
      summary?: string;
      description?: string;
    }
  >;
  args?: Record<string, { name: string; options?: readonly string[]; required?: boolean; description?: string }>;
  /** What the command declares for completion (doctor: its check ids and categories). */
  completeArgs?: 'checks';
  completeFlags?: Record<string, 'categories'>;
  /** The check words, written by scripts/manifest.js (withCheckWords) where the two above ask for them. */
  completeWords?: CheckWords;
}

interface CheckWords {
  ids: string[];
  categories: string[];
}

/** The shell to write for: the one named, else the login shell ($SHELL) when it is bash or zsh. */
export function pickShell(named: string | undefined, loginShell: string | undefined): 'bash' | 'zsh' | undefined {
  if (named === 'bash' || named === 'zsh') return named;
  const base = (loginShell ?? '').split('/').pop() ?? '';
  return base === 'bash' || base === 'zsh' ? base : undefined;
}

export async function runCompletion(
  flags: { values?: string; socket?: string },
  shellArg: string | undefined,
  commands: readonly CompletableCommand[],
  bin: string,
  io: CommandIo,
): Promise<CompletionResult | { values: string[] }> {
  if (flags.values) {
    const { dynamicValues } = await import('./values.js');
    const { values, late } = await dynamicValues(flags.values as DynamicValues, flags.socket);
    if (!io.jsonEnabled()) for (const v of values) io.log(v);
    // pcscd did not answer in time: do not wait for its socket to give up too.
    if (late) setImmediate(() => process.exit(0));
    return { values };
  }
  const shell = pickShell(shellArg, process.env.SHELL);
  if (!shell) {
    const login = process.env.SHELL;
    throw new UsageError(
      `which shell? $SHELL is ${login ? `"${login}"` : 'not set'}: run \`pcsc completion bash\` or \`pcsc completion zsh\``,
    );
  }
  const script = (shell === 'zsh' ? zshCompletion : bashCompletion)(bin, completionCommands(commands)).trimEnd();
  if (!io.jsonEnabled()) io.log(script);
  return { shell, script };
}

/** The commands the scripts complete, from their manifest entries. */
export function completionCommands(commands: readonly CompletableCommand[]): CompletionCommand[] {
  return (
    commands
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
            type: f.type === 'boolean' ? ('boolean' as const) : ('option' as const),
            options:
              f.type === 'option'
                ? (f.options ?? (c.completeFlags?.[name] === 'categories' ? words(c).categories : undefined))
                : undefined,
            ...(name === 'reader' ? { dynamic: 'readers' as const } : {}),
            description: f.summary ?? f.description,
          })),
        args: Object.values(c.args ?? {}).map((a) => ({
          name: a.name,
          options: a.options ?? (c.completeArgs === 'checks' ? [...words(c).ids, ...words(c).categories] : undefined),
          required: a.required,
          description: a.description,
        })),
        strict: c.strict,
      }))
  );
}

/** A command's check words, which withCheckWords gave it. */
function words(c: CompletableCommand): CheckWords {
  if (!c.completeWords)
    throw new Error(`${c.id}: no completeWords (npm run build writes them into oclif.manifest.json)`);
  return c.completeWords;
}

/** Whether a command completes with the doctor's check words and has none yet. */
export function lacksCheckWords(c: CompletableCommand): boolean {
  return (
    !c.completeWords && (c.completeArgs === 'checks' || Object.values(c.completeFlags ?? {}).includes('categories'))
  );
}

/**
 * The commands, each that completes with the doctor's check words given them (`completeWords`):
 * ids in order, categories once each in order of first use. scripts/manifest.js writes them into
 * oclif.manifest.json at every build, from the checks themselves (listChecks), so that printing the
 * scripts loads no check; test/unit/cli/completion-words.test.ts holds the built manifest to them.
 */
export function withCheckWords<T extends CompletableCommand>(
  commands: readonly T[],
  listChecks: () => readonly { id: string; category: string }[],
): T[] {
  let found: CheckWords | undefined;
  return commands.map((c) => {
    if (!lacksCheckWords(c)) return c;
    if (!found) {
      const checks = listChecks();
      found = { ids: checks.map((k) => k.id), categories: [...new Set(checks.map((k) => k.category))] };
    }
    return { ...c, completeWords: found };
  });
}
