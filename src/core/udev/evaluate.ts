// A udev rules evaluator for the subset reader rules use (udev(7)): ACTION, SUBSYSTEM(S), KERNEL(S),
// DRIVER(S), DEVPATH, ENV{}, ATTR{}, ATTRS{}, TEST, TAG(S), GOTO/LABEL, GROUP, OWNER, MODE,
// ENV{}= and TAG+= assignments, `:=` finality and OPTIONS+="last_rule". It says which file and
// line set a node's group and mode, and which lines it could not judge.

import { udevMatch } from './glob.js';
import { isMatch, type UdevRule, type UdevToken } from './rules-parse.js';

/** One device of the sysfs chain, with the attributes and files the rules ask about. */
export interface UdevDeviceNode {
  kernel: string;
  subsystem?: string;
  driver?: string;
  /** sysfs attribute values (trailing whitespace trimmed), by name; absent = not readable. */
  attrs: Readonly<Record<string, string>>;
  /** Paths relative to the device's sysfs directory that exist (for TEST). */
  files?: ReadonlySet<string>;
}

export interface UdevDevice extends UdevDeviceNode {
  devpath: string;
  /** The properties udev knows before the rules run (DEVTYPE, ID_USB_INTERFACES, …). */
  env: Readonly<Record<string, string>>;
  /** Parents, nearest first (the device itself is not included). */
  parents: readonly UdevDeviceNode[];
}

export interface Assignment {
  value: string;
  file: string;
  line: number;
}

export interface UdevOutcome {
  group?: Assignment;
  owner?: Assignment;
  mode?: Assignment;
  /** Final properties, with the line that set each one when a rule did. */
  env: Record<string, string>;
  envSetBy: Record<string, Assignment>;
  tags: string[];
  /** Rules that matched, in order. */
  matched: { file: string; line: number }[];
  /** Lines skipped because they name a group udev would refuse, or keys this evaluator cannot judge. */
  notes: string[];
}

export interface EvaluateOptions {
  action: 'add' | 'change' | 'bind' | 'remove' | string;
  /**
   * Decides whether udev accepts a GROUP name; a refused name makes udev drop the whole line
   * (unknown group; systemd ≥ 258 also refuses non-system groups). Default: every name accepted.
   */
  groupUsable?: (name: string) => { ok: true } | { ok: false; why: string };
}

/** Keys whose value we cannot compute (programs, imports): a line needing them does not match. */
const UNJUDGED = new Set(['PROGRAM', 'RESULT', 'SYSCTL', 'IMPORT']);

export function evaluateRules(rules: readonly UdevRule[], dev: UdevDevice, opts: EvaluateOptions): UdevOutcome {
  const env: Record<string, string> = { ...dev.env, ACTION: opts.action };
  const out: UdevOutcome = { env, envSetBy: {}, tags: [], matched: [], notes: [] };
  const final = new Set<string>();
  const tags = new Set<string>();
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as UdevRule;
    if (rule.invalid) continue;
    const unjudged = rule.tokens.find((t) => isMatch(t) && UNJUDGED.has(t.key));
    if (unjudged) {
      out.notes.push(`${rule.file}:${rule.line}: not evaluated (${unjudged.key} needs a program run by udev)`);
      continue;
    }
    if (!matches(rule.tokens, dev, env, opts.action, tags)) continue;
    const refused = refusedGroup(rule, opts);
    if (refused) {
      out.notes.push(`${rule.file}:${rule.line}: udev ignores this line: ${refused}`);
      continue;
    }
    out.matched.push({ file: rule.file, line: rule.line });
    let jump: string | undefined;
    let stop = false;
    for (const t of rule.tokens) {
      if (isMatch(t)) continue;
      const at: Assignment = { value: t.value, file: rule.file, line: rule.line };
      if (t.key === 'GROUP' || t.key === 'OWNER' || t.key === 'MODE') {
        const k = t.key.toLowerCase() as 'group' | 'owner' | 'mode';
        if (final.has(k)) continue;
        out[k] = at;
        if (t.op === ':=') final.add(k);
      } else if (t.key === 'ENV' && t.attr) {
        const name = t.attr;
        if (final.has(`env:${name}`)) continue;
        env[name] = t.op === '+=' ? (env[name] ?? '') + t.value : t.value;
        out.envSetBy[name] = at;
        if (t.op === ':=') final.add(`env:${name}`);
      } else if (t.key === 'TAG') {
        if (t.op === '-=') tags.delete(t.value);
        else {
          if (t.op === '=' || t.op === ':=') tags.clear();
          tags.add(t.value);
        }
      } else if (t.key === 'GOTO') jump = t.value;
      else if (t.key === 'OPTIONS' && t.value.split(',').includes('last_rule')) stop = true;
    }
    if (stop) break;
    if (jump !== undefined) {
      const target = findLabel(rules, i, rule.file, jump);
      if (target < 0)
        out.notes.push(
          `${rule.file}:${rule.line}: GOTO="${jump}" has no LABEL after it in the same file; udev ignores the GOTO`,
        );
      else i = target; // the loop's i++ lands on the LABEL line, which is then evaluated like any rule
    }
  }
  out.tags = [...tags];
  return out;
}

