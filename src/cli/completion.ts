// Shell completion scripts for bash and zsh, generated from the commands' flag and argument metadata.

/** `pcsc completion --json`: the script, as printed without --json. */
export interface CompletionResult {
  shell: 'bash' | 'zsh';
  script: string;
}

export interface CompletionFlag {
  name: string;
  char?: string;
  /** 'boolean' flags take no value. */
  type: 'boolean' | 'option';
  options?: readonly string[];
  /** Values asked for at completion time: 'readers' runs `BIN completion --values readers`. */
  dynamic?: DynamicValues;
  description?: string;
}

/** What `pcsc completion --values KIND` prints, one per line, for the script to offer. */
export type DynamicValues = 'readers';

export interface CompletionArg {
  name: string;
  options?: readonly string[];
  required?: boolean;
  description?: string;
}

export interface CompletionCommand {
  id: string;
  aliases: readonly string[];
  summary?: string;
  flags: readonly CompletionFlag[];
  /** Positional arguments in order (none: the command takes only flags). */
  args?: readonly CompletionArg[];
  /** false: takes any number of further arguments (like `doctor ID…`), completed as the last argument is. */
  strict?: boolean;
}

const ident = (id: string): string => id.replace(/[^A-Za-z0-9]/g, '_');
const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const takesWords = (c: CompletionCommand): boolean => (c.args?.length ?? 0) > 0 || c.strict === false;

// An empty reply lets bash fall back to file names (`complete -o default`): right for paths,
// which is what flags without a fixed set of values and most arguments take.
export function bashCompletion(bin: string, cmds: readonly CompletionCommand[]): string {
  const names = cmds.flatMap((c) => [c.id, ...c.aliases]);
  const cases = cmds
    .map((c) => {
      const words = c.flags.flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]).join(' ');
      const values = c.flags
        .filter((f) => f.type === 'option')
        .map((f) => {
          const pat = [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])].join('|');
          const reply = f.options
            ? `COMPREPLY=($(compgen -W ${sq(f.options.join(' '))} -- "$cur"))`
            : f.dynamic
              ? `_${ident(bin)}_values ${f.dynamic}`
              : 'COMPREPLY=()';
          return `        ${pat}) ${reply}; return ;;\n`;
        })
        .join('');
      const argOptions = c.args?.find((a) => a.options)?.options;
      const rest = argOptions
        ? `COMPREPLY=($(compgen -W ${sq(argOptions.join(' '))} -- "$cur"))`
        : takesWords(c)
          ? 'COMPREPLY=()'
          : `COMPREPLY=($(compgen -W ${sq(words)} -- "$cur"))`;
      return `    ${[c.id, ...c.aliases].join('|')})\n      case "$prev" in\n${values}      esac\n      case "$cur" in\n        -*) COMPREPLY=($(compgen -W ${sq(words)} -- "$cur")) ;;\n        *) ${rest} ;;\n      esac ;;`;
    })
    .join('\n');
  return `# bash completion for ${bin}; install: ${bin} completion bash > ~/.local/share/bash-completion/completions/${bin}
# Values only pcscd knows (reader names): asked at completion time from the pcsc being completed
# (it gives up after 1 s), each quoted as one word.
_${ident(bin)}_values() {
  local IFS=$'\\n' v word="\${cur//\\\\/}"
  word=\${word#[\\"\\']}
  COMPREPLY=()
  for v in $("\${COMP_WORDS[0]}" completion --values "$1" 2>/dev/null); do
    [[ "$v" == "$word"* ]] && COMPREPLY+=("$(printf '%q' "$v")")
  done
}
_${ident(bin)}() {
  local cur prev cmd
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  # --flag=value: bash splits it into "--flag" "=" "value".
  if [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then prev="\${COMP_WORDS[COMP_CWORD-2]}"; fi
  if [ "$cur" = "=" ]; then cur=""; fi
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${sq([...names, 'help', '--help', '-h', '--version'].join(' '))} -- "$cur"))
    return
  fi
  case "$cmd" in
    help) [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W ${sq(names.join(' '))} -- "$cur")) ;;
${cases}
  esac
}
complete -o bashdefault -o default -F _${ident(bin)} ${bin}
`;
}

/** The zsh spec of the further arguments of a non-strict command: the last argument's values, else files. */
function restOf(c: CompletionCommand): string {
  const last = c.args?.[c.args.length - 1];
  const esc = (s: string): string => s.replace(/[[\]:]/g, (m) => `\\${m}`);
  return last?.options ? `${esc(last.description ?? last.name)}:(${last.options.join(' ')})` : 'argument:_files';
}

export function zshCompletion(bin: string, cmds: readonly CompletionCommand[]): string {
  const esc = (s: string): string => s.replace(/[[\]:]/g, (m) => `\\${m}`);
  const list = cmds
    .flatMap((c) => [c.id, ...c.aliases].map((n) => `    ${sq(`${n}:${esc(c.summary ?? '')}`)}`))
    .join('\n');
  const cases = cmds
    .map((c) => {
      const specs = c.flags
        .map((f) => {
          const desc = esc(f.description ?? '');
          const value =
            f.type === 'option'
              ? f.options
                ? `:${f.name}:(${f.options.join(' ')})`
                : f.dynamic
                  ? `:${f.name}:_${ident(bin)}_values ${f.dynamic}`
                  : `:${f.name}:_files`
              : '';
          const names = f.char ? `{-${f.char},--${f.name}}` : `--${f.name}`;
          return `        ${f.char ? `'(-${f.char} --${f.name})'` : ''}${names}${sq(`[${desc}]${value}`)}`;
        })
        .concat(
          (c.args ?? []).map(
            (a) =>
              `        ${sq(`${a.required ? '' : ':'}:${esc(a.description ?? a.name)}:${a.options ? `(${a.options.join(' ')})` : '_files'}`)}`,
          ),
        )
        .concat(c.strict === false ? [`        ${sq(`*:${restOf(c)}`)}`] : [])
        .join(' \\\n');
      return `    ${[c.id, ...c.aliases].join('|')})\n      _arguments -s \\\n${specs} ;;`;
    })
    .join('\n');
  return `#compdef ${bin}
# zsh completion for ${bin}; install: ${bin} completion zsh > "\${fpath[1]}/_${bin}"
# Values only pcscd knows (reader names): asked at completion time from the pcsc being completed
# (it gives up after 1 s).
# _arguments calls it with compadd's options first: the kind is the last word.
_${ident(bin)}_values() {
  local -a values
  values=(\${(f)"$(\${_${ident(bin)}_bin:-${bin}} completion --values \${@[-1]} 2>/dev/null)"})
  compadd "\${@[1,-2]}" -a values
}
_${ident(bin)}() {
  local _${ident(bin)}_bin=\${words[1]}
  local -a commands helpword
  helpword=('help:Show help for ${bin} or for one of its commands')
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands '${bin} command' commands -- helpword
    return
  fi
  local cmd=\${words[2]}
  shift words; (( CURRENT-- ))
  case $cmd in
    help)
      (( CURRENT == 2 )) && _describe -t commands '${bin} command' commands ;;
${cases}
  esac
}
# Autoloaded from $fpath (the file is _${bin}): complete now; sourced: register.
if [ "$funcstack[1]" = "_${ident(bin)}" ]; then _${ident(bin)} "$@"; else compdef _${ident(bin)} ${bin}; fi
`;
}
