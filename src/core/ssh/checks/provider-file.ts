// ssh.provider-file: the provider file itself, read but never loaded.

import type { CheckResult } from '../../engine/types.js';
import { type SshCheck, providerOf } from './context.js';

export const providerFileCheck: SshCheck = {
  id: 'ssh.provider-file',
  title: 'Provider is a loadable PKCS#11 module',
  category: 'ssh',
  platforms: ['linux', 'darwin', 'freebsd', 'openbsd'],
  async run(ctx): Promise<CheckResult> {
    const p = await providerOf(ctx);
    const { elf: _elf, ...data } = p;
    if (p.verdict === 'ok') {
      const what =
        p.format === 'elf' ? `ELF shared library for ${p.arch.join(', ')}` : `Mach-O ${p.objectType} for ${p.hostArch}`;
      return { status: 'pass', summary: `${p.path}: ${what}, exports C_GetFunctionList`, data };
    }
    const details = p.problems.slice(1);
    if (p.verdict === 'no-symbol-string') details.push('The agent logs: provider … is not a PKCS11 library');
    else if (p.verdict !== 'missing')
      details.push(
        'ssh-pkcs11-helper would fail to load it (dlopen or dlsym), and ssh-add says "agent refused operation".',
      );
    return { status: 'fail', summary: p.problems[0] ?? p.verdict, details, data };
  },
};
