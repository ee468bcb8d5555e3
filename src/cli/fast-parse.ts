// The fast path's parser (src/cli/fast.ts): the parse oclif 4's parser would make of a command line,
// read from oclif.manifest.json, for the lines it can make exactly as oclif does; for any other
// line (help, an error to report, a flag only oclif reads, anything doubtful) undefined, and oclif
// parses it. It follows node_modules/@oclif/core/lib/parser/parse.js and validate.js:
// `--name value`, `--name=value`, `-c value`, `-cvalue`, `-c=value`, booleans grouped (`-rn`) and
// negated (`--no-name`), `options` lists, integers, `multiple` flags (which take every word after
// them until the next flag, as oclif's do), defaults, exclusive flags and dependsOn; a line without
// a required argument goes to oclif. scripts/manifest-fast.js adds what the manifest lacks: how each
// flag's value is read, and whether the command's flags and arguments do anything when not given.
// test/unit/cli/fast-parse.test.ts compares it with oclif's parser.

import { checkReaderSpec } from '../core/internal.js';

/** What oclif.manifest.json says of a flag (scripts/manifest.js adds boolean defaults and `fast`). */
export interface ManifestFlag {
  name: string;
  type: 'boolean' | 'option';
  char?: string;
  allowNo?: boolean;
  multiple?: boolean;
  options?: string[];
  default?: unknown;
  exclusive?: string[];
  dependsOn?: string[];
  /** How the fast path reads a given value: "as-is", or the name of a parse it repeats (READINGS); absent: oclif only. */
  fast?: string;
  /** An integer flag's bounds (fast "integer"). */
  min?: number;
  max?: number;
}

export interface ManifestCommand {
  state?: string;
  strict?: boolean;
  /** Set when the command's flags and arguments do nothing when not given that fastParse does not repeat. */
  fast?: boolean;
  flags: Record<string, ManifestFlag>;
  /** `ignoreStdin`: added by scripts/manifest-fast.js when the command declares it. */
  args: Record<string, { required?: boolean; ignoreStdin?: boolean; options?: string[] }>;
}

export interface FastParse {
  flags: Record<string, unknown>;
  /** The words (arguments), in the order given (oclif's raw arg tokens). */
  words: string[];
  /** oclif's `argv`: the words sorted by where each first appears in the line ("a b a" → "a a b"). */
  argv: string[];
  json: boolean;
  /**
   * Whether oclif would read stdin for a missing argument (one without ignoreStdin), unless stdin
   * is a terminal: the parse holds only if that read gets nothing.
   */
  readsStdin: boolean;
}

/**
 * The parses of a flag's value that the fast path repeats, by the name its `fast` gives
 * (src/cli/flags.ts): each hands back the value oclif's parse would, or throws where oclif's does.
 */
const READINGS: Record<string, (value: string, flag: ManifestFlag) => unknown> = {
  reader: (value) => {
    checkReaderSpec(value);
    return value;
  },
  // oclif's Flags.integer (node_modules/@oclif/core/lib/flags.js).
  integer: (value, flag) => {
    if (!/^-?\d+$/.test(value)) throw new Error('not an integer');
    const n = Number.parseInt(value, 10);
    if ((flag.min !== undefined && n < flag.min) || (flag.max !== undefined && n > flag.max))
      throw new Error('out of bounds');
    return n;
  },
};

const own = <T>(o: Record<string, T>, key: string): T | undefined => (Object.hasOwn(o, key) ? o[key] : undefined);

/**
 * The parse oclif would make of `argv` (the words after the command), or undefined when oclif
 * must decide.
 */
