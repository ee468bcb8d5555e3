// `ssh-check`: runs the ssh checks on the doctor engine and gathers the verdict the CLI prints
// and returns as JSON (allowed, canonicalPath, matched, provider, fixes, checks).

import type { CheckReport, CheckStatus, SystemProbe } from '../doctor/types.js';
import { sshChecks } from '../doctor/checks/ssh/index.js';
import type { PathVerdict, SshCheckOptions } from '../doctor/checks/ssh/context.js';
import { runChecks } from '../doctor/engine.js';
import type { AgentInfo } from './agent.js';
import type { ProviderInspection } from './inspect.js';
import type { DependencyReport } from './ldso.js';
import { buildFixes, type SshFix } from './fixes.js';
import { lexicalNormalize, probeResolverFs, resolveLikeAgent } from './realpath.js';

export interface SshCheckResult {
  /** The provider path as given (what ssh-add sends). */
  input: string;
  /** Would the agent's allow-list accept this provider's real path. */
  allowed: boolean;
  /** No check failed: nothing we can see stops the add (the token may still hold no keys). */
  accepted: boolean;
  canonicalPath: string | null;
  /** The sub-pattern that allowed it, or null. */
  matched: string | null;
  allowedProviders: string;
  allowedProvidersFrom: AgentInfo['allowedProvidersFrom'];
  agent: AgentInfo;
  provider: Omit<ProviderInspection, 'elf'>;
  dependencies: DependencyReport | null;
  fixes: SshFix[];
  checks: CheckReport[];
  summary: Record<CheckStatus, number>;
}

export interface RunSshCheckOptions extends SshCheckOptions {
  probe: SystemProbe;
  signal?: AbortSignal;
  /** The user's directory, for a relative provider the agent cannot find from its own; default process.cwd(). */
  cwd?: string;
}

export async function runSshCheck(opts: RunSshCheckOptions): Promise<SshCheckResult> {
  const facts = new Map<string, unknown>();
  const options: SshCheckOptions = {
    provider: opts.provider,
    allowedProviders: opts.allowedProviders,
    hostArch: opts.hostArch,
  };
  const report = await runChecks({
    probe: opts.probe,
    checks: sshChecks,
    options: { ...options },
    facts,
    signal: opts.signal,
  });
  const agent = await (facts.get('ssh.agent') as Promise<AgentInfo>);
  const path = await (facts.get('ssh.path') as Promise<PathVerdict>);
  const { elf: _elf, ...provider } = await (facts.get('ssh.provider') as Promise<ProviderInspection>);
  const deps = report.checks.find((c) => c.id === 'ssh.provider-deps');
  const canonical = path.resolve.ok ? path.resolve.canonical : null;
  const nixos = (await opts.probe.stat('/etc/NIXOS')) !== null;
  // The agent could not find a relative path from its directory: does it exist from the user's?
  const cwd = opts.cwd ?? process.cwd();
  const mine =
    !path.resolve.ok && opts.provider !== '' && !opts.provider.startsWith('/')
      ? await resolveLikeAgent(probeResolverFs(opts.probe), opts.provider, cwd)
      : null;
  const fixes = buildFixes({
    platform: opts.probe.platform,
    input: opts.provider,
    canonical,
    list: agent.allowedProviders,
    listResult: path.list,
    agent,
    fromYourDir: mine?.ok ? lexicalNormalize(opts.provider, cwd) : null,
    provider: { ...provider },
    home: opts.probe.env.HOME,
    nixos,
  });
  return {
    input: opts.provider,
    allowed: path.list?.allowed ?? false,
    accepted: report.ok,
    canonicalPath: canonical,
    matched: path.list?.allowed ? (path.list.decidedBy?.raw ?? null) : null,
    allowedProviders: agent.allowedProviders,
    allowedProvidersFrom: agent.allowedProvidersFrom,
    agent,
    provider,
    dependencies:
      deps?.status === 'pass' || deps?.status === 'fail' || deps?.status === 'warn'
        ? (deps.data as unknown as DependencyReport)
        : null,
    fixes,
    checks: report.checks,
    summary: report.summary,
  };
}
