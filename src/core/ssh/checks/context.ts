// What the ssh-check checks share, computed once per run and kept in the engine's facts:
// the agent, the provider path as the agent resolves and matches it, and the file inspection.

import type { Check, CheckContext } from '../../engine/types.js';
import type { SystemProbe } from '../../system/types.js';
import { findAgent, type AgentInfo } from '../agent.js';
import { matchPatternList, type PatternListResult } from '../match.js';
import { lexicalNormalize, probeResolverFs, resolveLikeAgent, type ResolveResult } from '../realpath.js';
import { inspectProvider, type ProviderFs, type ProviderInspection } from '../inspect.js';
import type { DependencyReport, LoaderFs } from '../ldso.js';

export interface SshCheckOptions {
  /** The provider path exactly as it would be given to `ssh-add -s`. */
  provider: string;
  /** The -P list to judge against instead of the running agent's. */
  allowedProviders?: string;
  /** This machine's architecture in Node's spelling (tests of foreign binaries). */
  hostArch?: string;
}

export interface PathVerdict {
  resolve: ResolveResult;
  /** The list evaluated against the canonical path (null when realpath failed). */
  list: PatternListResult | null;
  /** The list evaluated against the path as typed, "//", "." and ".." folded: what the user expects. */
  asTyped: PatternListResult;
  /** A symlink took an allowed-looking path out of the allowed tree. */
  symlinkLeaves: boolean;
}

/** What the ssh checks share: each computed once, by whichever check asks first. */
export interface SshFacts {
  'ssh.agent': Promise<AgentInfo>;
  'ssh.path': Promise<PathVerdict>;
  'ssh.provider': Promise<ProviderInspection>;
  /** From ssh.provider-deps, when it followed the provider's libraries. */
  'ssh.dependencies': ProviderDependencies;
}

/** The provider's libraries as the loader would find them, and where LD_LIBRARY_PATH came from. */
export interface ProviderDependencies extends DependencyReport {
  ldLibraryPathFrom: AgentInfo['envFrom'];
}

export type SshCheck = Check<SshFacts, SshCheckOptions>;
/** The part of a check's context the shared computations need (runSshCheck builds one after the run). */
export type SshContext = Pick<CheckContext<SshFacts, SshCheckOptions>, 'probe' | 'facts' | 'options'>;

type Shared = 'ssh.agent' | 'ssh.path' | 'ssh.provider';

function memo<K extends Shared>(ctx: SshContext, key: K, make: () => SshFacts[K]): SshFacts[K] {
  let p = ctx.facts.get(key);
  if (!p) {
    p = make();
    ctx.facts.set(key, p);
  }
  return p;
}

export function agentOf(ctx: SshContext): Promise<AgentInfo> {
  return memo(ctx, 'ssh.agent', () => findAgent(ctx.probe, ctx.options.allowedProviders));
}

export function pathVerdictOf(ctx: SshContext): Promise<PathVerdict> {
  return memo(ctx, 'ssh.path', async () => {
    const agent = await agentOf(ctx);
    const { provider } = ctx.options;
    const resolve = await resolveLikeAgent(probeResolverFs(ctx.probe), provider, agent.cwd);
    const list = resolve.ok ? matchPatternList(resolve.canonical, agent.allowedProviders) : null;
    const asTyped = matchPatternList(lexicalNormalize(provider, agent.cwd), agent.allowedProviders);
    const symlinkLeaves = resolve.hops.length > 0 && asTyped.allowed && list !== null && !list.allowed;
    return { resolve, list, asTyped, symlinkLeaves };
  });
}

export function providerOf(ctx: SshContext): Promise<ProviderInspection> {
  return memo(ctx, 'ssh.provider', async () => {
    const { resolve } = await pathVerdictOf(ctx);
    const agent = await agentOf(ctx);
    const path = resolve.ok ? resolve.canonical : lexicalNormalize(resolve.input, agent.cwd);
    return inspectProvider(providerFs(ctx.probe), path, ctx.options.hostArch);
  });
}

export function providerFs(probe: SystemProbe): ProviderFs {
  return {
    async stat(p) {
      const s = await probe.stat(p);
      return s ? { isFile: s.isFile, isDirectory: s.isDirectory, size: s.size } : null;
    },
    readBinary: (p) => probe.readBytes(p),
  };
}

export function loaderFs(probe: SystemProbe): LoaderFs {
  return {
    async readBinary(p) {
      const b = await probe.readBytes(p);
      return b instanceof Uint8Array ? b : null;
    },
    readText: (p) => probe.readFile(p),
    readDir: (p) => probe.readDir(p),
  };
}
