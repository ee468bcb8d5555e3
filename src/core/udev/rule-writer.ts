// A udev rules file that gives readers' device nodes to pcscd's group (the shape libccid ≥ 1.8.0
// uses: skip only "remove", so change/bind events keep the group), and its atomic, no-clobber write.

import { constants } from 'node:fs';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { asRoot, type Machine } from '../system/service.js';

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
