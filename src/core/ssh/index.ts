// `pcsc/ssh`: would ssh-agent load this PKCS#11 provider, and how to make it. Resolves and matches
// the path as the agent does, inspects the file and its libraries, and proposes the fixes, without
// loading anything. Importing it does no work: the checks run when called.

/** Runs the ssh checks on the check engine and returns the verdict, the evidence and the fixes. */
export { runSshCheck, type RunSshCheckOptions, type SshCheckResult } from './ssh-check.js';
/** The ssh checks, their options and the facts they share (to run them on your own engine call). */
export { sshChecks } from './checks/index.js';
export type { PathVerdict, ProviderDependencies, SshCheck, SshCheckOptions, SshFacts } from './checks/context.js';
/** A way out of a refused add: a link, a copy, the exact -P value, a service definition. */
export type { SshFix, SshFixId } from './fixes.js';
/** The agent behind SSH_AUTH_SOCK: its kind, -P list and where each came from. */
export { findAgent, type AgentInfo, type AgentKind } from './agent.js';
/** The provider file: format, architecture, entry point, what the agent would say about it. */
export type { ProviderInspection, ProviderVerdict } from './inspect.js';
/** OpenSSH's pattern lists (match.c): one pattern, a -P list, and the agent's built-in list. */
export { matchPattern, matchPatternList, DEFAULT_ALLOWED_PROVIDERS, type PatternListResult } from './match.js';
/** The view of the system the checks read (default: the live system). */
export { createProbe, type ProbeOptions } from '../system/probe.js';
export type { SystemProbe } from '../system/types.js';
/** The engine's report types, as `checks[]` carries them. */
export type { CheckReport, CheckStatus, Fix } from '../engine/types.js';
