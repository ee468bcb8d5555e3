// `pcsc udev-check`: the udev checks, each USB reader's device node and the rules that set it, and
// the rule for readers that lack one. The body of src/commands/udev-check.ts, shared with the fast
// path (src/cli/fast.ts).

// Imported statically: this module is itself loaded on use (by the command or the fast path), and a
// bundler keeps every export of what a dynamic import names.
import { runUdevCheck, type UdevCheckResult } from '../../core/doctor/index.js';
import type { CommandIo } from '../command-io.js';
import { termSafe } from '../escape.js';
import { ExitCode } from '../exit-codes.js';
import { renderReaders, renderReport } from '../render/doctor.js';
import { makeStyle } from '../style.js';

export interface UdevCheckFlags {
  'print-rule'?: boolean | undefined;
  write?: string | undefined;
  force?: boolean | undefined;
  verbose?: boolean | undefined;
  socket?: string | undefined;
  root?: string | undefined;
}

export async function runUdevCheckCommand(flags: UdevCheckFlags, io: CommandIo): Promise<UdevCheckResult> {
  const r = await runUdevCheck({
    socket: flags.socket,
    root: flags.root,
    rule: flags['print-rule'],
    write: flags.write,
    force: flags.force,
    signal: io.signal,
  });
  if (!io.jsonEnabled()) {
    const style = await makeStyle();
    if (flags['print-rule'] && !flags.write) {
      io.log(
        r.rule ??
          (r.readers.length === 0
            ? '# No USB smart card reader is plugged in: nothing to write a rule for.'
            : '# Every reader already has a rule giving it to group pcscd.'),
      );
      return r;
    }
    for (const l of renderReaders(r.readers, style, r.pcscdReaders)) io.log(l);
    for (const l of renderReport(r, { style, verbose: flags.verbose, all: true }).slice(1)) io.log(l);
    if (r.written) io.log(`Wrote ${termSafe(r.written)}. Apply it: ${(r.apply ?? []).join(' && ')}`);
    else if (flags.write)
      io.log(
        r.readers.length === 0
          ? 'Nothing written: no USB smart card reader is plugged in.'
          : 'Nothing written: every reader already has a rule giving it to group pcscd.',
      );
  }
  if (!r.ok) process.exitCode = ExitCode.CHECK_FAILED;
  return r;
}
