// The fast path: `pcsc scan` (-r, -c, --wait-card, watch mode), `pcsc apdu HEX…`, `pcsc atr HEX…`,
// `pcsc --version`, `pcsc doctor ID…`, `pcsc clients`, `pcsc udev-check` and `pcsc ssh-check
// PROVIDER` run in loops and pipelines, `pcsc completion` at every shell start and TAB, where
// start-up is the whole cost. Loading oclif costs more than the work (bench/README.md), so when the
// command line is one oclif would parse without error, we parse it from oclif's own manifest
// (./fast-parse.ts: flags, options with values, words) and run the command's body (the same module
// oclif's command runs, src/cli/<command>/command.ts or src/cli/scan/*-command.ts) without loading
// oclif. Anything else (help, `--`, an unknown flag, a parse error to report, a flag only oclif
// reads, oclif's environment variables) returns false and oclif runs the command as always.
// test/integration/fast-path.test.ts checks that both paths print the same and exit the same.

import { fstatSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { CommandIo } from './command-io.js';
import { termSafe } from './escape.js';
import { fastParse, type FastParse, type ManifestCommand } from './fast-parse.js';
import { Interrupt } from './interrupt.js';
import { reportFailure } from './report-failure.js';

/** What a body may need of package.json and oclif.manifest.json. */
interface FastPackage {
  version: string;
  bin: string;
  /** oclif.manifest.json's commands. */
  commands: Record<string, unknown>;
}

interface FastCommand {
  run(p: FastParse, io: FastIo, pkg: FastPackage): Promise<unknown>;
}

// Each body is, in the bundle, a file of its own, dist/bundle/fast-NAME.cjs, with all it uses (a
// few files load faster than the dozens of chunks code splitting makes; scripts/bundle.js).
const COMMANDS: Record<string, FastCommand> = {
  scan: {
    // As src/commands/scan.ts: -r, -c, --wait-card, else watch mode.
    run: async (p, io) => {
      if (p.flags.readers) return (await import('./scan/readers-command.js')).runReaders(p.flags as never, io);
      if (p.flags.cards) return (await import('./scan/cards-command.js')).runCards(p.flags as never, io);
      const watch = await import('./scan/watch-command.js');
      if (p.flags['wait-card']) return watch.runWaitCard(p.flags as never, io);
      return watch.runWatchMode(p.flags as never, io);
    },
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
    // oclif's argv, as its command passes it (repeated words reordered).
    run: async (p, io) => (await import('./doctor/command.js')).runDoctorCommand(p.flags, p.argv, io),
  },
  clients: {
    run: async (p, io) => (await import('./clients/command.js')).runClients(p.flags, io),
  },
  completion: {
    run: async (p, io, pkg) => {
      const { runCompletion } = await import('./completion/command.js');
      // In the order of oclif's config.commands (scripts/manifest.js writes them so).
      return runCompletion(p.flags, p.words[0], Object.values(pkg.commands) as never, pkg.bin, io);
    },
  },
  'udev-check': {
    run: async (p, io) => (await import('./udev-check/command.js')).runUdevCheckCommand(p.flags, io),
  },
  'ssh-check': {
    // The provider: a required argument, given (fastParse leaves a missing one to oclif).
    run: async (p, io) =>
      (await import('./ssh-check/command.js')).runSshCheckCommand(p.words[0] as string, p.flags, io),
  },
};

/**
 * Whether oclif's read of stdin for a missing argument (its parser's readStdin) gets nothing: it
 * does not read a terminal, and /dev/null ends at once (it takes what comes within 10 ms of any
 * other file or pipe, which only reading it could tell).
 */
function stdinGivesNothing(): boolean {
  // Loaded only here: node:tty loads node:net (~2 ms). require(), not import(): the fast path is
  // CommonJS and must not start Node's ES module loader (scripts/bundle.js).
  const { isatty } = createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  if (isatty(0)) return true;
  try {
    const stdin = fstatSync(0);
    const empty = statSync('/dev/null');
    return stdin.isCharacterDevice() && stdin.rdev === empty.rdev;
  } catch {
    return false;
  }
}

/** The environment oclif reads (DEBUG, PCSC_DEBUG, PCSC_CONTENT_TYPE, …): oclif's path then. */
function oclifEnvironment(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some((k) => k === 'DEBUG' || k.startsWith('PCSC_') || k.startsWith('OCLIF_'));
}

// console, as oclif's ux.stdout and ux.stderr write: the same bytes, the same handling of a closed pipe.
/* eslint-disable no-console */
class FastIo implements CommandIo {
  readonly interrupt = new Interrupt();
  /** Watch mode's NDJSON: a JSON object (a failure's) on one line, as src/commands/scan.ts prints it. */
  private oneLine = false;
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
    if (this.oneLine) process.stdout.write(JSON.stringify(json) + '\n');
    else console.log(JSON.stringify(json, undefined, 2));
  }
  streamJson(): void {
    this.oneLine = true;
  }
}
/* eslint-enable no-console */

/** Runs `argv` (the command first) on the fast path when it can; false: oclif must run it. */
export async function runFast(argv: readonly string[], root: URL): Promise<boolean> {
  const [id, ...rest] = argv;
  const fast = id === undefined ? undefined : COMMANDS[id];
  if (!fast || oclifEnvironment(process.env)) return false;
  let manifest: { version: string; commands: Record<string, ManifestCommand> };
  let pkg: { version: string; oclif?: { bin?: string; additionalHelpFlags?: string[] } };
  try {
    manifest = JSON.parse(readFileSync(new URL('oclif.manifest.json', root), 'utf8')) as typeof manifest;
    pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as typeof pkg;
  } catch {
    return false;
  }
  // oclif warns about a manifest of another version: let it.
  if (manifest.version !== pkg.version) return false;
  // oclif shows help when any word is a help flag (before `--`, which the fast path leaves to oclif).
  const help = ['--help', ...(pkg.oclif?.additionalHelpFlags ?? [])];
  if (rest.some((a) => help.includes(a))) return false;
  const cmd = manifest.commands[id as string];
  const parse = cmd && fastParse(cmd, rest);
  if (!parse) return false;
  if (parse.readsStdin && !stdinGivesNothing()) return false;
  // A terminal may get coloured JSON (a user's oclif theme): oclif's path.
  if (parse.json && (process.stdout.isTTY || process.env.FORCE_COLOR !== undefined)) return false;
  const io = new FastIo(parse.json);
  swallowEpipe();
  io.interrupt.install();
  let result: unknown;
  try {
    result = await fast.run(parse, io, {
      version: pkg.version,
      bin: pkg.oclif?.bin ?? 'pcsc',
      commands: manifest.commands,
    });
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

/**
 * As oclif does when its Command module loads: a write to a closed stdout (`pcsc … | head -1`)
 * is no error (the command notices it, src/cli/stdout-closed.ts); any other error still is.
 */
function swallowEpipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return;
    throw err;
  });
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
