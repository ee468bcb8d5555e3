// udev rules file syntax (udev(7) "Rules Files"): one rule per line (a trailing backslash
// continues it), `#` comments, comma-separated `KEY[{attr}] OP "value"` tokens.

export type UdevOp = '==' | '!=' | '=' | '+=' | '-=' | ':=';

export interface UdevToken {
  key: string;
  /** The `{…}` part of ENV{x}, ATTR{x}, ATTRS{x}, TEST{mode}, IMPORT{type}… */
  attr?: string;
  op: UdevOp;
  value: string;
}

export interface UdevRule {
  file: string;
  /** 1-based line where the rule starts. */
  line: number;
  tokens: UdevToken[];
  /** The rule's text as written (continuations joined). */
  text: string;
  /** Why udev would reject the line, if it would. */
  invalid?: string;
}

const TOKEN = /^\s*,?\s*([A-Za-z_]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*([ei]?)"((?:[^"\\]|\\.)*)"/;

/** Parses a rules file; `file` is the path reported in findings. Never throws. */
export function parseRules(text: string, file: string): UdevRule[] {
  const rules: UdevRule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i] as string;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + (lines[++i] as string);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    rules.push(parseLine(trimmed, file, start));
  }
  return rules;
}

function parseLine(text: string, file: string, line: number): UdevRule {
  const tokens: UdevToken[] = [];
  let rest = text;
  while (rest.trim() !== '' && rest.trim() !== ',') {
    const m = TOKEN.exec(rest);
    if (!m) return { file, line, tokens, text, invalid: `cannot parse "${rest.trim()}"` };
    const [, key, attr, op, , raw] = m as unknown as [string, string, string | undefined, UdevOp, string, string];
    const token: UdevToken = { key, op, value: raw.replace(/\\(["\\])/g, '$1') };
    if (attr !== undefined) token.attr = attr;
    tokens.push(token);
    rest = rest.slice(m[0].length);
  }
  return { file, line, tokens, text };
}

/** The keys that only compare (never assign), as udev(7) lists them. */
export const MATCH_ONLY = new Set([
  'ACTION',
  'DEVPATH',
  'KERNEL',
  'KERNELS',
  'SUBSYSTEM',
  'SUBSYSTEMS',
  'DRIVER',
  'DRIVERS',
  'ATTRS',
  'TEST',
  'PROGRAM',
  'RESULT',
  'SYSCTL',
  'CONST',
  'TAGS',
]);

export function isMatch(t: UdevToken): boolean {
  return t.op === '==' || t.op === '!=';
}

/** The sysfs attribute names (ATTR{}, ATTRS{}) and TEST paths the rules compare, to read them once. */
export function referencedNames(rules: readonly UdevRule[]): { attrs: Set<string>; tests: Set<string> } {
  const attrs = new Set<string>();
  const tests = new Set<string>();
  for (const r of rules) {
    for (const t of r.tokens) {
      if (!isMatch(t)) continue;
      if ((t.key === 'ATTR' || t.key === 'ATTRS') && t.attr && !t.attr.includes('..')) attrs.add(t.attr);
      if (t.key === 'TEST' && !t.value.includes('..') && !/[*?[%$]/.test(t.value)) tests.add(t.value);
    }
  }
  return { attrs, tests };
}
