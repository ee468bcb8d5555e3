// `ssh-check`: runs the ssh checks on the check engine and gathers the verdict the CLI prints
// and returns as JSON (allowed, canonicalPath, matched, provider, fixes, checks).

import { createFacts, runChecks } from '../engine/engine.js';
import type { CheckReport, CheckStatus } from '../engine/types.js';
import { createProbe } from '../system/probe.js';
import { detectMachineByPaths } from '../system/service.js';
import type { SystemProbe } from '../system/types.js';
import type { AgentInfo } from './agent.js';
import type { ProviderInspection } from './inspect.js';
import {
  agentOf,
  pathVerdictOf,
  providerOf,
  type ProviderDependencies,
  type SshCheckOptions,
  type SshContext,
  type SshFacts,
} from './checks/context.js';
import { sshChecks } from './checks/index.js';
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
  /** The provider's libraries as the loader finds them (null when they were not followed). */
  dependencies: ProviderDependencies | null;
  fixes: SshFix[];
  checks: CheckReport[];
  summary: Record<CheckStatus, number>;
}

export interface RunSshCheckOptions extends SshCheckOptions {
  /** The system to examine (default: the live one). */
  probe?: SystemProbe;
  signal?: AbortSignal;
  /** The user's directory, for a relative provider the agent cannot find from its own; default process.cwd(). */
  cwd?: string;
}

export async function runSshCheck(opts: RunSshCheckOptions): Promise<SshCheckResult> {
  const facts = createFacts<SshFacts>();
  const options: SshCheckOptions = {
    provider: opts.provider,
    allowedProviders: opts.allowedProviders,
    hostArch: opts.hostArch,
  };
  const probe = opts.probe ?? createProbe();
  const report = await runChecks({ probe, checks: sshChecks, options, facts, signal: opts.signal });
  // What the checks computed, read back from the facts (computed here if no check got that far).
  const shared: SshContext = { probe, facts, options };
  const agent = await agentOf(shared);
  const path = await pathVerdictOf(shared);
  const { elf: _elf, ...provider } = await providerOf(shared);
  const canonical = path.resolve.ok ? path.resolve.canonical : null;
  const nixos = (await probe.stat('/etc/NIXOS')) !== null;
  // Its elevation and whether systemd runs: no /proc walk for them.
  const machine = await detectMachineByPaths(probe);
  // The agent could not find a relative path from its directory: does it exist from the user's?
  const cwd = opts.cwd ?? process.cwd();
  const mine =
    !path.resolve.ok && opts.provider !== '' && !opts.provider.startsWith('/')
      ? await resolveLikeAgent(probeResolverFs(probe), opts.provider, cwd)
      : null;
  const fixes = buildFixes({
    platform: probe.platform,
    input: opts.provider,
    canonical,
    list: agent.allowedProviders,
    listResult: path.list,
    agent,
    fromYourDir: mine?.ok ? lexicalNormalize(opts.provider, cwd) : null,
    provider: { ...provider },
    home: probe.env.HOME,
    nixos,
    elevate: machine.elevate,
    systemd: machine.init === 'systemd',
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
    dependencies: facts.get('ssh.dependencies') ?? null,
    fixes,
    checks: report.checks,
    summary: report.summary,
  };
}
