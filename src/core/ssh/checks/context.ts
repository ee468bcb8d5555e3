// What the ssh-check checks share, computed once per run and kept in the engine's facts:
// the agent, the provider path as the agent resolves and matches it, and the file inspection.

import { readFile } from 'node:fs/promises';
import type { CheckContext, SystemProbe } from '../../types.js';
import { findAgent, type AgentInfo } from '../../../ssh/agent.js';
import { matchPatternList, type PatternListResult } from '../../../ssh/match.js';
import { lexicalNormalize, probeResolverFs, resolveLikeAgent, type ResolveResult } from '../../../ssh/realpath.js';
import { inspectProvider, type ProviderFs, type ProviderInspection } from '../../../ssh/inspect.js';
import type { LoaderFs } from '../../../ssh/ldso.js';

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

export function sshOptions(ctx: CheckContext): SshCheckOptions {
  const o = ctx.options as Partial<SshCheckOptions>;
  if (typeof o.provider !== 'string') throw new Error('ssh checks need options.provider');
  return { provider: o.provider, allowedProviders: o.allowedProviders, hostArch: o.hostArch };
}

function memo<T>(ctx: CheckContext, key: string, make: () => Promise<T>): Promise<T> {
  let p = ctx.facts.get(key) as Promise<T> | undefined;
  if (!p) {
    p = make();
    ctx.facts.set(key, p);
  }
  return p;
}

export function agentOf(ctx: CheckContext): Promise<AgentInfo> {
  return memo(ctx, 'ssh.agent', () => findAgent(ctx.probe, sshOptions(ctx).allowedProviders));
}

export function pathVerdictOf(ctx: CheckContext): Promise<PathVerdict> {
  return memo(ctx, 'ssh.path', async () => {
    const agent = await agentOf(ctx);
    const { provider } = sshOptions(ctx);
    const resolve = await resolveLikeAgent(probeResolverFs(ctx.probe), provider, agent.cwd);
    const list = resolve.ok ? matchPatternList(resolve.canonical, agent.allowedProviders) : null;
    const asTyped = matchPatternList(lexicalNormalize(provider, agent.cwd), agent.allowedProviders);
    const symlinkLeaves = resolve.hops.length > 0 && asTyped.allowed && list !== null && !list.allowed;
    return { resolve, list, asTyped, symlinkLeaves };
  });
}

export function providerOf(ctx: CheckContext): Promise<ProviderInspection> {
  return memo(ctx, 'ssh.provider', async () => {
    const { resolve } = await pathVerdictOf(ctx);
    const agent = await agentOf(ctx);
    const path = resolve.ok ? resolve.canonical : lexicalNormalize(resolve.input, agent.cwd);
    return inspectProvider(providerFs(ctx.probe), path, sshOptions(ctx).hostArch);
  });
}

async function readBytes(probe: SystemProbe, p: string): Promise<Uint8Array | { error: string }> {
  try {
    return await readFile(probe.path(p));
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? 'EIO' };
  }
}

export function providerFs(probe: SystemProbe): ProviderFs {
  return {
    async stat(p) {
      const s = await probe.stat(p);
      return s ? { isFile: s.isFile, isDirectory: s.isDirectory, size: s.size } : null;
    },
    readBinary: (p) => readBytes(probe, p),
  };
}

export function loaderFs(probe: SystemProbe): LoaderFs {
  return {
    async readBinary(p) {
      const b = await readBytes(probe, p);
      return b instanceof Uint8Array ? b : null;
    },
    readText: (p) => probe.readFile(p),
    readDir: (p) => probe.readDir(p),
  };
}
