// Flags and exit codes of `pcsc proxy` and `pcsc spy` (the same front, one logging).

import * as Flags from '@oclif/core/flags';
import { badFlagValue } from '../flags.js';

export const upstreamFlag = Flags.string({
  description: "pcscd's socket to forward to (default: $PCSCLITE_CSOCK_NAME, then /run/pcscd/pcscd.comm)",
  helpValue: 'PATH',
});

export const legacyNamesFlag = Flags.boolean({
  description: 'give protocol 4:2 clients 100-byte reader names (pcsc-lite 1.6.5–1.8.3) instead of 128 (1.8.4–1.8.8)',
  default: false,
});

export const clientSlotsFlag = Flags.integer({
  description:
    "entries in the reader-state arrays of clients up to protocol 4:5: 16 (pcsc-lite's own) unless their libpcsclite was built with another PCSCLITE_MAX_READERS_CONTEXTS (Fedora's: 48)",
  helpValue: 'N',
  min: 1,
  max: 1024,
});

export const modeFlag = Flags.custom<number>({
  description:
    'mode of the socket, octal (default 0600: only you). 0660 lets your group connect: whoever can connect uses your readers and cards',
  helpValue: 'MODE',
  parse: async (input) => {
    const { parseSocketMode } = await import('../../core/proxy/index.js');
    const mode = parseSocketMode(input);
    if (mode === null)
      throw badFlagValue(
        `"${input}" is not a socket mode: give octal read/write bits that include 0600 (0600, 0660, 0666)`,
      );
    return mode;
  },
})();

export const proxyExitCodes = {
  0: 'stopped by Ctrl-C or SIGTERM; the socket was removed',
  2: 'bad flag, or cannot listen on the path (no such directory, another program there, not a socket), or (spy) cannot write --output',
  70: 'internal error (a bug in pcsc)',
};
