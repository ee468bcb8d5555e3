// Shared by the distribution tests: the built CLI, its oclif manifest, and required system tools.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pcscSync, ROOT } from '../../helpers/cli.js';

export { BIN, ROOT } from '../../helpers/cli.js';

export interface ManifestFlag {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  options?: string[];
  hidden?: boolean;
  default?: unknown;
}
export interface ManifestCommand {
  id: string;
  aliases: string[];
  hidden?: boolean;
  strict?: boolean;
  description?: string;
  flags: Record<string, ManifestFlag>;
  args: Record<string, { name: string; options?: string[]; required?: boolean }>;
  examples?: (string | { command: string; description?: string })[];
  exitCodes?: Record<string, string>;
  environment?: Record<string, string>;
  files?: Record<string, string>;
  seeAlso?: string[];
  /** doctor: `pcsc completion` offers its check ids and categories (src/commands/completion.ts). */
  completeArgs?: 'checks';
  completeFlags?: Record<string, 'categories'>;
}

/** The visible commands of the built manifest (every command that exists now, whichever branch added it). */
export function commands(): ManifestCommand[] {
  const file = join(ROOT, 'oclif.manifest.json');
  if (!existsSync(file) || !existsSync(join(ROOT, 'dist')))
    throw new Error('the CLI is not built: run `npm run build` (npm test does)');
  const m = JSON.parse(readFileSync(file, 'utf8')) as { commands: Record<string, ManifestCommand> };
  return Object.values(m.commands)
    .filter((c) => !c.hidden)
    .sort((a, b) => a.id.localeCompare(b.id));
}

export const visibleFlags = (c: ManifestCommand): ManifestFlag[] => Object.values(c.flags).filter((f) => !f.hidden);

/** Fails (never skips) when a tool the test needs is missing, naming the Debian package. */
export function requireTools(tools: Record<string, string>): void {
  const missing = Object.entries(tools).filter(
    ([t]) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', t]).status !== 0,
  );
  if (missing.length)
    throw new Error(
      `missing ${missing.map(([t]) => t).join(', ')}: apt-get install ${[...new Set(missing.map(([, p]) => p))].join(' ')}`,
    );
}

export function run(
  cmd: string,
  args: readonly string[],
  opts: SpawnSyncOptions = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  if (r.error) throw r.error;
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A directory under `dir` holding only node and npm, to be the whole PATH: no compiler, no pcscd tools. */
export function bareNodeNpm(dir: string): string {
  const bin = join(dir, 'bare-bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(realpathSync(run('sh', ['-c', 'command -v npm']).stdout.trim()), join(bin, 'npm'));
  return bin;
}

/**
 * `npm pack` of this repository into `dir`, as built (npm test builds first; no rebuild under other
 * tests): the tarball's path and the files it holds.
 */
export function packRepo(dir: string, timeout: number): { tarball: string; files: string[] } {
  const r = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, timeout });
  if (r.code !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  const [info] = JSON.parse(r.stdout) as [{ filename: string; files: { path: string }[] }];
  return { tarball: join(dir, info.filename), files: info.files.map((f) => f.path) };
}

/**
 * Type-checks `files` in `cwd` as a strict TypeScript user of the installed package would
 * (module/moduleResolution nodenext, this repository's compiler and @types/node).
 */
export function typecheck(cwd: string, files: readonly string[]): ReturnType<typeof run> {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const opts = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
  return run(process.execPath, [tsc, ...opts, '--typeRoots', join(ROOT, 'node_modules/@types'), ...files], { cwd });
}

/** The built CLI, without colours. */
export function pcsc(args: readonly string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof run> {
  return pcscSync(args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env } });
}

/**
 * Types each line and TAB into an interactive zsh (zpty) whose $fpath holds the generated _pcsc (in `dir`),
 * and returns what the completion listed for each (the typed line and escape codes removed). Each
 * line is typed only once the prompt is back (typeahead during a command is lost), and with
 * list_ambiguous off the first TAB lists even when it also inserts a common prefix.
 */
export function zshComplete(dir: string, lines: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const script = `zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z "PS1='@@P> '; unsetopt list_ambiguous; fpath=(\${(q)1} \\$fpath); autoload -U compinit; compinit -u -D; LISTMAX=100000; zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no"
zpty -w z 'print @@READY-$((1+1))'; zpty -r z out '*@@READY-2*@@P> *'
shift; n=0
for line in "$@"; do
  (( n++ )); zpty -w -n z "$line"$'\\t'; zpty -w -n z $'\\C-e\\C-u'
  zpty -w z "print @@END-\\$(($n+1000))"; zpty -r z out "*@@END-$(( n + 1000 ))*@@P> *"
  print -r -- "@@BEGIN"; print -r -- "$out"
done
zpty -d z`;
  const r = run('zsh', ['-f', '-c', script, 'zsh', dir, ...lines], { timeout: 60_000, env });
  if (r.code !== 0) throw new Error(`zsh exited ${r.code}: ${r.stderr}`);
  // Control sequences (CSI: ESC [ … letter), then the two-byte escapes zsh's line editor also
  // sends when it redraws (ESC M, reverse index, under load: a listing then read "anyM").
  const plain = r.stdout
    .replace(/\r/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b[0-9=>@-Z\\^_]/g, '');
  return plain
    .split('@@BEGIN\n')
    .slice(1)
    .map((chunk, i) => chunk.replace(lines[i] ?? '', ' ').replace(/@@END-\$\(\(\d+\+1000\)\)[\s\S]*$/, ''));
}
