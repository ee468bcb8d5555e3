// pcscd's options: PCSCD_ARGS and the filters in /etc/default/pcscd, the unit's ExecStart (with
// drop-ins) and the running daemon's command line, judged against the options this pcscd knows.

import type { CheckResult } from '../../engine/types.js';
import type { DoctorCheck } from '../types.js';
import { pcscdBinary, pcscdDefaults, pcscdProcess, pcscdUnit, splitWords } from '../../system/pcscd-info.js';
import { asRoot, detectMachine, editAsRoot, mustElevate, restartPcscd } from '../../system/service.js';
import { daemonSocket, fix, result, SCAN_TIMEOUT_MS } from './util.js';

/** Long options of pcsc-lite 1.9.x–2.5.x, for a pcscd whose --help we cannot run. */
const KNOWN = [
  'config',
  'foreground',
  'color',
  'help',
  'version',
  'apdu',
  'debug',
  'info',
  'error',
  'critical',
  'hotplug',
  'force-reader-polling',
  'max-thread',
  'max-card-handle-per-thread',
  'max-card-handle-per-reader',
  'auto-exit',
  'reader-name-no-serial',
  'reader-name-no-interface',
  'disable-polkit',
];
const SHORT: Record<string, string> = {
  c: 'config',
  f: 'foreground',
  T: 'color',
  h: 'help',
  v: 'version',
  a: 'apdu',
  d: 'debug',
  i: 'info',
  e: 'error',
  C: 'critical',
  H: 'hotplug',
  t: 'max-thread',
  s: 'max-card-handle-per-thread',
  r: 'max-card-handle-per-reader',
  x: 'auto-exit',
  S: 'reader-name-no-serial',
  I: 'reader-name-no-interface',
};
const WITH_VALUE = new Set(['config', 'max-thread', 'max-card-handle-per-thread', 'max-card-handle-per-reader']);

interface Opt {
  name: string;
  value?: string;
  raw: string;
  from: string;
}

/** getopt_long-style reading of an argument list into long option names. */
export function readOptions(args: readonly string[], from: string): Opt[] {
  const out: Opt[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith('--')) {
      const [name, value] = a.slice(2).split('=', 2) as [string, string | undefined];
      const o: Opt = { name, raw: a, from };
      if (value !== undefined) o.value = value;
      else if (WITH_VALUE.has(name) && i + 1 < args.length) o.value = args[++i] as string;
      out.push(o);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const name = SHORT[a[j] as string] ?? `-${a[j]}`;
        const o: Opt = { name, raw: `-${a[j]}`, from };
        if (WITH_VALUE.has(name)) {
          const rest = a.slice(j + 1);
          if (rest) o.value = rest;
          else if (i + 1 < args.length) o.value = args[++i] as string;
          out.push(o);
          break;
        }
        out.push(o);
      }
    }
  }
  return out;
}

