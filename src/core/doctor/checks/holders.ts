// The fix for a card another program holds (exclusively, or in a transaction it does not end):
// it names only programs that run here, never a guess at one that is not running.

import type { Fix } from '../../engine/types.js';
import type { SystemProbe } from '../../system/types.js';
import { scdaemons } from './gnupg.js';
import { fix } from './util.js';

export async function holderFix(probe: SystemProbe): Promise<Fix> {
  const scd = await scdaemons(probe);
  if (scd.length > 0) {
    // gpgconf talks to the agent of the user who runs it: another user's scdaemon is theirs to stop.
    const others = scd.filter((p) => probe.uid !== undefined && p.uid !== probe.uid);
    return fix(
      `GnuPG's scdaemon runs (${scd.map((p) => `pid ${p.pid}`).join(', ')}): unless scdaemon.conf says pcsc-shared it opens cards exclusively. Stop it${others.length > 0 ? ` (as its user: ${others.map((p) => `uid ${p.uid}`).join(', ')})` : ''}, and make it share the card (see the gnupg.scdaemon check).`,
      ['gpgconf --kill scdaemon'],
    );
  }
  return fix(
    'Another program holds the card (exclusively, or in a transaction it does not end). Close the program that uses it (a browser or mail client with a PKCS#11 module, a password manager, a script), or unplug the reader and plug it in again to end its hold.',
  );
}
