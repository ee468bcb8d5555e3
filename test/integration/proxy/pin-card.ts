// The PIN the proxy tests' card checks: rules on the rig's card.py (VERIFY with "1234" succeeds,
// any other VERIFY gets 63 C2), so the spy's PIN masking is seen on real exchanges.

import type { CardControl } from '../../rig/rig.js';

/** The PIN, as the VERIFY data field carries it (ASCII "1234"). */
export const PIN_HEX = '31323334';

export async function pinCard(card: CardControl): Promise<void> {
  // card.py checks the newest rule first.
  await card.rule({ match: '0020', reply: '63C2' });
  await card.rule({ match: `00200081 04 ${PIN_HEX}`, reply: '9000' });
}
