// Runs doctor's checks for the `doctor` and `udev-check` commands: builds the probe (the live
// system, or a root directory given with --root), runs the engine, adds the negotiated protocol.

import { createProbe, runChecks, type DoctorReport, type SystemProbe } from '../../core/index.js';
import { DOCTOR_CHECKS } from '../../core/doctor/checks/index.js';

export interface DoctorRun {
  ids?: readonly string[];
  categories?: readonly string[];
  socket?: string | undefined;
  root?: string | undefined;
  signal?: AbortSignal;
}

export function makeProbe(root: string | undefined): SystemProbe {
  return createProbe(root ? { root } : {});
}

export async function runDoctor(o: DoctorRun, probe: SystemProbe = makeProbe(o.root)): Promise<DoctorReport> {
  const facts = new Map<string, unknown>();
  const report = await runChecks({
    probe,
    checks: DOCTOR_CHECKS,
    select: { ids: o.ids ?? [], categories: o.categories ?? [] },
    options: o.socket ? { socket: o.socket } : {},
    facts,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const protocol = facts.get('pcscd.protocol');
  return typeof protocol === 'string' ? { ...report, protocol } : report;
}