export function fastParse(cmd: ManifestCommand, argv: readonly string[]): FastParse | undefined {
  if (cmd.fast !== true || cmd.state === 'deprecated') return undefined;
  const defs = Object.values(cmd.flags);
  // The flag a dash word names, as oclif's findFlag (aliases aside: a fast command has none).
  const find = (word: string): ManifestFlag | undefined => {
    if (word.startsWith('--')) {
      const name = word.slice(2);
      const flag = own(cmd.flags, name);
      if (flag) return flag;
      const negated = name.startsWith('no-') ? own(cmd.flags, name.slice(3)) : undefined;
      return negated?.type === 'boolean' && negated.allowNo ? negated : undefined;
    }
    const char = word[1];
    return char === undefined ? undefined : defs.find((f) => f.char === char);
  };

  // Each given flag's inputs, in order: a value, or for a boolean the word that set it.
  const given = new Map<ManifestFlag, string[]>();
  const words: string[] = [];
  // oclif's currentFlag: the last option flag read; a multiple one takes the words that follow.
  let current: ManifestFlag | undefined;
  const queue = [...argv];
  for (let word = queue.shift(); word !== undefined; word = queue.shift()) {
    if (!word.startsWith('-') || word === '-') {
      if (current?.multiple) given.get(current)?.push(word);
      else words.push(word);
      continue;
    }
    let flag = find(word);
    let long = word.startsWith('--');
    if (!flag) {
      // --name=VALUE: oclif reads VALUE as the word after --name. An unknown flag, `--`, a
      // negative number, a boolean given a value: oclif's (an error, or an argument).
      const eq = word.indexOf('=');
      flag = eq === -1 ? undefined : find(word.slice(0, eq));
      if (flag?.type !== 'option') return undefined;
      queue.unshift(word.slice(eq + 1));
      word = word.slice(0, eq);
      long = word.startsWith('--');
    }
    if (flag.fast === undefined) return undefined;
    const inputs = given.get(flag) ?? [];
    given.set(flag, inputs);
    if (flag.type === 'boolean') {
      inputs.push(word);
      // -rn: -r, then -n
      if (!long && word.length > 2) queue.unshift(`-${word.slice(2)}`);
      continue;
    }
    // "Flag --NAME can only be specified once": oclif's.
    if (!flag.multiple && inputs.length > 0) return undefined;
    current = flag;
    const value = long || word.length < 3 ? queue.shift() : word.slice(word[2] === '=' ? 3 : 2);
    // No value, or one starting with a dash: oclif tells a value from a flag by rules of its own
    // (and reports a missing one); `-` is a value (stdin).
    if (value === undefined || (value.startsWith('-') && value !== '-')) return undefined;
    inputs.push(value);
  }

  const flags: Record<string, unknown> = {};
  for (const f of defs) {
    const inputs = given.get(f);
    if (!inputs) {
      if (f.default !== undefined) flags[f.name] = f.default;
      continue;
    }
    if (f.type === 'boolean') {
      flags[f.name] = inputs.at(-1) !== `--no-${f.name}`;
      continue;
    }
    const read = f.fast === 'as-is' ? (value: string): unknown => value : own(READINGS, f.fast as string);
    if (!read) return undefined;
    const values: unknown[] = [];
    for (const value of inputs) {
      // Not one of its options, or a value its parse refuses: oclif's error.
      if (f.options && !f.options.includes(value)) return undefined;
      try {
        values.push(read(value, f));
      } catch {
        return undefined;
      }
    }
    flags[f.name] = f.multiple ? values : values[0];
  }
  // oclif's validate: two exclusive flags given (a default does not count), or a flag given
  // without one it depends on (a default counts).
  const names = new Set([...given.keys()].map((f) => f.name));
  for (const f of given.keys()) {
    if (f.exclusive?.some((other) => names.has(other))) return undefined;
    if (f.dependsOn?.some((other) => flags[other] === undefined)) return undefined;
  }

  const args = Object.values(cmd.args ?? {});
  if (cmd.strict !== false && words.length > args.length) return undefined;
  // A word that is not one of its argument's options: oclif's error.
  if (words.some((w, i) => args[i]?.options && !args[i].options.includes(w))) return undefined;
  // A required argument not given: oclif's (it reads stdin for it, then reports it missing).
  if (args.slice(words.length).some((a) => a.required)) return undefined;
  const readsStdin = args.slice(words.length).some((a) => !a.ignoreStdin);
  const sorted = [...words].sort((a, b) => argv.indexOf(a) - argv.indexOf(b));
  return { flags, words, argv: sorted, json: flags.json === true, readsStdin };
}
