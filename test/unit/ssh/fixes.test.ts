// The fixes: the proposed -P value must admit the path; quoting must survive a real shell.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allowedInstallDir,
  buildFixes,
  nixPackageOf,
  proposeAllowList,
  type FixInput,
} from '../../../src/core/ssh/fixes.js';
import { matchPatternList, DEFAULT_ALLOWED_PROVIDERS } from '../../../src/core/ssh/match.js';
import type { AgentInfo } from '../../../src/core/ssh/agent.js';
import type { ProviderInspection } from '../../../src/core/ssh/inspect.js';

describe('proposeAllowList', () => {
  it('always admits the path, whatever the list', () => {
    const seg = fc
      .array(fc.constantFrom('a', 'b', '/', '*', '?', ' ', '!', ','), { maxLength: 12 })
      .map((a) => a.join(''));
    const path = fc
      .array(fc.constantFrom('a', 'b', '/', ',', ' ', 'é'), { minLength: 1, maxLength: 12 })
      .map((a) => '/' + a.join(''));
    fc.assert(
      fc.property(seg, path, (list, p) => matchPatternList(p, proposeAllowList(list, p)).allowed),
      { numRuns: 3000 },
    );
  });

  it.each([
    [DEFAULT_ALLOWED_PROVIDERS, '/opt/p11/lib.so', '/usr/lib*/*,/usr/local/lib*/*,/opt/p11/lib.so'],
    ['/usr/lib*/*, /opt/p11/*', '/opt/p11/lib.so', '/usr/lib*/*,/opt/p11/*'],
    ['!/opt/p11/*,/opt/*', '/opt/p11/lib.so', '/opt/*'],
    ['!/opt/x/*,/usr/*', '/opt/p11/lib.so', '!/opt/x/*,/usr/*,/opt/p11/lib.so'],
    [`/opt/*,/${'x'.repeat(1100)}`, '/opt/p11/lib.so', '/opt/*'],
    ['/usr/*,,', '/opt/a,b.so', '/usr/*,/opt/a?b.so'],
  ])('%s + %s → %s', (list, p, want) => expect(proposeAllowList(list, p)).toBe(want));
});

it('allowedInstallDir picks a conventional directory the list allows', () => {
  expect(allowedInstallDir(DEFAULT_ALLOWED_PROVIDERS, 'x.so', 'linux')).toBe('/usr/local/lib');
  expect(allowedInstallDir('/usr/lib/*', 'x.so', 'linux')).toBe('/usr/lib');
  // Else a directory the list itself names, unless a negation or the pattern's shape rules it out.
  expect(allowedInstallDir('/opt/p11/*', 'x.so', 'linux')).toBe('/opt/p11');
  expect(allowedInstallDir('!/opt/p11/x*,/opt/p11/*', 'x.so', 'linux')).toBeNull();
  expect(allowedInstallDir('/opt/*/lib/*,/opt/x.so', 'x.so', 'linux')).toBeNull();
  expect(allowedInstallDir('/opt/p11/*.so', 'x.so', 'linux')).toBeNull();
});

it('nixPackageOf reads the package name from a store path', () => {
  expect(nixPackageOf('/nix/store/0123456789abcdfghijklmnpqrsvwxyz-opensc-0.25.1/lib/opensc-pkcs11.so')).toEqual({
    pkg: 'opensc',
    rest: '/lib/opensc-pkcs11.so',
  });
  expect(nixPackageOf('/nix/store/0123456789abcdfghijklmnpqrsvwxyz-yubico-piv-tool-2.5.2/lib/libykcs11.so')?.pkg).toBe(
    'yubico-piv-tool',
  );
  expect(nixPackageOf('/usr/lib/x.so')).toBeNull();
});

