// The guided tour: the commands the demo runs against its private pcscd, in order, each with the
// line that says what it shows.

import { join } from 'node:path';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { Session } from './session.js';
import type { Command } from './shell.js';

export interface Stage {
  /** The demo pcscd's socket. */
  socket: string;
  /** The demo's temporary directory (the proxy's socket goes there too). */
  dir: string;
  /** The ATR of the card in the first reader. */
  atr: string;
}

export async function tour(s: Session, stage: Stage): Promise<void> {
  const socket = stage.socket;

  s.say('The readers pcscd lists, and the card in each (as pcsc_scan -c; add --json for scripts)');
  await s.run({ argv: ['pcsc', 'scan', '-c'], socket });

  s.say("The card's ATR decoded (ISO 7816-3), and the card named from pcsc-tools' list: offline, no reader needed");
  await s.run({ argv: ['pcsc', 'atr', stage.atr] });

  s.say(
    'APDUs: SELECT the master file 3F00 (the card answers 61xx: pcsc fetches the rest with GET RESPONSE),',
    'then GET CHALLENGE: 8 random bytes from the card',
  );
  await s.run({ argv: ['pcsc', 'apdu', '00A40000023F00', '0084000008'], socket });

  s.say(
    'An expected status word: with =9000 any other status stops the script, exit code 1.',
    'Here SELECT EF.DIR (2F00), which this card does not have: 6A82',
  );
  await s.run({ argv: ['pcsc', 'apdu', '00A4000C022F00=9000'], socket }, ExitCode.CHECK_FAILED);

  s.say(
    "pcscd's health: installed, its socket, protocol version, readers, options (`pcsc doctor` checks far more);",
    'only problems and their fixes are shown, then one summary line (--verbose lists every check)',
  );
  await s.run({ argv: ['pcsc', 'doctor', 'pcscd'], socket });

  s.say(
    'The proxy: a socket of its own, forwarding any pcsc-lite client to pcscd at the version pcscd speaks;',
    "here pcsc-tools' pcsc_scan (a libpcsclite program) lists the readers through it",
  );
  const proxy: Command = { argv: ['pcsc', 'proxy', '--listen', join(stage.dir, 'proxy.comm')], socket };
  const running = await s.background(proxy, /point clients at it.*\n/);
  await s.run({ argv: ['pcsc_scan', '-r'], socket: join(stage.dir, 'proxy.comm') });
  await s.stopBackground(running, proxy);
}
