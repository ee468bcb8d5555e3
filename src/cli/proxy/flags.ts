// Flags and exit codes of `pcsc proxy` and `pcsc spy` (the same front, one logging).

import { Flags } from '@oclif/core';

export const upstreamFlag = Flags.string({
  description: "pcscd's socket to forward to (default: $PCSCLITE_CSOCK_NAME, then /run/pcscd/pcscd.comm)",
  helpValue: 'PATH',
});

export const legacyNamesFlag = Flags.boolean({
  description: 'give protocol 4:2 clients 100-byte reader names (pcsc-lite 1.6.5–1.8.3) instead of 128 (1.8.4–1.8.8)',
  default: false,
});

export const proxyExitCodes = {
  0: 'stopped by Ctrl-C or SIGTERM; the socket was removed',
  2: 'bad flag, or cannot listen on the path (no such directory, another program there, not a socket), or (spy) cannot write --output',
  70: 'internal error (a bug in pcsc)',
};