describe('buildFixes', () => {
  const agent = (over: Partial<AgentInfo> = {}): AgentInfo => ({
    socket: '/s',
    socketExists: true,
    via: 'socket-owner',
    pid: 1,
    argv: ['/usr/bin/ssh-agent'],
    kind: 'openssh',
    program: 'ssh-agent',
    allowedProviders: DEFAULT_ALLOWED_PROVIDERS,
    allowedProvidersFrom: 'default',
    allowRemotePkcs11: false,
    cwd: '/',
    cwdFrom: 'proc',
    ldLibraryPath: undefined,
    envFrom: 'proc',
    notes: [],
    ...over,
  });
  const okProvider = { verdict: 'ok', rpath: [], runpath: [] } as unknown as ProviderInspection;
  const input = (over: Partial<FixInput>): FixInput => {
    const canonical = over.canonical ?? '/opt/p 11%/lib.so';
    const list = over.list ?? DEFAULT_ALLOWED_PROVIDERS;
    return {
      platform: 'linux',
      input: canonical,
      canonical,
      list,
      listResult: matchPatternList(canonical, list),
      agent: agent(),
      provider: okProvider,
      home: '/home/u',
      nixos: false,
      elevate: 'sudo',
      systemd: true,
      ...over,
    };
  };

  it('a refused path gets link, copy, -P and a systemd unit with escaped specifiers', () => {
    const f = buildFixes(input({}));
    expect(f.map((x) => x.id)).toEqual(['hard-link', 'copy', 'allow-list', 'systemd-unit']);
    expect(f[0]?.commands?.[0]).toBe("sudo ln -f '/opt/p 11%/lib.so' /usr/local/lib/lib.so");
    expect(f[3]?.file?.content).toContain('-P "/usr/lib*/*,/usr/local/lib*/*,/opt/p 11%%/lib.so"');
  });

  it('offers the systemd user unit only where systemd runs', () => {
    expect(buildFixes(input({ systemd: false })).map((x) => x.id)).toEqual(['hard-link', 'copy', 'allow-list']);
  });

  it('root gets the link and copy without sudo and without the needs-root mark; no sudo, su -l -c', () => {
    const asRoot = buildFixes(input({ elevate: 'root' }));
    expect(asRoot[0]?.commands?.[0]).toBe("ln -f '/opt/p 11%/lib.so' /usr/local/lib/lib.so");
    expect(asRoot[1]?.commands?.[0]).toBe("install -m 0644 '/opt/p 11%/lib.so' /usr/local/lib/lib.so");
    expect(asRoot.map((x) => x.root)).toEqual([undefined, undefined, undefined, undefined]);
    const su = buildFixes(input({ elevate: 'su' }));
    expect(su[0]?.commands?.[0]).toBe("su -l -c 'ln -f '\\''/opt/p 11%/lib.so'\\'' /usr/local/lib/lib.so'");
    expect(su[0]?.root).toBe(true);
  });

  it('warns that a copy breaks $ORIGIN lookups', () => {
    const f = buildFixes(input({ provider: { ...okProvider, runpath: ['$ORIGIN/../lib'] } }));
    expect(f[0]?.text).toMatch(/\$ORIGIN/);
  });

  it('an allowed path gets no list fixes; a relative one is told to use the absolute path', () => {
    expect(buildFixes(input({ canonical: '/usr/lib/x.so' }))).toEqual([]);
    expect(buildFixes(input({ canonical: '/usr/lib/x.so', input: 'x.so' })).map((x) => x.id)).toEqual([
      'absolute-path',
    ]);
  });

  it('a list naming its own directory gets a link and a copy into it', () => {
    const f = buildFixes(input({ canonical: '/home/u/lib/p11.so', list: '/opt/p11/*' }));
    expect(f.map((x) => x.id)).toEqual(['hard-link', 'copy', 'allow-list', 'systemd-unit']);
    expect(f[1]?.commands).toEqual([
      'sudo install -m 0644 /home/u/lib/p11.so /opt/p11/p11.so',
      'ssh-add -s /opt/p11/p11.so',
    ]);
  });

  it('a relative path the agent cannot find gets the absolute one from your directory', () => {
    const f = buildFixes(
      input({ input: 'lib/p11.so', canonical: null, listResult: null, fromYourDir: '/home/u/lib/p11.so' }),
    );
    expect(f).toEqual([
      expect.objectContaining({
        id: 'absolute-path',
        commands: ['pcsc ssh-check /home/u/lib/p11.so', 'ssh-add -s /home/u/lib/p11.so'],
      }),
    ]);
    expect(buildFixes(input({ input: 'lib/p11.so', canonical: null, listResult: null, fromYourDir: null }))).toEqual(
      [],
    );
  });

  it('forwarded and non-OpenSSH agents come first', () => {
    expect(buildFixes(input({ agent: agent({ kind: 'forwarded' }) }))[0]?.id).toBe('forwarded-agent');
    expect(buildFixes(input({ agent: agent({ kind: 'gpg-agent', program: 'gpg-agent' }) }))[0]?.text).toMatch(
      /gpg-agent/,
    );
  });

  it('macOS gets a LaunchAgent with XML-escaped arguments; NixOS the options', () => {
    const mac = buildFixes(input({ platform: 'darwin', canonical: '/opt/homebrew/lib/a&b.dylib' }));
    const la = mac.find((x) => x.id === 'launch-agent');
    expect(la?.file?.content).toContain(
      '<string>/usr/lib*/*,/usr/local/lib*/*,/opt/homebrew/lib/a&amp;b.dylib</string>',
    );
    expect(la?.file?.content).toContain('<string>/home/u/.ssh/agent-pkcs11.sock</string>');
    const nix = buildFixes(
      input({
        nixos: true,
        canonical: '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-opensc-0.25.1/lib/opensc-pkcs11.so',
      }),
    );
    expect(nix.map((x) => x.id)).not.toContain('systemd-unit');
    expect(nix.find((x) => x.id === 'nixos')?.commands).toEqual([
      'programs.ssh.agentPKCS11Whitelist = "${pkgs.opensc}/lib/opensc-pkcs11.so";',
    ]);
    expect(nix.find((x) => x.id === 'home-manager')?.commands).toEqual([
      'services.ssh-agent.pkcs11Whitelist = [ "${pkgs.opensc}/lib/opensc-pkcs11.so" ];',
    ]);
  });
});