function findLabel(rules: readonly UdevRule[], from: number, file: string, label: string): number {
  for (let j = from + 1; j < rules.length && (rules[j] as UdevRule).file === file; j++) {
    if ((rules[j] as UdevRule).tokens.some((t) => t.key === 'LABEL' && t.value === label)) return j - 1;
  }
  return -1;
}

function refusedGroup(rule: UdevRule, opts: EvaluateOptions): string | undefined {
  if (!opts.groupUsable) return undefined;
  for (const t of rule.tokens) {
    if (t.key !== 'GROUP' || isMatch(t) || /^\d+$/.test(t.value) || /[%$]/.test(t.value)) continue;
    const r = opts.groupUsable(t.value);
    if (!r.ok) return r.why;
  }
  return undefined;
}

/** Keys matched against one device of the parent chain (all on the same one, as udev does). */
const PARENT_KEYS = new Set(['KERNELS', 'SUBSYSTEMS', 'DRIVERS', 'ATTRS']);

function matches(
  tokens: readonly UdevToken[],
  dev: UdevDevice,
  env: Record<string, string>,
  action: string,
  tags: Set<string>,
): boolean {
  const parentTokens: UdevToken[] = [];
  for (const t of tokens) {
    if (!isMatch(t)) continue;
    if (PARENT_KEYS.has(t.key)) {
      parentTokens.push(t);
      continue;
    }
    if (t.key === 'TEST' || t.key === 'TAG') {
      const found =
        t.key === 'TEST'
          ? dev.files?.has(t.value) === true || dev.attrs[t.value] !== undefined
          : [...tags].some((x) => udevMatch(t.value, x));
      if (found !== (t.op === '==')) return false;
      continue;
    }
    if (!compare(t, ownValue(t, dev, env, action))) return false;
  }
  if (parentTokens.length === 0) return true;
  return [dev, ...dev.parents].some((node) => parentTokens.every((t) => compare(t, parentValue(t, node))));
}

function compare(t: UdevToken, value: string | undefined): boolean {
  // An absent value compares as the empty string (udev: ENV{X}=="" is true when X is unset).
  const hit = udevMatch(t.value, value ?? '');
  return t.op === '==' ? hit : !hit;
}

function ownValue(t: UdevToken, dev: UdevDevice, env: Record<string, string>, action: string): string | undefined {
  switch (t.key) {
    case 'ACTION':
      return action;
    case 'DEVPATH':
      return dev.devpath;
    case 'KERNEL':
      return dev.kernel;
    case 'SUBSYSTEM':
      return dev.subsystem;
    case 'DRIVER':
      return dev.driver;
    case 'ENV':
      return t.attr === undefined ? undefined : env[t.attr];
    case 'ATTR':
      return t.attr === undefined ? undefined : dev.attrs[t.attr];
    default:
      return undefined;
  }
}

function parentValue(t: UdevToken, node: UdevDeviceNode): string | undefined {
  switch (t.key) {
    case 'KERNELS':
      return node.kernel;
    case 'SUBSYSTEMS':
      return node.subsystem;
    case 'DRIVERS':
      return node.driver;
    case 'ATTRS':
      return t.attr === undefined ? undefined : node.attrs[t.attr];
    default:
      return undefined;
  }
}
