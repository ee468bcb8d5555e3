// ssh.agent: which agent answers on SSH_AUTH_SOCK, and what it will do with a provider add.

import type { CheckResult } from '../../engine/types.js';
import { type SshCheck, agentOf } from './context.js';

export const agentCheck: SshCheck = {
  id: 'ssh.agent',
  title: 'The agent behind SSH_AUTH_SOCK',
  category: 'ssh',
  platforms: ['linux', 'darwin', 'freebsd', 'openbsd'],
  async run(ctx): Promise<CheckResult> {
    const a = await agentOf(ctx);
    const explicit = ctx.options.allowedProviders !== undefined;
    const data = { ...a };
    const details = [...a.notes];
    const listLine =
      a.allowedProvidersFrom === 'argv'
        ? `-P ${a.allowedProviders}`
        : a.allowedProvidersFrom === 'option'
          ? `-P ${a.allowedProviders} (given on our command line)`
          : `the built-in list ${a.allowedProviders}`;
    if (!a.socket) {
      return {
        status: 'warn',
        summary: `SSH_AUTH_SOCK is not set: ssh-add has no agent to talk to; judging against ${listLine}`,
        details,
        data,
        fix: { text: 'Start an agent in this shell.', commands: ['eval "$(ssh-agent -s)"'] },
      };
    }
    if (a.socketExists === false) {
      return {
        status: 'fail',
        summary: `SSH_AUTH_SOCK=${a.socket} is not a socket: ssh-add will fail with "Error connecting to agent"`,
        details,
        data,
        fix: { text: 'The agent has gone away; start a new one.', commands: ['eval "$(ssh-agent -s)"'] },
      };
    }
    if (a.kind === 'forwarded') {
      details.push(
        'The agent runs on the machine you connected from: the provider path is resolved there, not here.',
        'OpenSSH 9.4+ (and backports such as Debian 12\'s 9.2p1-2+deb12u1) refuse provider adds from forwarded connections ("remote addition of providers is disabled") unless the agent runs with -O allow-remote-pkcs11.',
      );
      return {
        status: 'fail',
        summary: `SSH_AUTH_SOCK is forwarded by ${a.program} (pid ${a.pid}): provider adds go to an agent on another machine`,
        details,
        data,
        fix: {
          text: 'Run ssh-add -s on the machine where the agent runs, or start a local agent here.',
          commands: ['eval "$(ssh-agent -s)"'],
        },
      };
    }
    if (a.kind === 'gpg-agent' || a.kind === 'gnome-keyring' || a.kind === 'other') {
      details.push(
        `Only OpenSSH's ssh-agent implements provider adds; ${a.program} answers "agent refused operation" (or "communication with agent failed").`,
      );
      return {
        status: 'fail',
        summary: `SSH_AUTH_SOCK belongs to ${a.program} (pid ${a.pid}), not OpenSSH's ssh-agent`,
        details,
        data,
        fix: { text: "Start OpenSSH's agent and point SSH_AUTH_SOCK at it.", commands: ['eval "$(ssh-agent -s)"'] },
      };
    }
    if (a.pid === null) {
      const assumed = explicit ? listLine : `assuming ${listLine}`;
      return {
        status: a.kind === 'openssh' ? 'pass' : 'warn',
        summary:
          a.kind === 'openssh'
            ? `macOS launchd's ssh-agent: ${listLine}`
            : `Could not identify the process behind ${a.socket}; ${assumed}`,
        details,
        data,
      };
    }
    details.push(
      `command line: ${(a.argv ?? []).join(' ')}`,
      `working directory: ${a.cwd}${a.cwdFrom === 'assumed' ? ' (assumed)' : ''}`,
    );
    const remote = a.allowRemotePkcs11 ? ', -O allow-remote-pkcs11' : '';
    return { status: 'pass', summary: `ssh-agent (pid ${a.pid}) with ${listLine}${remote}`, details, data };
  },
};
