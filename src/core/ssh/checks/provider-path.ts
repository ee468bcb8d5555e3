// ssh.provider-path: realpath() of the provider and the -P pattern-list match, as ssh-agent does them.

import type { CheckResult } from '../../engine/types.js';
import { type SshCheck, agentOf, pathVerdictOf } from './context.js';

export const providerPathCheck: SshCheck = {
  id: 'ssh.provider-path',
  title: "Provider path allowed by the agent's -P list",
  category: 'ssh',
  platforms: ['linux', 'darwin', 'freebsd', 'openbsd'],
  async run(ctx): Promise<CheckResult> {
    const { provider } = ctx.options;
    const agent = await agentOf(ctx);
    const v = await pathVerdictOf(ctx);
    const r = v.resolve;
    const details: string[] = [];
    if (r.relative) {
      details.push(
        `"${provider}" is relative: the agent resolves it against its own working directory, ${r.base}${agent.cwdFrom === 'assumed' ? ' (a daemonised agent runs in /)' : ''}, not yours.`,
      );
    }
    for (const h of r.hops) details.push(`symlink ${h.link} → ${h.target}`);
    const data: Record<string, unknown> = {
      input: provider,
      relative: r.relative,
      base: r.base,
      hops: r.hops,
      canonicalPath: r.ok ? r.canonical : null,
      allowedProviders: agent.allowedProviders,
      allowedProvidersFrom: agent.allowedProvidersFrom,
    };
    if (!r.ok) {
      details.push(`The agent logs: failed PKCS#11 add of "${provider.slice(0, 100)}": realpath: ${r.message}`);
      return {
        status: 'fail',
        summary: `realpath("${provider}") fails at ${r.at || provider}: ${r.message} (${r.error})`,
        details,
        data: { ...data, allowed: false, matched: null, error: r.error, at: r.at },
      };
    }
    const list = v.list!;
    data.allowed = list.allowed;
    data.matched = list.allowed ? (list.decidedBy?.raw ?? null) : null;
    data.reason = list.reason;
    data.subPatterns = list.subPatterns;
    data.symlinkLeaves = v.symlinkLeaves;
    for (const s of list.subPatterns) {
      const verdict = !s.evaluated
        ? 'not reached'
        : s.tooLong
          ? 'too long'
          : s.matched
            ? s.negated
              ? 'matches → refused'
              : 'matches'
            : 'no match';
      details.push(`  ${JSON.stringify(s.raw)}: ${verdict}${s.notes.length ? ' — ' + s.notes.join('; ') : ''}`);
    }
    if (list.allowed) {
      const status = r.relative && agent.cwdFrom === 'assumed' ? 'warn' : 'pass';
      return { status, summary: `${r.canonical} is allowed by "${list.decidedBy?.raw}"`, details, data };
    }
    if (v.symlinkLeaves)
      details.unshift(
        `${provider} looks allowed, but a symlink leads out of the allowed tree: the agent matches the real path ${r.canonical}.`,
      );
    details.push(`The agent logs: refusing PKCS#11 add of "${r.canonical.slice(0, 100)}": provider not allowed`);
    const why =
      list.reason === 'negated'
        ? `refused by "${list.decidedBy?.raw}"`
        : list.reason === 'too-long'
          ? `the list fails as a whole at sub-pattern ${(list.decidedBy?.index ?? 0) + 1} (1,023 bytes or more)`
          : list.reason === 'empty-list'
            ? 'the list is empty'
            : 'no sub-pattern matches';
    return {
      status: 'fail',
      summary: `${r.canonical} is not allowed by ${agent.allowedProvidersFrom === 'default' ? 'the default list' : '-P'} "${agent.allowedProviders}": ${why}`,
      details,
      data,
    };
  },
};
