// The fast path: `pcsc scan -r`, `pcsc apdu HEX…`, `pcsc atr HEX…`, `pcsc --version` and
// `pcsc doctor ID…` run in loops and pipelines, where start-up is the whole cost. Loading oclif
// costs more than the work (bench/README.md), so when the command line is one whose parse is plain
// (a command below, boolean flags, words), we parse it from oclif's own manifest and run the
// command's body (the same module oclif's command runs, src/cli/<command>/command.ts) without
// loading oclif. Anything else (help, an option with a value, `--`, an unknown flag, a parse error
// to report, oclif's environment variables) returns false and oclif runs the command as always.
// test/integration/fast-path.test.ts checks that both paths print the same and exit the same.

import { readFileSync } from 'node:fs';
import type { CommandIo } from './command-io.js';
import { termSafe } from './escape.js';
import { Interrupt } from './interrupt.js';
import { reportFailure } from './report-failure.js';

/** What oclif.manifest.json says of a flag (scripts/manifest.js adds boolean defaults). */
export interface ManifestFlag {
  name: string;
  type: 'boolean' | 'option';
  char?: string;
  allowNo?: boolean;
  default?: unknown;
  exclusive?: string[];
  dependsOn?: string[];
  relationships?: unknown[];
  aliases?: string[];
  charAliases?: string[];
  deprecated?: unknown;
  env?: string;
}

export interface ManifestCommand {
  strict?: boolean;
  state?: string;
  deprecateAliases?: boolean;
  flags: Record<string, ManifestFlag>;
  args: Record<string, { required?: boolean; options?: string[]; default?: unknown }>;
}

export interface FastParse {
  flags: Record<string, unknown>;
  /** The words (arguments), in the order given. */
  words: string[];
  json: boolean;
}

/**
 * The parse oclif would make of `argv`, when it is plain: every dash word is a boolean flag of the
 * command (`--name`, `-c`, `--no-name`), given once, with no exclusive partner and no dependency;
 * every other word an argument the command takes. Otherwise undefined (oclif decides).
 */
export function fastParse(cmd: ManifestCommand, argv: readonly string[]): FastParse | undefined {
  if (cmd.state === 'deprecated') return undefined;
  const tokens = new Map<string, [string, boolean]>();
  for (const f of Object.values(cmd.flags)) {
    if (f.type !== 'boolean' || f.dependsOn?.length || f.relationships?.length || f.deprecated) continue;
    if (f.aliases?.length || f.charAliases?.length || f.env) continue;
    tokens.set(`--${f.name}`, [f.name, true]);
    if (f.char) tokens.set(`-${f.char}`, [f.name, true]);
    if (f.allowNo) tokens.set(`--no-${f.name}`, [f.name, false]);
  }
  const given = new Map<string, boolean>();
  const words: string[] = [];
  for (const a of argv) {
    if (!a.startsWith('-')) {
      words.push(a);
      continue;
    }
    const t = tokens.get(a);
    if (!t || given.has(t[0])) return undefined;
    given.set(t[0], t[1]);
  }
  for (const name of given.keys())
    if ((cmd.flags[name]?.exclusive ?? []).some((other) => given.has(other))) return undefined;
  const args = Object.values(cmd.args ?? {});
  if (args.some((a) => a.options || a.default !== undefined)) return undefined;
  if (args.filter((a) => a.required).length > words.length) return undefined;
  if (cmd.strict !== false && words.length > args.length) return undefined;
  const flags: Record<string, unknown> = {};
  for (const f of Object.values(cmd.flags)) if (f.default !== undefined) flags[f.name] = f.default;
  for (const [name, value] of given) flags[name] = value;
  return { flags, words, json: given.get('json') === true };
}

interface FastCommand {
  /** Whether the fast path runs this parse (else oclif does). */
  takes?(p: FastParse): boolean;
  run(p: FastParse, io: CommandIo, pkg: { version: string; bin: string }): Promise<unknown>;
}