export const pcscdOptions: DoctorCheck = {
  id: 'pcscd.options',
  title: "pcscd's options and configuration",
  description:
    "Reads PCSCD_ARGS and the reader-name filters in /etc/default/pcscd, the ExecStart of pcscd.service (with drop-ins) and the running daemon's arguments; flags options this pcscd rejects, options that log PINs, and directories that do not exist.",
  category: 'pcscd',
  platforms: ['linux'],
  dependsOn: ['pcscd.installed'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx): Promise<CheckResult> {
    const { probe } = ctx;
    const [bin, defaults, unit, proc] = await Promise.all([
      pcscdBinary(probe),
      pcscdDefaults(probe),
      pcscdUnit(probe),
      pcscdProcess(probe, await daemonSocket(ctx)),
    ]);
    const opts: Opt[] = [];
    const vars = defaults?.vars ?? {};
    if (vars.PCSCD_ARGS) opts.push(...readOptions(splitWords(vars.PCSCD_ARGS), `PCSCD_ARGS in ${defaults?.path}`));
    const m = await detectMachine(probe);
    const underSystemd = m.init === 'systemd';
    if (unit?.execStart && underSystemd)
      opts.push(
        ...readOptions(
          unit.execStart.slice(1).filter((a) => a !== '$PCSCD_ARGS' && a !== '${PCSCD_ARGS}'),
          `ExecStart in ${unit.files.join(' + ')}`,
        ),
      );
    if (proc) opts.push(...readOptions(proc.argv.slice(1), `the running pcscd (pid ${proc.pid})`));
    const known = new Set(bin.options.length > 0 ? bin.options : KNOWN);
    const fails: string[] = [];
    const warns: string[] = [];
    const commands: string[] = [];
    const editDefaults = editAsRoot(defaults?.path ?? '/etc/default/pcscd', m);
    for (const o of opts) {
      if (!known.has(o.name)) {
        if (o.name === 'disable-polkit')
          fails.push(
            `${o.raw} (${o.from}): this pcscd ${bin.version ?? ''} has no polkit support and exits with "unrecognized option"; remove it`,
          );
        else fails.push(`${o.raw} (${o.from}): pcscd ${bin.version ?? ''} does not know this option and exits at once`);
      } else if (o.name === 'apdu' || o.name === 'debug') {
        warns.push(`${o.raw} (${o.from}): pcscd logs every APDU, PIN verifications included, to the journal`);
      } else if (o.name === 'config' && o.value && !(await probe.stat(o.value))?.isDirectory) {
        fails.push(`${o.raw} ${o.value} (${o.from}): the directory does not exist, so no serial reader is configured`);
      }
    }
    const hp = vars.PCSCLITE_HP_DROPDIR;
    if (hp && !(await probe.stat(hp))?.isDirectory)
      fails.push(`PCSCLITE_HP_DROPDIR=${hp}: no such directory, so pcscd loads no USB driver`);
    const info: string[] = [];
    if (vars.PCSCLITE_FILTER_IGNORE_READER_NAMES)
      info.push(
        `Readers whose name contains "${vars.PCSCLITE_FILTER_IGNORE_READER_NAMES}" are hidden (PCSCLITE_FILTER_IGNORE_READER_NAMES).`,
      );
    if (vars.PCSCLITE_FILTER_EXTEND_READER_NAMES)
      info.push(
        `Reader names get "${vars.PCSCLITE_FILTER_EXTEND_READER_NAMES}" appended (PCSCLITE_FILTER_EXTEND_READER_NAMES).`,
      );
    if (opts.some((o) => o.name === 'disable-polkit') && bin.features.includes('polkit'))
      info.push('polkit is disabled by --disable-polkit.');
    const data = {
      options: opts.map((o) => ({ option: o.raw, value: o.value ?? null, from: o.from })),
      defaults: defaults?.vars ?? null,
      unitFiles: unit?.files ?? [],
    };
    const details = [
      ...fails,
      ...warns,
      ...info,
      ...opts.map((o) => `${o.raw}${o.value ? ' ' + o.value : ''} — ${o.from}`),
    ];
    if (fails.length > 0 || warns.length > 0) commands.push(editDefaults);
    if (underSystemd && unit?.files.some((f) => f.startsWith('/etc/')))
      commands.push(asRoot(['systemctl', 'edit', 'pcscd.service'], m));
    if (commands.length > 0) commands.push(...restartPcscd(m).commands);
    if (fails.length > 0)
      return result('fail', fails[0] as string, {
        details,
        fix: fix('Remove or correct the option where it is set, then restart pcscd.', commands, mustElevate(m)),
        data,
      });
    if (warns.length > 0)
      return result('warn', warns[0] as string, {
        details,
        fix: fix('Remove the logging option unless you are debugging, then restart pcscd.', commands, mustElevate(m)),
        data,
      });
    // Nothing configured and no daemon running: there are no options to judge.
    if (opts.length === 0 && !proc)
      return result('skip', 'pcscd is not running, and no options are configured for it', { details, data });
    return result(
      'pass',
      opts.length === 0
        ? 'No extra options'
        : `Options: ${[...new Set(opts.map((o) => (o.value ? `${o.raw} ${o.value}` : o.raw)))].join(' ')}`,
      { details, data },
    );
  },
};
