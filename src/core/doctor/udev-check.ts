// `pcsc udev-check`: the udev checks, the per-reader table, and the rule for readers that lack one.

import { readerRules, writeFileAtomic, type RuleReader } from '../../core/udev/rule-writer.js';
import { readerNodes, type ReaderNode } from '../../core/doctor/system/reader-access.js';
import { DEFAULT_SOCKET, type DoctorReport } from '../../core/index.js';
import { UDEV_CATEGORIES } from '../../core/doctor/checks/index.js';
import { makeProbe, runDoctor } from './run.js';

export interface UdevCheckResult extends DoctorReport {
  readers: ReaderNode[];
  /** The rules text for readers without a GROUP rule for pcscd's group (with --print-rule/--write). */
  rule?: string;
  /** Readers the rule covers. */
  ruleReaders?: RuleReader[];
  /** The file written (with --write). */
  written?: string;
}

export interface UdevCheckOptions {
  socket?: string | undefined;
  root?: string | undefined;
  rule?: boolean;
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

export async function udevCheck(o: UdevCheckOptions): Promise<UdevCheckResult> {
  const probe = makeProbe(o.root);
  const report = await runDoctor(
    { categories: [...UDEV_CATEGORIES], socket: o.socket, root: o.root, ...(o.signal ? { signal: o.signal } : {}) },
    probe,
  );
  const readers = await readerNodes(probe, o.socket ?? probe.env.PCSCLITE_CSOCK_NAME ?? DEFAULT_SOCKET);
  const out: UdevCheckResult = { ...report, readers };
  if (o.rule || o.write) {
    const group = 'pcscd';
    const lacking = readersLackingRule(readers, group);
    out.ruleReaders = lacking;
    if (lacking.length > 0) out.rule = readerRules(lacking, group);
    if (o.write && out.rule) {
      await writeFileAtomic(o.write, out.rule, { force: o.force === true });
      out.written = o.write;
    }
  }
  return out;
}
