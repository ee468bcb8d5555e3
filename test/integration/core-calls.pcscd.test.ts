// The core-calls suite against Debian's real pcscd (protocol 4:4) with the vpcd driver and card.py.

import { Scard } from '../../src/core/index.js';
import { startRig } from '../rig/rig.js';
import { coreCallsSuite } from './suites/core-calls.js';

const ATR = '3B80800101';

coreCallsSuite('pcscd 1.9.9 (4:4) + vpcd + card.py', async () => {
  const rig = await startRig({ atr: ATR });
  const card = rig.card(0);
  return {
    socket: rig.socket,
    protocol: '4:4',
    readers: rig.readers,
    atr: Buffer.from(ATR, 'hex'),
    card: {
      insert: () => card.insert(),
      remove: () => card.remove(),
      log: () => card.log(),
      clearLog: () => card.clearLog(),
    },
    maxApdu: 65_535,
    // Measured with libpcsclite's own client on this rig (see test/integration/peer.test.ts):
    // Debian's vpcd answers only its TAG_IFD_ATR (0x0303), not SCARD_ATTR_ATR_STRING; it refuses
    // every control code and set; a card socket closed mid-command comes back as an empty answer.
    expect: {
      control: Scard.E_UNSUPPORTED_FEATURE,
      setAttribute: Scard.E_NOT_TRANSACTED,
      removedDuringCommand: { response: Buffer.alloc(0) },
      atrAttribute: 0x0303,
    },
    teardown: () => rig.stop(),
  };
});
