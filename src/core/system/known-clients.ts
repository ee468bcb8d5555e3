// Well-known PC/SC clients: what each program is, and how to make it share the card or let go of it.
// Matched on the process's command name (argv[0] or executable basename). Each entry cites the
// document or code that says so; `pcsc clients` and the busy-reader fix (doctor, apdu, scan) use it.

import { posix } from 'node:path';

export interface KnownClient {
  /** Stable id ("scdaemon"), used in --json. */
  id: string;
  /** What the program is, in a few words. */
  what: string;
  /** How to make it share the reader, or release it. */
  share: string;
  /** A command that releases the card, when there is one (run as the program's user). */
  release?: string;
  /** The document or code that says so. */
  source: string;
}

interface Entry extends KnownClient {
  /** Command names (argv[0] / exe basename) that are this program. */
  names: RegExp;
}

const TABLE: Entry[] = [
  {
    id: 'scdaemon',
    names: /^scdaemon$/,
    what: "GnuPG's smart card daemon (started by gpg-agent)",
    share:
      'it opens cards exclusively unless ~/.gnupg/scdaemon.conf has the line pcsc-shared; add it, or stop it when GnuPG is not using the card',
    release: 'gpgconf --kill scdaemon',
    source: 'https://www.gnupg.org/documentation/manuals/gnupg/Scdaemon-Options.html',
  },
  {
    id: 'gpg-agent',
    names: /^gpg-agent$/,
    what: "GnuPG's agent; it reaches cards through scdaemon",
    share: 'it starts scdaemon on demand: see scdaemon',
    release: 'gpgconf --kill scdaemon',
    source: 'https://www.gnupg.org/documentation/manuals/gnupg/Invoking-GPG_002dAGENT.html',
  },
  {
    id: 'gsd-smartcard',
    names: /^gsd-smartcard$/,
    what: "GNOME's smart card watcher (locks the session when the card is removed)",
    share: 'it watches cards through NSS; stop it for the session if it keeps the card busy',
    release: 'systemctl --user stop org.gnome.SettingsDaemon.Smartcard.service',
    source: 'https://gitlab.gnome.org/GNOME/gnome-settings-daemon/-/tree/master/plugins/smartcard',
  },
  {
    id: 'keepassxc',
    names: /^keepassxc(-proxy)?$/i,
    what: 'KeePassXC password manager (hardware keys over PC/SC: YubiKey challenge-response)',
    share: 'it polls readers for hardware keys while a database is open or being unlocked; lock or close it',
    source: 'https://github.com/keepassxreboot/keepassxc/pull/6895',
  },
  {
    id: 'yubico-authenticator',
    // yubioath-flutter: the program's name where it is built from source (NixOS; its GTK name in Yubico's builds).
    names: /^(authenticator|yubioath-desktop|yubioath-flutter|authenticator-helper|yubico-authenticator)$/i,
    what: 'Yubico Authenticator (its helper talks to the YubiKey over PC/SC)',
    share: 'close the application: it keeps a connection to the key while it runs',
    source: 'https://github.com/Yubico/yubioath-flutter',
  },
  {
    id: 'ykman',
    names: /^ykman$/,
    what: 'YubiKey Manager (command line)',
    share: 'short-lived: wait for it to finish, or end it',
    source: 'https://github.com/Yubico/yubikey-manager',
  },
  {
    id: 'browser',
    names: /^(firefox(-esr|-bin)?|thunderbird(-bin)?|chrome|chromium(-browser)?|google-chrome|brave|msedge)$/i,
    what: 'a browser or mail client with a PKCS#11 module loaded through NSS (OpenSC, p11-kit)',
    share: 'it keeps a PC/SC context while it runs; close it, or unload the module (Settings → Security Devices)',
    source: 'https://github.com/OpenSC/OpenSC/wiki/Using-OpenSC',
  },
  {
    id: 'opensc-tool',
    names:
      /^(opensc-tool|opensc-explorer|pkcs11-tool|pkcs15-tool|pkcs15-crypt|pkcs15-init|piv-tool|openpgp-tool|cardos-tool|eidenv|sc-hsm-tool)$/,
    what: 'an OpenSC tool',
    share: 'short-lived (opensc-explorer is interactive): let it finish or quit it',
    source: 'https://github.com/OpenSC/OpenSC/wiki',
  },
  {
    id: 'opensc-notify',
    names: /^opensc-notify$/,
    what: "OpenSC's desktop notifier for card events",
    share: 'it watches readers and shares them; stop it if a reader stays busy',
    source: 'https://github.com/OpenSC/OpenSC/blob/master/src/tools/opensc-notify.c',
  },
  {
    id: 'pcsc-tools',
    names: /^(pcsc_scan|scriptor|gscriptor|ATR_analysis)$/,
    what: 'pcsc-tools (pcsc_scan watches readers; scriptor/gscriptor send APDUs)',
    share: 'end it (Ctrl-C in its terminal)',
    source: 'https://pcsc-tools.apdu.fr/',
  },
  {
    id: 'pcsc-proxy',
    names: /^pcsc (proxy|spy)$/,
    what: "pcsc's proxy (pcsc proxy / pcsc spy): it forwards its own clients, listed under it",
    share: 'the hold is one of its clients: see the clients listed through it',
    source: 'docs/proxy.md',
  },
];

const PCSC_COMMANDS = new Set(['proxy', 'spy', 'scan', 'apdu', 'doctor', 'clients', 'atr', 'version', 'ssh-check']);

/** The command a process is known by: argv[0]'s basename, else its executable's; "pcsc proxy" for our proxy. */
export function commandName(argv: readonly string[], exe?: string): string {
  const base = posix.basename(argv[0] ?? '') || posix.basename(exe ?? '');
  // Node programs: the script names the program (`node /usr/bin/pcsc proxy`).
  if (/^(node|nodejs|bun|deno)$/.test(base) && argv[1]) {
    const script = posix.basename(argv[1]).replace(/\.(c|m)?js$/, '');
    const sub = argv[2] ?? '';
    // Installed, the script is `pcsc`; from a checkout, bin/run.js or bin/dev.js with a pcsc command after it.
    if (script === 'pcsc' || ((script === 'run' || script === 'dev') && PCSC_COMMANDS.has(sub)))
      return sub === 'proxy' || sub === 'spy' ? `pcsc ${sub}` : 'pcsc';
    return script;
  }
  if (base === 'pcsc' && (argv[1] === 'proxy' || argv[1] === 'spy')) return `pcsc ${argv[1]}`;
  // Scripts (`perl -w /usr/bin/scriptor`, `python3 /usr/bin/ykman`): the script names the program.
  if (/^(perl|python[0-9.]*|ruby|sh|bash|dash)$/.test(base)) {
    const script = argv.slice(1).find((a) => !a.startsWith('-'));
    if (script) return posix.basename(script);
  }
  return base;
}

/** The table entry for a command name, if the program is a well-known client. */
export function knownClient(command: string): KnownClient | undefined {
  const e = TABLE.find((t) => t.names.test(command));
  if (!e) return undefined;
  const { names: _names, ...known } = e;
  return known;
}

/** Every well-known client (docs and tests). */
export function knownClients(): KnownClient[] {
  return TABLE.map(({ names: _names, ...k }) => k);
}
