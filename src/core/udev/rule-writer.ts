// A udev rules file that gives readers' device nodes to pcscd's group (the shape libccid ≥ 1.8.0
// uses: skip only "remove", so change/bind events keep the group), and its atomic, no-clobber write.

import { constants, lstatSync } from 'node:fs';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { asRoot, type Machine } from '../system/service.js';
import { kindOf } from '../user-file.js';
import { RULES_DIRS } from './rules-files.js';

export const DEFAULT_RULE_FILE = '/etc/udev/rules.d/93-pcsc-readers.rules';

export interface RuleReader {
  vid: string;
  pid: string;
  name: string;
}

export function readerRules(readers: readonly RuleReader[], group = 'pcscd'): string {
  const seen = new Set<string>();
  const lines = [
    `# Written by \`pcsc udev-check --write\`: lets pcscd (group ${group}) open these smart card readers.`,
    '# The header skips only "remove", so "change" and "bind" events keep the group.',
    'ACTION=="remove", GOTO="pcsc_readers_end"',
    'SUBSYSTEM!="usb", GOTO="pcsc_readers_end"',
    'ENV{DEVTYPE}!="usb_device", GOTO="pcsc_readers_end"',
    '',
  ];
  for (const r of readers) {
    const key = `${r.vid}:${r.pid}`.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`# ${r.name.replace(/[\r\n]/g, ' ')}`);
    lines.push(
      `ATTR{idVendor}=="${r.vid.toLowerCase()}", ATTR{idProduct}=="${r.pid.toLowerCase()}", GROUP="${group}", MODE="0664"`,
    );
  }
  lines.push('', 'LABEL="pcsc_readers_end"', '');
  return lines.join('\n');
}

/** The commands that apply a new rules file to readers already plugged in (as root here). */
export function applyRuleCommands(readers: readonly RuleReader[], m: Pick<Machine, 'elevate'>): string[] {
  const vids = [...new Set(readers.map((r) => r.vid.toLowerCase()))];
  return [
    asRoot(['udevadm', 'control', '--reload-rules'], m),
    ...vids.map((v) =>
      asRoot(['udevadm', 'trigger', '--action=add', '--subsystem-match=usb', `--attr-match=idVendor=${v}`], m),
    ),
  ];
}

/**
 * Refuses, before anything is done, a --write path udev would ignore or that must not be replaced
 * (docs/doctor.md): a name without `.rules` (udev reads only those), anything there that is not
 * a regular file (a device node such as /dev/null, a FIFO, a symlink, a directory), and, without
 * `force`, a directory that is not one of udev's rules directories (under `root`, for tests).
 */
export function checkRuleFile(path: string, opts: { force?: boolean; root?: string | undefined } = {}): void {
  if (path.trim() === '') throw new UsageError('--write needs a file name, e.g. ' + DEFAULT_RULE_FILE, 'EUSAGE');
  if (!basename(path).endsWith('.rules') || basename(path) === '.rules')
    throw new UsageError(`--write ${path}: udev reads only files whose names end in .rules`, 'EUSAGE');
  try {
    const st = lstatSync(path);
    if (!st.isFile()) throw new UsageError(`--write ${path}: ${kindOf(st)} is there, not a regular file`, 'EUSAGE');
  } catch (e) {
    if (e instanceof UsageError) throw e; // else absent (or unreadable: the write says why)
  }
  const dirs = RULES_DIRS.map((d) => (opts.root ? join(opts.root, d) : d));
  if (!opts.force && !dirs.includes(resolve(dirname(path))))
    throw new UsageError(
      `--write ${path}: not in a udev rules directory (${RULES_DIRS.slice(0, 2).join(', ')}, …), where udev would never read it; add --force to write it there anyway`,
      'EUSAGE',
    );
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory, then rename (with
 * `force`) or link (without: fails if `path` exists, so nothing is ever overwritten by accident).
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  opts: { force?: boolean; mode?: number } = {},
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, opts.mode ?? 0o644).catch(
    (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EACCES' || e.code === 'EPERM'
          ? 'permission denied (run it as root)'
          : e.code === 'ENOENT'
            ? 'no such directory'
            : e.code === 'EROFS'
              ? 'read-only file system'
              : e.message;
      throw new UsageError(`cannot write ${path}: ${why}`, e.code ?? 'EWRITE');
    },
  );
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (opts.force) await rename(tmp, path);
    else {
      await link(tmp, path);
      await unlink(tmp);
    }
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    // --force cannot help with a directory, so say so before suggesting it.
    if (code === 'EISDIR' || (await lstat(path).catch(() => null))?.isDirectory())
      throw new UsageError(`cannot write ${path}: it is a directory`, 'EISDIR');
    if (code === 'EEXIST') throw new UsageError(`${path} exists; add --force to replace it`, 'EEXIST');
    throw new UsageError(`cannot write ${path}: ${(e as Error).message}`, code ?? 'EWRITE');
  }
}
