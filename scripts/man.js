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

export const EXIT_CODES = {
  0: 'success',
  1: 'a check failed, or a status word was not the one expected',
  2: 'usage error: bad flag, malformed hex, ambiguous reader',
  3: 'PC/SC service unavailable or incompatible (pcscd missing, stopped, refused us)',
  4: 'reader or card error (unknown reader, no card, card removed, sharing violation)',
  5: 'timeout',
  70: 'internal error (a bug in pcsc)',
  130: 'interrupted (Ctrl-C)',
};

const ENVIRONMENT = {
  PCSCLITE_CSOCK_NAME: "pcscd's socket path, as libpcsclite reads it (--socket overrides it).",
  NO_COLOR: 'When set to a non-empty value, no colours.',
  XDG_CACHE_HOME: 'Where the downloaded ATR list is cached (default ~/.cache).',
};

/** Escapes text for roff: backslashes, leading control characters, hyphens in option names. */
function esc(text) {
  return String(text ?? '')
    .replace(/\\/g, '\\e')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? '\\&' + l : l))
    .join('\n');
}
const opt = (s) => esc(s).replace(/-/g, '\\-');
const fill = (s) => String(s).replace(/<%= config\.bin %>/g, BIN);

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
    .map(([k, v]) => `.TP\n.B ${opt(k)}\n${esc(v)}`)
    .join('\n');
}

function commandPage(cmd) {
  const id = cmd.id;
  const name = `${BIN}-${id.replace(/[: ]/g, '-')}`;
  const flags = Object.entries(cmd.flags ?? {}).filter(([, f]) => !f.hidden);
  const args = Object.values(cmd.args ?? {});
  const synopsis = [`.B ${BIN} ${esc(id.replace(/:/g, ' '))}`]
    .concat(flags.length ? ['[\\fIOPTIONS\\fR]'] : [])
    .concat(args.map((a) => (a.required ? `\\fI${esc(a.name.toUpperCase())}\\fR` : `[\\fI${esc(a.name.toUpperCase())}\\fR]`)))
    .join(' ');
  const options = flags
    .map(([n, f]) => {
      const extra = [];
      if (f.options) extra.push(`One of: ${f.options.join(', ')}.`);
      if (f.default !== undefined && f.type === 'option') extra.push(`Default: ${f.default}.`);
      return `.TP\n.B ${opt(flagSynopsis(n, f))}\n${esc(fill(f.summary ?? f.description ?? ''))}${extra.length ? ' ' + esc(extra.join(' ')) : ''}`;
    })
    .join('\n');
  const argDocs = args.map((a) => `.TP\n.I ${esc(a.name.toUpperCase())}\n${esc(a.description ?? '')}`).join('\n');
  const examples = (cmd.examples ?? [])
    .map((e) => (typeof e === 'string' ? { command: e } : e))
    .map((e) => `${e.description ? esc(fill(e.description)) + '\n' : ''}.PP\n.RS\n.nf\n${esc(fill(e.command))}\n.fi\n.RE`)
    .join('\n');
  const aliases = (cmd.aliases ?? []).length ? `Also available as: ${cmd.aliases.map((a) => `${BIN} ${a}`).join(', ')}.` : '';
  return [
    `.TH ${name.toUpperCase()} 1 "${DATE}" "${BIN} ${pkg.version}" "User Commands"\n`,
    section('NAME', `${opt(name)} \\- ${esc(cmd.summary ?? '')}`),
    section('SYNOPSIS', synopsis),
    section('DESCRIPTION', [esc(fill(cmd.description ?? cmd.summary ?? '')), aliases && `.PP\n${esc(aliases)}`].filter(Boolean).join('\n')),
    section('ARGUMENTS', argDocs),
    section('OPTIONS', options),
    section('EXAMPLES', examples),
    section('EXIT STATUS', table(cmd.exitCodes ?? EXIT_CODES)),
    section('ENVIRONMENT', table({ ...ENVIRONMENT, ...(cmd.environment ?? {}) })),
    section('FILES', cmd.files ? table(cmd.files) : ''),
    section('SEE ALSO', `.BR ${BIN} (1)${(cmd.seeAlso ?? []).map((s) => `,\n.BR ${s.replace(/\((\d)\)$/, ' ($1)')}`).join('')}`),
  ].join('');
}

function mainPage(cmds) {
  const list = cmds
    .map((c) => `.TP\n.B ${BIN} ${esc(c.id.replace(/:/g, ' '))}\n${esc((c.summary ?? '').replace(/([^.])$/, '$1.'))} See\n.BR ${BIN}-${c.id.replace(/[: ]/g, '-')} (1).`)
    .join('\n');
  return [
    `.TH PCSC 1 "${DATE}" "${BIN} ${pkg.version}" "User Commands"\n`,
    section('NAME', `${BIN} \\- ${esc(pkg.description)}`),
    section('SYNOPSIS', `.B ${BIN}\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n.br\n.B ${BIN}\n\\-\\-help | \\-\\-version [\\-\\-verbose]`),
    section(
      'DESCRIPTION',
      esc(
        'pcsc talks to pcscd through its own implementation of pcscd\'s socket protocol (every version from 4:2 to 4:6), ' +
          'so it works with any pcscd, and can drive USB CCID readers directly. Every command takes --json and prints one JSON ' +
          'object (streaming commands one per line); errors are one line on standard error.',
      ),
    ),
    section('COMMANDS', list),
    section('EXIT STATUS', table(EXIT_CODES)),
    section('ENVIRONMENT', table(ENVIRONMENT)),
    section('SEE ALSO', '.BR pcsc_scan (1),\n.BR scriptor (1),\n.BR pcscd (8),\n.BR ssh-agent (1)'),
  ].join('');
}

const commands = Object.values(manifest.commands)
  .filter((c) => !c.hidden)
  .sort((a, b) => a.id.localeCompare(b.id));
const outDir = join(root, 'man');
mkdirSync(outDir, { recursive: true });
for (const f of readdirSync(outDir)) if (f.endsWith('.1')) rmSync(join(outDir, f));
writeFileSync(join(outDir, `${BIN}.1`), mainPage(commands));
for (const c of commands) writeFileSync(join(outDir, `${BIN}-${c.id.replace(/[: ]/g, '-')}.1`), commandPage(c));
process.stdout.write(`man/: ${commands.length + 1} pages\n`);
