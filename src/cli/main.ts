// The CLI's entry: bin/run.js → dist/bundle/pcsc.js (this file, bundled by scripts/bundle.js).
// A plain command line of a command people run in loops takes the fast path (src/cli/fast.ts);
// everything else goes to oclif, loaded from dist/bundle/oclif.js (oclif, the help and the hook; the
// commands are dist/bundle/oclif-commands.js, loaded by oclif only to run one).

import { runFast } from './fast.js';

interface OclifEntry {
  execute(options: { dir: string; args: string[] }): Promise<unknown>;
}

export async function main(argv: string[]): Promise<void> {
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
  if (await runFast(args, root)) return;
  const oclif = (await import(new URL('./oclif.js', import.meta.url).href)) as OclifEntry;
  // The package root itself: oclif looks for the package.json from there up, so it reads it at once
  // rather than trying dist/bundle/pcsc.js/, dist/bundle/ and dist/ first.
  await oclif.execute({ dir: root.href, args });
}
