// Human output of `pcsc ssh-check`: one line per check with its evidence, the verdict, the fixes.

import type { Style } from '../style.js';
import type { SshCheckResult } from '../../core/ssh/index.js';
import { termSafe } from '../escape.js';

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP', error: 'ERR ' } as const;

export function renderSshCheck(r: SshCheckResult, style: Style): string[] {
  const colour = { pass: style.green, warn: style.yellow, fail: style.red, skip: style.dim, error: style.red } as const;
  const out: string[] = [];
  for (const c of r.checks) {
    out.push(`${colour[c.status](LABEL[c.status])}  ${style.bold(c.title)}: ${termSafe(c.summary)}`);
    if (c.status === 'pass' && c.id === 'ssh.provider-deps') continue; // the library list is for --json
    for (const d of c.details ?? []) out.push(`        ${termSafe(d)}`);
  }
  out.push('');
  const who = termSafe(r.canonicalPath ?? r.input);
  if (r.accepted)
    out.push(
      style.green(
        `Verdict: the agent should accept ${who} ("Card added" if the token holds keys and the PIN is right).`,
      ),
    );
  else if (!r.allowed && r.canonicalPath)
    out.push(style.red(`Verdict: the agent refuses ${who}: not allowed by its -P list ("agent refused operation").`));
  else
    out.push(
      style.red(
        `Verdict: ssh-add -s ${termSafe(r.input)} fails ("agent refused operation"): see the FAIL lines above.`,
      ),
    );
  if (r.fixes.length > 0) {
    out.push('', 'Fixes:');
    r.fixes.forEach((f, i) => {
      out.push(`  ${i + 1}. ${termSafe(f.text)}`);
      if (f.file) {
        out.push(`     ${termSafe(f.file.path)}:`);
        for (const line of f.file.content.replace(/\n$/, '').split('\n')) out.push(`       ${termSafe(line)}`);
      }
      for (const cmd of f.commands ?? []) out.push(`     $ ${termSafe(cmd)}`);
    });
  }
  return out;
}
