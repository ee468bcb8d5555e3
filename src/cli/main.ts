// The CLI's entry: bin/run.js → dist/bundle/pcsc.cjs (this file, bundled by scripts/bundle.js).
// A plain command line of a command people run in loops takes the fast path (src/cli/fast.ts);
// for everything else main() hands back the arguments for oclif, which bin/run.js loads from
// dist/bundle/oclif.cjs (oclif, the commands and the hook).

import { runFast } from './fast.js';

/** Runs `argv` on the fast path and returns undefined, or returns the arguments oclif must run. */
export async function main(argv: string[]): Promise<string[] | undefined> {
  // `pcsc --version [--verbose]` is our `version` command, so it can report the daemon too; only
  // when no command comes first (`pcsc scan --version` stays scan's own usage error).
  const asVersion = argv.includes('--version') && !argv.includes('--help') && argv[0]?.startsWith('-');
  // `pcsc help [COMMAND]` is `pcsc [COMMAND] --help` (src/cli/help.ts answers an unknown COMMAND).
  const args = asVersion
    ? ['version', ...argv.filter((a) => a !== '--version')]
    : argv[0] === 'help'
      ? [...argv.slice(1), '--help']
      : argv;
  // The package root, from dist/bundle/.
  const root = new URL('../../', import.meta.url);
  if (await runFast(args, root)) return undefined;
  // oclif writes to stderr with process.stderr.write: a reader of stderr that went away
  // (`pcsc bogus 2>&1 | true`) must not turn the exit code into 1 through an unhandled 'error'
  // event. The fast path writes with console.error, which ignores its stream's errors, and does
  // not pay the ~1–2 ms of creating process.stderr when it writes nothing there.
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  return args;
}
