// `pcsc udev-check` as a library call: the udev checks, the per-reader table (node, owner, group,
// mode, the rule lines that set them), and the rule for readers that lack one.

import { readerNodes, type ReaderNode } from '../udev/reader-access.js';
import {
  applyRuleCommands,
  checkRuleFile,
  readerRules,
  writeFileAtomic,
  type RuleReader,
} from '../udev/rule-writer.js';
import { pcscdSocket } from '../system/pcscd-info.js';
import type { ReaderLink } from '../udev/reader-link.js';
import { pcscdReaderLinks } from './reader-links.js';
import { detectMachine } from '../system/service.js';
import type { SystemProbe } from '../system/types.js';
import { createFacts, runChecks } from '../engine/engine.js';
import { UDEV_CATEGORIES, UDEV_CHECKS } from './checks/udev-checks.js';
import { probeAt } from './run.js';
import type { DoctorFacts, DoctorReport } from './types.js';

/** `pcsc udev-check --json`. */
export interface UdevCheckResult extends DoctorReport {
  readers: ReaderNode[];
  /**
   * pcscd's readers, each tied to its USB device (`device.busPath` matches a reader's `busPath`):
   * by the driver's USB path (SCardControl 3601, libccid ≥ 1.7.1), else by name and serial or
   * VID:PID, saying so. Absent when no pcscd answers.
   */
  pcscdReaders?: ReaderLink[];
  /** The rules text for readers without a GROUP rule for pcscd's group (with --print-rule/--write). */
  rule?: string;
  /** Readers the rule covers. */
  ruleReaders?: RuleReader[];
  /** The file written (with --write). */
  written?: string;
  /** After a write: the commands that apply the rule to readers plugged in now (as root here). */
  apply?: string[];
}

export interface UdevCheckOptions {
  socket?: string | undefined;
  /** Read the system under this directory instead of `/` (ignored when `probe` is given). */
  root?: string | undefined;
  probe?: SystemProbe;
  /** Build the rule for readers that lack one. */
  rule?: boolean;
  /**
   * Write that rule to this file (atomically; never over an existing file unless `force`): a
   * `*.rules` regular file or none, in a rules directory unless `force` (checkRuleFile).
   */
  write?: string | undefined;
  force?: boolean;
  signal?: AbortSignal;
}

/** Readers whose rules do not give the node to `group` on "add" and "change". */
export function readersLackingRule(nodes: readonly ReaderNode[], group: string): RuleReader[] {
  return nodes
    .filter((n) => n.rules.group?.value !== group || (n.groupOnChange !== undefined && n.groupOnChange !== group))
    .map((n) => ({ vid: n.vid, pid: n.pid, name: n.name }));
}

export async function runUdevCheck(o: UdevCheckOptions = {}): Promise<UdevCheckResult> {
  if (o.write !== undefined) checkRuleFile(o.write, { force: o.force === true, root: o.root });
  const probe = o.probe ?? probeAt(o.root);
  const socket = (await pcscdSocket(probe, o.socket)).path;
  // The reader table and pcscd's readers need none of the checks' results: looked at alongside them
  // (the probe reads the system once either way). A failure of the checks (Ctrl-C) is the one
  // reported: the table's is awaited only after them, and counts as handled meanwhile.
  const table = Promise.all([readerNodes(probe, socket), pcscdReaderLinks(probe, probe.path(socket), o.signal)]);
  table.catch(() => undefined);
  // As runDoctor runs the udev categories (no check of theirs negotiates a protocol to add).
  const report: DoctorReport = await runChecks({
    probe,
    checks: UDEV_CHECKS,
    select: { ids: [], categories: [...UDEV_CATEGORIES] },
    options: o.socket ? { socket: o.socket } : {},
    facts: createFacts<DoctorFacts>(),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const [readers, links] = await table;
  const out: UdevCheckResult = { ...report, readers, ...(links ? { pcscdReaders: links } : {}) };
  if (o.rule || o.write) {
    const group = 'pcscd';
    const lacking = readersLackingRule(readers, group);
    out.ruleReaders = lacking;
    if (lacking.length > 0) out.rule = readerRules(lacking, group);
    if (o.write && out.rule) {
      await writeFileAtomic(o.write, out.rule, { force: o.force === true });
      out.written = o.write;
      out.apply = applyRuleCommands(lacking, await detectMachine(probe));
    }
  }
  return out;
}
