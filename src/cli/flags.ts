// Flags shared by several commands, with the same meaning everywhere.

import * as Flags from '@oclif/core/flags';

/**
 * The error a flag's `parse` throws for a bad value: oclif prefixes "Parsing --NAME", and the
 * `oclif.exit` member makes it a usage error (exit 2, one line) like oclif's own checks.
 */
export function badFlagValue(message: string): Error {
  return Object.assign(new Error(message), { oclif: { exit: 2 } });
}

export const readerFlag = Flags.string({
  description: 'reader: its number (0, 1, …) or a case-insensitive part of its name',
  helpValue: 'NUM|NAME',
  // fastCheck: the fast path's parser repeats this check, checkReaderSpec, by that name
  // (src/cli/fast-parse.ts); scripts/manifest-fast.js writes the name into the manifest.
  parse: Object.assign(
    async (input: string) => {
      // Loaded when --reader is given: every command imports these flags, not all use the core.
      const { checkReaderSpec } = await import('../core/internal.js');
      try {
        checkReaderSpec(input);
      } catch (e) {
        throw badFlagValue((e as Error).message);
      }
      return input;
    },
    { fastCheck: 'reader' },
  ),
});

/**
 * `flag` (an oclif Flags.integer) as the fast path reads it too: its parse is oclif's, marked
 * fastCheck 'integer', and the fast path's parser repeats it (src/cli/fast-parse.ts) with the
 * flag's min and max, which scripts/manifest-fast.js writes into the manifest.
 */
export function fastInteger<F extends { parse: (...args: never[]) => Promise<unknown> }>(flag: F): F {
  const parse = flag.parse;
  return {
    ...flag,
    parse: Object.assign((...args: Parameters<F['parse']>) => parse(...args), { fastCheck: 'integer' }),
  };
}

export const socketFlag = Flags.string({
  description: "pcscd's socket (default: $PCSCLITE_CSOCK_NAME, then /run/pcscd/pcscd.comm)",
  helpValue: 'PATH',
});

export const backendFlag = Flags.string({
  description:
    'how to reach readers: through pcscd, directly over USB (CCID), or auto (pcscd when it answers, else USB)',
  options: ['pcscd', 'usb', 'auto'],
  default: 'auto',
});
