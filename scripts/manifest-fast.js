// What the fast path's parser (src/cli/fast-parse.ts) must know of a command that oclif's manifest
// leaves out, read from the command class at build time; scripts/manifest.js writes it into
// oclif.manifest.json (test/unit/cli/fast-parse.test.ts computes it the same way):
//   flag "default"  a boolean flag's default (oclif writes only an option flag's).
//   flag "fast"   how the fast path reads the flag when it is given: "as-is" (oclif's own parse,
//                 which hands back the value as typed, or a boolean's own), or the name of a check
//                 it repeats (a flag whose parse is marked with `fastCheck`, src/cli/flags.ts).
//                 Absent: when the flag is given, oclif parses the line.
//   flag "min", "max"  an integer flag's bounds (fast "integer"), which oclif's manifest leaves out.
//   command "fast"  true when nothing the fast path does not repeat happens for a flag or an
//                 argument that is not given (a required flag, an environment variable, a default
//                 computed at run time, exactlyOne/atLeastOne, an argument's default or parse)
//                 and no flag has aliases; absent: every line of the command goes to oclif.
//   arg "ignoreStdin"  as the command declares it: without it, oclif reads a missing argument
//                 from stdin when stdin is not a terminal.

/** `async (a, …) => a`: a parse that hands back its input (oclif's string and boolean parse). */
const AS_IS = /^async\s*\(?\s*([A-Za-z_$][\w$]*)\s*(?:,\s*[A-Za-z_$][\w$]*\s*)*\)?\s*=>\s*\1$/;

const isAsIs = (parse) => typeof parse === 'function' && AS_IS.test(String(parse));
const some = (list) => Array.isArray(list) && list.length > 0;
const plainNames = (list) => list === undefined || (Array.isArray(list) && list.every((n) => typeof n === 'string'));

/** How the fast path reads a given value of `flag` (a flag definition of a command class), or undefined. */
export function flagReading(flag) {
  if (flag.type !== 'boolean' && flag.type !== 'option') return undefined;
  if (flag.deprecated || flag.allowStdin || flag.delimiter || flag.multipleNonGreedy) return undefined;
  if (some(flag.relationships) || some(flag.combinable)) return undefined;
  if (!plainNames(flag.exclusive) || !plainNames(flag.dependsOn)) return undefined;
  if (isAsIs(flag.parse)) return 'as-is';
  const check = flag.type === 'option' ? flag.parse?.fastCheck : undefined;
  return typeof check === 'string' ? check : undefined;
}

/** Whether a flag does something when not given that the fast path does not repeat. */
function actsWhenAbsent(flag, cached) {
  if (flag.required || flag.env || some(flag.exactlyOne) || some(flag.atLeastOne)) return true;
  if (typeof flag.default === 'function' || flag.noCacheDefault) return true;
  // The manifest's default must be the one oclif applies.
  return flag.default !== cached.default;
}

/**
 * Whether the fast path can read an argument as oclif does: any word (or one of its `options`), kept
 * as typed. A required one too: the manifest says so, and a line without it goes to oclif
 * (fastParse), which reports it.
 */
function plainArg(arg) {
  const options =
    arg.options === undefined || (Array.isArray(arg.options) && arg.options.every((o) => typeof o === 'string'));
  return !arg.multiple && options && arg.default === undefined && isAsIs(arg.parse);
}

/**
 * Adds the fast path's fields to `cached` (the command's manifest entry) from `cmd` (its class, as
 * loaded). `jsonFlag`: oclif's --json (a plain boolean flag), which it adds to the flags it parses
 * with as its aggregateFlags does when the command enables it.
 */
export function addFastFields(cached, cmd, jsonFlag) {
  const flags = { ...(cmd.enableJsonFlag ? { json: jsonFlag } : {}), ...cmd.baseFlags, ...cmd.flags };
  let fast = cmd['--'] !== false;
  for (const [name, flag] of Object.entries(flags)) {
    const entry = cached.flags[name];
    if (!entry) throw new Error(`${cached.id} --${name}: not in the manifest`);
    if (flag.type === 'boolean' && flag.default !== undefined) {
      if (typeof flag.default !== 'boolean')
        throw new Error(`${cached.id} --${name}: a boolean flag's default must be true or false`);
      entry.default = flag.default;
    }
    if (some(flag.aliases) || some(flag.charAliases) || actsWhenAbsent(flag, entry)) fast = false;
    const reading = flagReading(flag);
    if (reading) entry.fast = reading;
    // An integer's bounds, which its parse checks (src/cli/flags.ts, fastInteger).
    if (reading === 'integer')
      for (const bound of ['min', 'max']) if (typeof flag[bound] === 'number') entry[bound] = flag[bound];
  }
  for (const [name, arg] of Object.entries(cmd.args ?? {})) {
    if (!plainArg(arg)) fast = false;
    if (arg.ignoreStdin) cached.args[name].ignoreStdin = true;
  }
  if (fast) cached.fast = true;
}