// Each body is, in the bundle, a file of its own, dist/bundle/fast-NAME.cjs, with all it uses (a
// few files load faster than the dozens of chunks code splitting makes; scripts/bundle.js).
const COMMANDS: Record<string, FastCommand> = {
  scan: {
    takes: (p) => p.flags.readers === true,
    run: async (p, io) => (await import('./scan/readers-command.js')).runReaders(p.flags as never, io),
  },
  apdu: {
    run: async (p, io) => (await import('./apdu/command.js')).runApduCommand(p.flags as never, p.words, io),
  },
  atr: {
    run: async (p, io) => (await import('./atr/command.js')).runAtr(p.flags as never, p.words, io),
  },
  version: {
    run: async (p, io, pkg) => (await import('./version/command.js')).runVersion(p.flags, pkg, io),
  },
  doctor: {
    // oclif hands doctor its argv, where repeated words are reordered: leave those to oclif.
    takes: (p) => new Set(p.words).size === p.words.length,
    run: async (p, io) => (await import('./doctor/command.js')).runDoctorCommand(p.flags, p.words, io),
  },
};

/** The environment oclif reads (DEBUG, PCSC_DEBUG, PCSC_CONTENT_TYPE, …): oclif's path then. */
function oclifEnvironment(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some((k) => k === 'DEBUG' || k.startsWith('PCSC_') || k.startsWith('OCLIF_'));
}

// console, as oclif's ux.stdout and ux.stderr write: the same bytes, the same handling of a closed pipe.
/* eslint-disable no-console */
class FastIo implements CommandIo {
  readonly interrupt = new Interrupt();
  constructor(private readonly json: boolean) {}
  get signal(): AbortSignal {
    return this.interrupt.abort.signal;
  }
  get signalExitCode(): number | undefined {
    return this.interrupt.stoppedBy;
  }
  jsonEnabled(): boolean {
    return this.json;
  }
  // As BaseCommand.log → oclif's Command.log → ux.stdout: console.log(util.format(line)), which
  // for one string is console.log(line).
  log(message = ''): void {
    if (!this.json) console.log(termSafe(message, { styled: true }));
  }
  logToStderr(message = ''): void {
    if (!this.json) console.error(termSafe(message, { styled: true }));
  }
  // As oclif's Command.logJson with no theme (the fast path leaves a terminal's JSON to oclif).
  logJson(json: unknown): void {
    console.log(JSON.stringify(json, undefined, 2));
  }
}
/* eslint-enable no-console */

/** Runs `argv` (the command first) on the fast path when it can; false: oclif must run it. */
export async function runFast(argv: readonly string[], root: URL): Promise<boolean> {
  const [id, ...rest] = argv;
  const fast = id === undefined ? undefined : COMMANDS[id];
  if (!fast || oclifEnvironment(process.env)) return false;
  let manifest: { version: string; commands: Record<string, ManifestCommand> };
  let pkg: { version: string; oclif?: { bin?: string } };
  try {
    manifest = JSON.parse(readFileSync(new URL('oclif.manifest.json', root), 'utf8')) as typeof manifest;
    pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as typeof pkg;
  } catch {
    return false;
  }
  // oclif warns about a manifest of another version: let it.
  if (manifest.version !== pkg.version) return false;
  const cmd = manifest.commands[id as string];
  const parse = cmd && fastParse(cmd, rest);
  if (!parse || (fast.takes && !fast.takes(parse))) return false;
  // A terminal may get coloured JSON (a user's oclif theme): oclif's path.
  if (parse.json && (process.stdout.isTTY || process.env.FORCE_COLOR !== undefined)) return false;
  const io = new FastIo(parse.json);
  io.interrupt.install();
  let result: unknown;
  try {
    result = await fast.run(parse, io, { version: pkg.version, bin: pkg.oclif?.bin ?? 'pcsc' });
  } catch (err) {
    await reportFailure(err, {
      json: parse.json,
      stoppedBy: io.interrupt.stoppedBy,
      argv: rest,
      logJson: (j) => io.logJson(j),
      logToStderr: (m) => io.logToStderr(m),
    });
  } finally {
    io.interrupt.remove();
  }
  if (result && parse.json) io.logJson(result);
  await flush();
  return true;
}

/** As oclif's flush after a command: stdout drained (bounded, 10 s). */
async function flush(): Promise<void> {
  if (process.stdout.write('')) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 10_000);
    t.unref();
    process.stdout.once('drain', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
