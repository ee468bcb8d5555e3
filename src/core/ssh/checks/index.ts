// The ssh-check family: one agent check, then the provider's path, file and libraries.

import type { SshCheck } from './context.js';
import { agentCheck } from './agent.js';
import { providerPathCheck } from './provider-path.js';
import { providerFileCheck } from './provider-file.js';
import { providerDepsCheck } from './provider-deps.js';

export const sshChecks: readonly SshCheck[] = [agentCheck, providerPathCheck, providerFileCheck, providerDepsCheck];
