// `pcsc doctor` as a library call: builds the probe (the live system, or a root directory such as
// a mounted image), runs doctor's registry, and adds the protocol the pcscd.protocol check negotiated.

import { createFacts, runChecks, type Selection } from '../engine/engine.js';
import type { CheckReport } from '../engine/types.js';
import { createProbe } from '../system/probe.js';
import type { SystemProbe } from '../system/types.js';
import { DOCTOR_CHECKS } from './checks/index.js';
import type { CheckInfo, DoctorCheck, DoctorFacts, DoctorReport } from './types.js';

export interface RunDoctorOptions extends Selection {
  /** The pcscd socket to check; default PCSCLITE_CSOCK_NAME, else /run/pcscd/pcscd.comm. */
  socket?: string | undefined;
  /** Read the system under this directory instead of `/` (ignored when `probe` is given). */
  root?: string | undefined;
  /** The system to examine (default: `createProbe({root})`). */
  probe?: SystemProbe;
  signal?: AbortSignal;
  /** Called as each check finishes (progress output). */
  onReport?: (report: CheckReport) => void;
}

/** The probe `runDoctor` builds: the live system, or the tree under `root`. */
export function probeAt(root: string | undefined): SystemProbe {
  return createProbe(root ? { root } : {});
}

/** Runs doctor's checks (all, or those selected by id/category, with their dependencies). */
export async function runDoctor(o: RunDoctorOptions = {}): Promise<DoctorReport> {
  const facts = createFacts<DoctorFacts>();
  const report = await runChecks({
    probe: o.probe ?? probeAt(o.root),
    checks: DOCTOR_CHECKS,
    select: { ids: o.ids ?? [], categories: o.categories ?? [] },
    options: o.socket ? { socket: o.socket } : {},
    facts,
    // Every check at once: doctor's checks wait on pcscd, programs and files, and the slowest ones
    // (sandbox, udev.readers, pcscd.installed) would otherwise hold up pcscd.protocol and
    // pcscd.readers, which depend on others and come last on the critical path. (Read here, not at
    // the module's top, where it would keep the whole registry in every bundle file importing this one.)
    concurrency: DOCTOR_CHECKS.length,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onReport ? { onReport: o.onReport } : {}),
  });
  const protocol = facts.get('pcscd.protocol');
  return protocol ? { ...report, protocol } : report;
}

/** doctor's checks as `--list` shows them: id, title, category, platforms, dependencies, description. */
export function listChecks(checks: readonly DoctorCheck[] = DOCTOR_CHECKS): CheckInfo[] {
  return checks.map((c) => ({
    id: c.id,
    title: c.title,
    category: c.category,
    platforms: c.platforms,
    dependsOn: c.dependsOn ?? [],
    ...(c.description ? { description: c.description } : {}),
  }));
}
