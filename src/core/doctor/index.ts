// `pcsc/doctor`: find why smart cards do not work here, and the fix. Runs doctor's checks (pcscd,
// client libraries, sandboxes, polkit, USB readers and udev, drivers, GnuPG) on the check engine
// over an injectable view of the system. Importing it does no work: checks run when called.

/** Runs doctor's checks (all, or a selection by id or category) and returns the report. */
export { runDoctor, type RunDoctorOptions } from './run.js';
/** doctor's checks as `pcsc doctor --list` shows them. */
export { listChecks } from './run.js';
/** The udev checks plus the per-reader device-node table, and the rule for readers without one. */
export { runUdevCheck, readersLackingRule, type UdevCheckOptions, type UdevCheckResult } from './udev-check.js';
/** doctor's registry, in display order, and the categories udev-check runs. */
export { DOCTOR_CHECKS, UDEV_CATEGORIES } from './checks/index.js';
/** doctor's check, context, facts, options and report types. */
export type {
  CheckInfo,
  DoctorCheck,
  DoctorCheckList,
  DoctorContext,
  DoctorFacts,
  DoctorOptions,
  DoctorReport,
} from './types.js';

/** The check engine: run a registry (yours or doctor's), select from it, validate it, sum reports up. */
export {
  runChecks,
  selectChecks,
  validateChecks,
  summarize,
  createFacts,
  DEFAULT_TIMEOUT_MS,
  type RunOptions,
  type Selection,
} from '../engine/engine.js';
/** The engine's types: a check, its context, facts and result, the report of one run. */
export type * from '../engine/types.js';

/** Who is connected to pcscd's socket now (Linux), the well-known clients, and the busy-reader report and fix. */
export {
  findPcscClients,
  clientList,
  type ClientsOptions,
  type PcscClient,
  type PcscClients,
} from '../system/pcsc-clients.js';
export { knownClients, knownClient, commandName, type KnownClient } from '../system/known-clients.js';
export { busyReport, busyLine, busyWho, holderFix, type BusyReport } from './checks/holders.js';
/** The view of the system checks read: the live one, or a directory standing for `/`. */
export { createProbe, type ProbeOptions } from '../system/probe.js';
/** What a probe answers: the probe itself, file stats, program runs, processes. */
export type { Platform, ProbeStat, ProcessInfo, RunResult, SystemProbe } from '../system/types.js';
/** Which pcscd release serves a socket (the process holding it, its binary's --version), or why unknown. */
export { servingPcscd, type ServingPcscd } from '../system/pcscd-info.js';
/** This machine's init system, container and way to root, and the commands that start pcscd on it. */
export {
  detectMachine,
  detectMachineNow,
  noServiceHint,
  startPcscd,
  restartPcscd,
  asRoot,
  type Elevation,
  type InitSystem,
  type Machine,
  type ServiceSteps,
} from '../system/service.js';
/**
 * The bridge prescription (`pcsc proxy` between a client and a daemon that disagree): the whole
 * fix for a pair, the systemd user units' install commands, and the line without systemd.
 */
export {
  bridgeFix,
  systemdInstallCommands,
  manualStartCommand,
  USER_UNIT_DIR,
  type BridgeInput,
  type BridgeSteps,
} from './bridge.js';
/** One USB reader's device node, who may open it and the udev rule lines that made it so. */
export type { ReaderNode } from '../udev/reader-access.js';
export type { ReaderLink } from '../udev/reader-link.js';
/** A reader a generated udev rule covers. */
export type { RuleReader } from '../udev/rule-writer.js';
