// The rig's reusable call suite (test/integration/suites/core-calls.ts), run against the fake
// daemon of every release line, so every call is checked on the protocols Debian does not ship.

import { FakePcscd } from '../../fakes/fake-pcscd.js';
import { RELEASE_LINES } from '../../fakes/releases.js';
import { rigCard } from '../../fakes/rig-card.js';
import { FAKE_ATR } from '../../fakes/test-card.js';
import { coreCallsSuite } from '../suites/core-calls.js';

const R0 = 'Fake Reader 00 00';
const R1 = 'Fake Reader 00 01';
const UNSUPPORTED = 0x8010001f;

for (const line of RELEASE_LINES) {
  coreCallsSuite(`fake pcscd ${line.line} (${line.expected})`, async () => {
    const fake = await FakePcscd.start({
      version: line.version,
      slots: line.slots,
      readers: [{ name: R0, control: () => ({ rv: UNSUPPORTED }) }, { name: R1 }],
    });
    fake.insertCard(R0, rigCard(fake, R0, FAKE_ATR));
    return {
      socket: fake.path,
      protocol: line.expected,
      readers: [R0, R1],
      atr: FAKE_ATR,
      card: {
        insert: async () => fake.insertCard(R0, rigCard(fake, R0, FAKE_ATR)),
        remove: async () => fake.removeCard(R0),
      },
      maxApdu: 65535,
      expect: {
        control: UNSUPPORTED,
        setAttribute: UNSUPPORTED,
        removedDuringCommand: { code: 0x80100069 },
        atrAttribute: 0x90303,
      },
      teardown: () => fake.stop(),
    };
  });
}
