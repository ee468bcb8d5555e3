// A fake-daemon card that answers like the rig's card.py built-in commands, so the reusable call
// suite (test/integration/suites/core-calls.ts) runs unchanged against the fake daemon.

import type { FakeCard } from './model.js';
import type { FakePcscd } from './fake-pcscd.js';

const OK = Buffer.from([0x90, 0x00]);
const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff));

/** ISO 7816-4 command data (short or extended Lc). */
function data(a: Buffer): Buffer {
  const rest = a.subarray(4);
  if (rest.length <= 1) return Buffer.alloc(0);
  if (rest[0] !== 0) return rest.subarray(1, 1 + (rest[0] as number));
  if (rest.length <= 3) return Buffer.alloc(0);
  return rest.subarray(3, 3 + rest.readUInt16BE(1));
}

/**
 * E0 P1P2: P1P2 bytes of 00 01 02 …; E2: echo of the data; E4: the C-APDU's length (4 bytes, big
 * endian); E6 P1P2: answers after P1P2 ms; E8: the card leaves during the command; else 6D 00.
 */
export function rigCard(fake: FakePcscd, reader: string, atr: Buffer): FakeCard {
  return {
    atr,
    respond: async (a) => {
      if (a.length < 4) return Buffer.from([0x67, 0x00]);
      const n = ((a[2] as number) << 8) | (a[3] as number);
      switch (a[1]) {
        case 0xe0:
          return Buffer.concat([pattern(Math.min(n, 65535)), OK]);
        case 0xe2:
          return Buffer.concat([data(a), OK]);
        case 0xe4: {
          const len = Buffer.alloc(4);
          len.writeUInt32BE(a.length);
          return Buffer.concat([len, OK]);
        }
        case 0xe6:
          await new Promise((r) => setTimeout(r, n));
          return OK;
        case 0xe8:
          fake.removeCard(reader);
          return Buffer.alloc(0);
        default:
          return Buffer.from([0x6d, 0x00]);
      }
    },
  };
}
