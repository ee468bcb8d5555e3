#!/usr/bin/env node
// Generates man/pcsc.1 and one page per command (man/pcsc-<command>.1) from oclif.manifest.json:
// the command metadata (summary, description, flags, examples, and the optional static
// exitCodes / environment / files fields) is the single source of the manual.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'));
const BIN = 'pcsc';
const DATE = process.env.SOURCE_DATE_EPOCH
  ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000).toISOString().slice(0, 10)
  : new Date().toISOString().slice(0, 10);

/**
 * The exit-code table, read from README.md's "Exit codes" section so that it is written once
 * (test/integration/package tests keep it equal to src/cli/exit-codes.ts).
 */
const EXIT_CODES = readmeExitCodes(readFileSync(join(root, 'README.md'), 'utf8'));

function readmeExitCodes(md) {
  const table = /^### Exit codes\n([\s\S]*?)\n\n/m.exec(md)?.[1] ?? '';
  const rows = [...table.matchAll(/^\| *(\d+) *\| *(.+?) *\|$/gm)].map((m) => [m[1], m[2].replace(/`/g, '')]);
  if (rows.length === 0) throw new Error('man: no "### Exit codes" table in README.md');
  return Object.fromEntries(rows);
}

const ENVIRONMENT = {
  NO_COLOR: 'When set to a non-empty value, no colours.',
};
/** For commands that talk to pcscd (they have --socket). */
const SOCKET_ENVIRONMENT = {
  PCSCLITE_CSOCK_NAME: "pcscd's socket path, as libpcsclite reads it (--socket overrides it).",
};
const SOCKET_FILES = {
  '/run/pcscd/pcscd.comm':
    "pcscd's socket when neither --socket nor PCSCLITE_CSOCK_NAME says otherwise (/var/run/pcscd/pcscd.comm when only that one exists).",
};

/**
 * Escapes text for roff: backslashes, hyphens (so options and commands copy as typed), characters
 * outside ASCII (groff reads Latin-1 unless preconv runs first), and lines that would start with a
 * control character.
 */
function esc(text) {
  return String(text ?? '')
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\p{ASCII}]/gu, (c) => `\\[u${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`)
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? '\\&' + l : l))
    .join('\n');
}
/** Running text: blank lines start a new paragraph. */
const para = (text) => esc(text).replace(/\n[ \t]*\n+/g, '\n.PP\n');
const fill = (s, id = '') =>
  String(s)
    .replace(/<%= config\.bin %>/g, BIN)
    .replace(/<%= command\.id %>/g, id);
const pageName = (id) => `${BIN}-${id.replace(/[: ]/g, '-')}`;

function flagSynopsis(name, f) {
  const long = `--${name}`;
  const value = f.type === 'option' ? `=${f.helpValue ?? (f.options ? f.options.join('|') : 'VALUE')}` : '';
  return f.char ? `-${f.char}, ${long}${value}` : `${long}${value}`;
}

function section(title, body) {
  return body ? `.SH ${title}\n${body}\n` : '';
}

function table(obj) {
  return Object.entries(obj)
    .map(([k, v]) => `.TP\n.B ${esc(k)}\n${esc(v)}`)
    .join('\n');
}

/**
 * The docs/*.md files a command's text names, as FILES entries saying where an installed package
 * has them (package.json "files" ships docs/; the help prints their full path).
 */
function docFiles(cmd) {
  const text = JSON.stringify([cmd.description, cmd.summary, cmd.flags, cmd.examples]);
  const docs = [...new Set(text.match(/\bdocs\/[a-z0-9-]+\.md\b/g) ?? [])].sort();
  return Object.fromEntries(
    docs.map((d) => [
      d,
      `Shipped in the pcsc package: $(npm root -g)/pcsc/${d} after npm install -g. ${BIN} ${cmd.id.replace(/:/g, ' ')} --help prints its full path.`,
    ]),
  );
}

function commandPage(cmd) {
  const id = cmd.id;
  const name = pageName(id);
  const flags = Object.entries(cmd.flags ?? {}).filter(([, f]) => !f.hidden);
  const args = Object.values(cmd.args ?? {});
  const synopsis = [`.B ${BIN} ${esc(id.replace(/:/g, ' '))}`]
    .concat(flags.length ? ['[\\fIOPTIONS\\fR]'] : [])
    .concat(
      args.map((a) => (a.required ? `\\fI${esc(a.name.toUpperCase())}\\fR` : `[\\fI${esc(a.name.toUpperCase())}\\fR]`)),
    )
    .join(' ');
  const options = flags
    .map(([n, f]) => {
      const extra = [];
      if (f.options) extra.push(`One of: ${f.options.join(', ')}.`);
      if (f.default !== undefined && f.type === 'option') extra.push(`Default: ${f.default}.`);
      return `.TP\n.B ${esc(flagSynopsis(n, f))}\n${esc(fill(f.summary ?? f.description ?? ''))}${extra.length ? ' ' + esc(extra.join(' ')) : ''}`;
    })
    .join('\n');
  const argDocs = args.map((a) => `.TP\n.I ${esc(a.name.toUpperCase())}\n${esc(a.description ?? '')}`).join('\n');
  const examples = (cmd.examples ?? [])
    .map((e) => (typeof e === 'string' ? { command: e } : e))
    .map(
      (e) =>
        `.PP\n${e.description ? para(fill(e.description, id)) + '\n' : ''}.RS\n.nf\n${esc(fill(e.command, id))}\n.fi\n.RE`,
    )
    .join('\n');
  const aliases = (cmd.aliases ?? []).length
    ? `Also available as: ${cmd.aliases.map((a) => `${BIN} ${a}`).join(', ')}.`
    : '';
  return [
    `.TH ${name.toUpperCase()} 1 "${DATE}" "${BIN} ${pkg.version}" "User Commands"\n.nh\n.ad l\n`,
    section('NAME', `${esc(name)} \\- ${esc(cmd.summary ?? '')}`),
    section('SYNOPSIS', synopsis),
    section(
      'DESCRIPTION',
      [para(fill(cmd.description ?? cmd.summary ?? '', id)), aliases && `.PP\n${esc(aliases)}`]
        .filter(Boolean)
        .join('\n'),
    ),
    section('ARGUMENTS', argDocs),
    section('OPTIONS', options),
    section('EXAMPLES', examples),
    section('EXIT STATUS', table(cmd.exitCodes ?? EXIT_CODES)),
    section(
      'ENVIRONMENT',
      table({ ...(cmd.flags?.socket ? SOCKET_ENVIRONMENT : {}), ...ENVIRONMENT, ...(cmd.environment ?? {}) }),
    ),
    section('FILES', table({ ...(cmd.flags?.socket ? SOCKET_FILES : {}), ...(cmd.files ?? {}), ...docFiles(cmd) })),
    section(
      'SEE ALSO',
      `.BR ${BIN} (1)${(cmd.seeAlso ?? []).map((s) => `,\n.BR ${esc(s).replace(/\((\d)\)$/, ' ($1)')}`).join('')}`,
    ),
  ].join('');
}

function mainPage(cmds) {
  const list = cmds
    .map(
      (c) =>
        `.TP\n.B ${BIN} ${esc(c.id.replace(/:/g, ' '))}\n${esc((c.summary ?? '').replace(/([^.])$/, '$1.'))} See\n.BR ${esc(pageName(c.id))} (1).`,
    )
    .join('\n');
  return [
    `.TH PCSC 1 "${DATE}" "${BIN} ${pkg.version}" "User Commands"\n.nh\n.ad l\n`,
    section('NAME', `${BIN} \\- ${esc(pkg.description)}`),
    section(
      'SYNOPSIS',
      `.B ${BIN}\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n.br\n.B ${BIN}\n\\-\\-help | \\-h | \\-\\-version [\\-\\-verbose]\n.br\n.B ${BIN}\nhelp [\\fICOMMAND\\fR]`,
    ),
    section(
      'DESCRIPTION',
      esc(
        "pcsc talks to pcscd through its own implementation of pcscd's socket protocol (every version from 4:2 to 4:6), " +
          'so it works with any pcscd, and can drive USB CCID readers directly. Every command takes --json and prints one JSON ' +
          'object (streaming commands one per line); errors are one line on standard error.',
      ),
    ),
    section('COMMANDS', list),
    section('EXIT STATUS', table(EXIT_CODES)),
    section('ENVIRONMENT', table({ ...SOCKET_ENVIRONMENT, ...ENVIRONMENT })),
    section('FILES', table(SOCKET_FILES)),
    section(
      'SEE ALSO',
      '.BR pcsc_scan (1),\n.BR scriptor (1),\n.BR opensc\\-tool (1),\n.BR pcscd (8),\n.BR ssh\\-agent (1)',
    ),
  ].join('');
}

const commands = Object.values(manifest.commands)
  .filter((c) => !c.hidden)
  .sort((a, b) => a.id.localeCompare(b.id));
const outDir = join(root, 'man');
mkdirSync(outDir, { recursive: true });
for (const f of readdirSync(outDir)) if (f.endsWith('.1')) rmSync(join(outDir, f));
const pages = new Map([[`${BIN}.1`, mainPage(commands)]]);
for (const c of commands) {
  const page = commandPage(c);
  pages.set(`${pageName(c.id)}.1`, page);
  // `man pcsc-ALIAS` shows the command's page: a copy, not `.so man1/…`, which man resolves only
  // inside an installed manual tree (`man -l man/pcsc-ALIAS.1` could not open it).
  for (const a of c.aliases ?? []) pages.set(`${pageName(a)}.1`, page);
}
for (const [file, text] of pages) writeFileSync(join(outDir, file), text);
process.stdout.write(`man/: ${pages.size} pages\n`);
// npm links only the pages named in package.json "man" (it ignores directories.man for a tarball).
const listed = new Set((pkg.man ?? []).map((m) => m.replace(/^\.\//, '')));
const unlisted = [...pages.keys()].map((f) => `man/${f}`).filter((f) => !listed.has(f));
if (unlisted.length)
  process.stderr.write(
    `man: add to package.json "man" so npm installs them: ${unlisted.map((f) => `"./${f}"`).join(', ')}\n`,
  );
