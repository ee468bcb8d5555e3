// `pcsc doctor`: runs the diagnostics engine's checks and prints the grouped checklist (or --list,
// --json). The body of src/commands/doctor.ts, shared with the fast path (src/cli/fast.ts).

import type { DoctorCheckList, DoctorReport } from '../../core/doctor/index.js';
import { UsageError } from '../../core/index.js';
import type { CommandIo } from '../command-io.js';
import { ExitCode } from '../exit-codes.js';

export interface DoctorFlags {
  list?: boolean | undefined;
  verbose?: boolean | undefined;
  category?: string[] | undefined;
  socket?: string | undefined;
  root?: string | undefined;
}

/** `ids`: the check ids given (every dependency runs too); none: every check. */
export async function runDoctorCommand(
  flags: DoctorFlags,
  ids: string[],
  io: CommandIo,
): Promise<DoctorReport | DoctorCheckList> {
  const [{ makeStyle }, render, { listChecks, runDoctor }] = await Promise.all([
    import('../style.js'),
    import('../render/doctor.js'),
    import('../../core/doctor/index.js'),
  ]);
  const style = await makeStyle();
  if (flags.list) {
    const checks = listChecks();
    if (!io.jsonEnabled()) for (const l of render.renderList(checks, { style, verbose: flags.verbose })) io.log(l);
    return { checks };
  }
  const known = listChecks().flatMap((c) => [c.id, c.category]);
  const unknown = ids.find((a) => !known.includes(a));
  if (unknown !== undefined) {
    const { didYouMean } = await import('../suggest.js');
    throw new UsageError(
      `unknown check or category "${unknown}"${didYouMean(unknown, known)} (see the list with --list)`,
      'ECHECK',
    );
  }
  const report = await runDoctor({
    ids,
    categories: flags.category ?? [],
    socket: flags.socket,
    root: flags.root,
    signal: io.signal,
  });
  if (!io.jsonEnabled()) for (const l of render.renderReport(report, { style, verbose: flags.verbose })) io.log(l);
  if (!report.ok) process.exitCode = ExitCode.CHECK_FAILED;
  return report;
}
