// ssh.provider-deps: the provider's DT_NEEDED libraries, searched for as the dynamic loader would.

import type { CheckResult } from '../../engine/types.js';
import { type SshCheck, agentOf, loaderFs, providerOf } from './context.js';
import { resolveDependencies } from '../ldso.js';
import { asRoot, detectMachineByPaths, mustElevate } from '../../system/service.js';

export const providerDepsCheck: SshCheck = {
  id: 'ssh.provider-deps',
  title: "Provider's libraries can be found by the loader",
  category: 'ssh',
  platforms: ['linux', 'freebsd', 'openbsd'],
  dependsOn: ['ssh.provider-file'],
  timeoutMs: 20_000,
  async run(ctx): Promise<CheckResult> {
    const p = await providerOf(ctx);
    if (!p.elf) return { status: 'skip', summary: 'Only ELF libraries are followed' };
    const agent = await agentOf(ctx);
    const rep = await resolveDependencies(loaderFs(ctx.probe), p.path, p.elf, { ldLibraryPath: agent.ldLibraryPath });
    const data = { ...rep, ldLibraryPathFrom: agent.envFrom };
    ctx.facts.set('ssh.dependencies', data);
    const details = rep.entries.map(
      (e) =>
        `${e.name} (needed by ${e.neededBy}) → ${e.path ?? 'NOT FOUND'}${e.via && e.via !== 'loaded' ? ` [${e.via}]` : ''}`,
    );
    if (rep.missing.length === 0) {
      return {
        status: rep.truncated ? 'warn' : 'pass',
        summary: `All ${new Set(rep.entries.map((e) => e.path)).size} libraries it needs are found${rep.truncated ? ' (walk stopped at its object limit)' : ''}`,
        details,
        data,
      };
    }
    const names = [...new Set(rep.missing.map((e) => e.name))];
    details.unshift(
      `dlopen() would fail with "${names[0]}: cannot open shared object file: No such file or directory".`,
    );
    for (const e of rep.missing) for (const s of e.skipped) details.push(`skipped ${s.path}: ${s.reason}`);
    const m = await detectMachineByPaths(ctx.probe); // the elevation alone
    return {
      status: 'fail',
      summary: `Missing ${names.length === 1 ? 'library' : 'libraries'}: ${names.join(', ')}`,
      details,
      data,
      fix: {
        text: "Install the package that provides it, or add its directory to /etc/ld.so.conf.d/ and run ldconfig (the agent's environment, not your shell's, is what counts for LD_LIBRARY_PATH).",
        commands: [asRoot(['ldconfig'], m)],
        ...(mustElevate(m) ? { root: true } : {}),
      },
    };
  },
};
