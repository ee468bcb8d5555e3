// The ways out of a refused provider add: a link or copy into an allowed directory, the exact -P
// value, and the service definitions that carry it (systemd user unit, macOS LaunchAgent, Nix).

import type { Fix } from '../engine/types.js';
import { asRoot, mustElevate, shq, type Elevation } from '../system/service.js';
import type { Platform } from '../system/types.js';
import { matchPatternList, splitPatternList, type PatternListResult } from './match.js';
import type { AgentInfo } from './agent.js';
import type { ProviderInspection } from './inspect.js';

export type SshFixId =
  | 'absolute-path'
  | 'use-openssh-agent'
  | 'forwarded-agent'
  | 'hard-link'
  | 'copy'
  | 'allow-list'
  | 'systemd-unit'
  | 'launch-agent'
  | 'nixos'
  | 'home-manager';

export interface SshFix extends Fix {
  id: SshFixId;
  /** A file to write, for the service-definition fixes. */
  file?: { path: string; content: string };
}

export interface FixInput {
  platform: Platform;
  input: string;
  canonical: string | null;
  list: string;
  listResult: PatternListResult | null;
  agent: AgentInfo;
  /** A relative input the agent cannot resolve, resolved against the user's directory instead (when it exists there). */
  fromYourDir?: string | null;
  provider: ProviderInspection | null;
  home: string | undefined;
  nixos: boolean;
  /** How commands that need root are run here (root itself: no sudo). */
  elevate: Elevation;
  /** systemd runs here (sd_booted), so a user unit can carry the agent. */
  systemd: boolean;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * The -P value that admits `canonical` and keeps what the current list allows: sub-patterns
 * trimmed of the whitespace ssh-agent would keep (then read for "!"), empty and over-long ones and negations that
 * refuse this path dropped, and the exact path added ("?" stands in for a comma, which cannot be
 * written inside a sub-pattern).
 */
export function proposeAllowList(list: string, canonical: string): string {
  const kept: string[] = [];
  for (const sub of splitPatternList(list)) {
    // ", !/opt/*" was meant as a negation: trim first, then read the "!".
    const raw = sub.raw.trim();
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (pattern === '' || Buffer.byteLength(pattern) > 1022) continue;
    if (negated && matchPatternList(canonical, pattern).allowed) continue;
    kept.push((negated ? '!' : '') + pattern);
  }
  const exact = canonical.replace(/,/g, '?');
  if (!kept.some((p) => !p.startsWith('!') && matchPatternList(canonical, p).allowed)) kept.push(exact);
  return kept.join(',');
}

/**
 * The first conventional library directory where a file of this name would be allowed, else a
 * directory the list itself names ("/opt/p11/*" → /opt/p11): a copy there is what that list is for.
 */
export function allowedInstallDir(list: string, name: string, platform: Platform): string | null {
  const conventional =
    platform === 'darwin' ? ['/usr/local/lib'] : ['/usr/local/lib', '/usr/lib', '/usr/local/lib64', '/usr/lib64'];
  const named = splitPatternList(list)
    .map((sub) => /^(\/[^*?!]*)\/\*$/.exec(sub.raw)?.[1])
    .filter((d): d is string => d !== undefined && !d.includes('//'));
  return [...conventional, ...named].find((d) => matchPatternList(`${d}/${name}`, list).allowed) ?? null;
}

function systemdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Nix store path "/nix/store/HASH-opensc-0.25.1/lib/x.so" → { pkg: "opensc", rest: "/lib/x.so" }. */
export function nixPackageOf(p: string): { pkg: string; rest: string } | null {
  const m = /^\/nix\/store\/[0-9a-z]{32}-([^/]+)(\/.*)$/.exec(p);
  if (!m) return null;
  const pkg = (m[1] as string).replace(/-\d[^-]*(-[a-z]+)?$/, '');
  return { pkg, rest: m[2] as string };
}

export function buildFixes(f: FixInput): SshFix[] {
  const fixes: SshFix[] = [];
  const agentBin =
    f.agent.kind === 'openssh' && f.agent.argv?.[0]?.startsWith('/') ? f.agent.argv[0] : '/usr/bin/ssh-agent';
  if (f.agent.kind === 'forwarded') {
    fixes.push({
      id: 'forwarded-agent',
      text: "SSH_AUTH_SOCK is an agent forwarded from another machine: the provider path is resolved there, and OpenSSH 9.4+ (and backports such as Debian 12's 9.2p1) refuse provider adds over a forwarded connection unless that agent runs with -O allow-remote-pkcs11. Run ssh-add -s on the machine the agent runs on, or start a local agent here.",
      commands: ['eval "$(ssh-agent -s)"', `ssh-add -s ${shq(f.canonical ?? f.input)}`],
    });
  } else if (f.agent.kind === 'gpg-agent' || f.agent.kind === 'gnome-keyring' || f.agent.kind === 'other') {
    fixes.push({
      id: 'use-openssh-agent',
      text: `SSH_AUTH_SOCK belongs to ${f.agent.program ?? 'an agent'} that is not OpenSSH's ssh-agent and does not load PKCS#11 providers. Start OpenSSH's agent and point SSH_AUTH_SOCK at it.`,
      commands: ['eval "$(ssh-agent -s)"', `ssh-add -s ${shq(f.canonical ?? f.input)}`],
    });
  }
  const relative = f.input !== '' && !f.input.startsWith('/');
  if (relative && f.canonical) {
    fixes.push({
      id: 'absolute-path',
      text: 'Give ssh-add the absolute path: the agent resolves a relative one against its own working directory.',
      commands: [`ssh-add -s ${shq(f.canonical)}`],
    });
  } else if (relative && f.fromYourDir) {
    fixes.push({
      id: 'absolute-path',
      text: `Give ssh-add the absolute path: the agent resolves a relative one against its own working directory, where it does not exist; from yours it is ${f.fromYourDir} (check that path again with pcsc ssh-check).`,
      commands: [`pcsc ssh-check ${shq(f.fromYourDir)}`, `ssh-add -s ${shq(f.fromYourDir)}`],
    });
  }
  const refusedByList = f.listResult !== null && !f.listResult.allowed;
  const usable = f.provider?.verdict === 'ok';
  if (!refusedByList || !f.canonical || !usable) return fixes;

  const name = basename(f.canonical);
  const dir = allowedInstallDir(f.list, name, f.platform);
  if (dir) {
    const dest = `${dir}/${name}`;
    const origin = [...(f.provider?.rpath ?? []), ...(f.provider?.runpath ?? [])].some((p) => p.includes('ORIGIN'));
    const caveat = origin
      ? ' Careful: this module finds its libraries through $ORIGIN, which a link or copy elsewhere breaks; prefer the -P fix.'
      : '';
    const root = mustElevate(f) ? { root: true } : {};
    fixes.push({
      id: 'hard-link',
      ...root,
      text: `Hard-link the module into ${dir}, which the agent's list allows (same file system only; re-link after the package is upgraded).${caveat}`,
      commands: [asRoot(['ln', '-f', f.canonical, dest], f), `ssh-add -s ${shq(dest)}`],
    });
    fixes.push({
      id: 'copy',
      ...root,
      text: `Or copy it there (works across file systems; copy again after upgrades).${caveat}`,
      commands: [asRoot(['install', '-m', '0644', f.canonical, dest], f), `ssh-add -s ${shq(dest)}`],
    });
  }
  const newList = proposeAllowList(f.list, f.canonical);
  fixes.push({
    id: 'allow-list',
    text: `Restart the agent with -P ${shq(newList)}: -P replaces the built-in list, so this value keeps what the current list allows and admits this provider's real path.`,
    commands: [
      'ssh-agent -k 2>/dev/null || true',
      `eval "$(ssh-agent -s -P ${shq(newList)})"`,
      `ssh-add -s ${shq(f.canonical)}`,
    ],
  });
  if (f.platform === 'linux' && !f.nixos && f.systemd) {
    const unit = [
      '[Unit]',
      'Description=OpenSSH agent that may load the PKCS#11 providers listed with -P',
      '',
      '[Service]',
      'Type=simple',
      'Environment=SSH_AUTH_SOCK=%t/ssh-agent-pkcs11.socket',
      'ExecStartPre=/bin/rm -f %t/ssh-agent-pkcs11.socket',
      `ExecStart=${agentBin} -D -a $SSH_AUTH_SOCK -P "${systemdEscape(newList)}"`,
      '',
      '[Install]',
      'WantedBy=default.target',
      '',
    ].join('\n');
    fixes.push({
      id: 'systemd-unit',
      text: 'Or run the agent as a systemd user service with that list, and point SSH_AUTH_SOCK at it in your shell profile.',
      file: { path: '~/.config/systemd/user/ssh-agent-pkcs11.service', content: unit },
      commands: [
        'systemctl --user daemon-reload',
        'systemctl --user enable --now ssh-agent-pkcs11.service',
        'export SSH_AUTH_SOCK="$XDG_RUNTIME_DIR/ssh-agent-pkcs11.socket"',
      ],
    });
  }
  if (f.platform === 'darwin') {
    const sock = `${f.home ?? '/Users/YOU'}/.ssh/agent-pkcs11.sock`;
    const args = ['/usr/bin/ssh-agent', '-D', '-a', sock, '-P', newList].map(
      (a) => `    <string>${xmlEscape(a)}</string>`,
    );
    const plist = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
      '<plist version="1.0">',
      '<dict>',
      '  <key>Label</key>',
      '  <string>local.ssh-agent-pkcs11</string>',
      '  <key>ProgramArguments</key>',
      '  <array>',
      ...args,
      '  </array>',
      '  <key>RunAtLoad</key>',
      '  <true/>',
      '</dict>',
      '</plist>',
      '',
    ].join('\n');
    fixes.push({
      id: 'launch-agent',
      text: "macOS's own agent cannot take -P (its launchd plist is on the SIP-protected system volume): run your own agent as a LaunchAgent and use its socket.",
      file: { path: '~/Library/LaunchAgents/local.ssh-agent-pkcs11.plist', content: plist },
      commands: [
        'launchctl load -w ~/Library/LaunchAgents/local.ssh-agent-pkcs11.plist',
        `export SSH_AUTH_SOCK=${shq(sock)}`,
      ],
    });
  }
  const nix = nixPackageOf(f.canonical);
  if (f.nixos || nix) {
    const value = nix ? `\${pkgs.${nix.pkg}}${nix.rest}` : f.canonical;
    fixes.push({
      id: 'nixos',
      text: `On NixOS, set the agent's list in configuration.nix (store paths change on upgrade, so name the package${nix ? `; "${nix.pkg}" is read from the store path` : ''}), then nixos-rebuild switch.`,
      commands: [`programs.ssh.agentPKCS11Whitelist = "${value}";`],
    });
    fixes.push({
      id: 'home-manager',
      text: "With home-manager's ssh-agent service instead:",
      commands: [`services.ssh-agent.pkcs11Whitelist = [ "${value}" ];`],
    });
  }
  return fixes;
}
