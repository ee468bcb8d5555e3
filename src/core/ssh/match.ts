// OpenSSH pattern lists as ssh-agent's `-P` applies them (match.c semantics, case-sensitive,
// byte-wise): "*" and "?" wildcards, comma-separated sub-patterns, "!" negation.

/** The agent copies each sub-pattern into a 1,024-byte buffer: 1,023 bytes or more fail the list. */
export const MAX_SUBPATTERN_BYTES = 1022;

/** The list ssh-agent uses when it was started without `-P` (upstream's compiled default). */
export const DEFAULT_ALLOWED_PROVIDERS = '/usr/lib*/*,/usr/local/lib*/*';

const STAR = 0x2a;
const QUESTION = 0x3f;
const COMMA = 0x2c;
const BANG = 0x21;

function bytes(s: string | Uint8Array): Uint8Array {
  return typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
}

/**
 * Whole-string glob match where "*" matches any run of bytes (including "/") and "?" exactly one
 * byte; everything else is literal. An empty pattern matches only the empty string.
 * Linear backtracking on the last star: with only "*" and "?" it is exact and never exponential.
 */
export function matchPattern(subject: string | Uint8Array, pattern: string | Uint8Array): boolean {
  const s = bytes(subject);
  const p = bytes(pattern);
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const pc = p[pi];
    if (pi < p.length && pc === STAR) {
      starP = pi++;
      starS = si;
    } else if (pi < p.length && (pc === QUESTION || pc === s[si])) {
      pi++;
      si++;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === STAR) pi++;
  return pi === p.length;
}

export interface SubPattern {
  /** 0-based position in the list. */
  index: number;
  /** The sub-pattern as written, "!" included. */
  raw: string;
  /** What is matched (without the "!"). */
  pattern: string;
  negated: boolean;
  /** False when the agent never looked at it (the list was decided earlier). */
  evaluated: boolean;
  matched: boolean;
  /** 1,023 bytes or longer: the agent gives up on the whole list here. */
  tooLong: boolean;
  /** Why this sub-pattern did not do what its author probably meant (spaces, case, no wildcard). */
  notes: string[];
}

export type ListReason = 'matched' | 'negated' | 'no-match' | 'too-long' | 'empty-list';

export interface PatternListResult {
  /** match_pattern_list()'s value: 1 positive match, -1 a negated match, 0 nothing (or too long). */
  result: 1 | 0 | -1;
  /** What ssh-agent concludes: it accepts a provider only when the result is exactly 1. */
  allowed: boolean;
  reason: ListReason;
  /** The sub-pattern that decided: the first positive match, or the negation that refused. */
  decidedBy: SubPattern | null;
  subPatterns: SubPattern[];
}

/** Splits the list as the agent does: no trimming, one leading "!" per sub-pattern. */
export function splitPatternList(list: string): { raw: string; pattern: string; negated: boolean; bytes: number }[] {
  const b = bytes(list);
  const out: { raw: string; pattern: string; negated: boolean; bytes: number }[] = [];
  let i = 0;
  while (i < b.length) {
    const start = i;
    const negated = b[i] === BANG;
    if (negated) i++;
    const pStart = i;
    while (i < b.length && b[i] !== COMMA) i++;
    const pat = b.subarray(pStart, i);
    out.push({
      raw: Buffer.from(b.subarray(start, i)).toString('utf8'),
      pattern: Buffer.from(pat).toString('utf8'),
      negated,
      bytes: pat.length,
    });
    if (i < b.length) i++; // the comma; a trailing comma adds no empty sub-pattern
  }
  return out;
}

/** Evaluates `subject` (the provider's canonical path) against an allowed-providers list. */
export function matchPatternList(subject: string, list: string): PatternListResult {
  const parts = splitPatternList(list);
  const subs: SubPattern[] = parts.map((p, index) => ({
    index,
    raw: p.raw,
    pattern: p.pattern,
    negated: p.negated,
    evaluated: false,
    matched: false,
    tooLong: p.bytes > MAX_SUBPATTERN_BYTES,
    notes: [],
  }));
  let firstPositive: SubPattern | null = null;
  let outcome: { result: 1 | 0 | -1; reason: ListReason; decidedBy: SubPattern | null } | null = null;
  for (const sub of subs) {
    sub.evaluated = true;
    if (sub.tooLong) {
      outcome = { result: 0, reason: 'too-long', decidedBy: sub };
      break;
    }
    sub.matched = matchPattern(subject, sub.pattern);
    if (sub.matched && sub.negated) {
      outcome = { result: -1, reason: 'negated', decidedBy: sub };
      break;
    }
    if (sub.matched && !firstPositive) firstPositive = sub;
  }
  outcome ??= firstPositive
    ? { result: 1, reason: 'matched', decidedBy: firstPositive }
    : { result: 0, reason: subs.length === 0 ? 'empty-list' : 'no-match', decidedBy: null };
  for (const sub of subs) sub.notes = explainSubPattern(subject, sub);
  return { ...outcome, allowed: outcome.result === 1, subPatterns: subs };
}

/** Near misses worth telling the user about; empty when the sub-pattern behaved as written. */
export function explainSubPattern(subject: string, sub: SubPattern): string[] {
  const notes: string[] = [];
  const p = sub.pattern;
  if (sub.tooLong) {
    notes.push(
      `${Buffer.byteLength(p)} bytes long: ssh-agent gives up on the whole list at a sub-pattern of 1,023 bytes or more`,
    );
    return notes;
  }
  if (p === '') {
    notes.push(
      sub.negated
        ? '"!" with nothing after it negates an empty pattern, which matches nothing'
        : 'empty: it matches nothing (a stray comma?)',
    );
    return notes;
  }
  if (/^\s|\s$/.test(p)) {
    notes.push('has leading or trailing whitespace, which ssh-agent keeps (no trimming after commas)');
    const trimmed = p.trim();
    if (trimmed !== p && matchPattern(subject, trimmed))
      notes.push(`without the whitespace ("${trimmed}") it would match`);
  }
  if (!sub.matched && p.startsWith('!'))
    notes.push('starts with a second "!": only one "!" negates, the next is a literal character');
  if (!sub.matched && matchPattern(subject.toLowerCase(), p.toLowerCase())) {
    notes.push('differs from the path only in letter case; ssh-agent compares case-sensitively');
  }
  const first = p[0];
  if (first !== '/' && first !== '*' && first !== '?' && !/^\s/.test(p)) {
    notes.push('is not absolute: the agent compares canonical (absolute) paths, so it can never match');
  }
  if (!sub.matched && !/[*?]/.test(p) && subject.startsWith(p.endsWith('/') ? p : p + '/')) {
    notes.push(`has no wildcard, so it names one exact path; "${p.replace(/\/$/, '')}/*" would cover this directory`);
  }
  return notes;
}
