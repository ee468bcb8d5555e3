// ISO 7816-3 §12.1–12.2: mapping command APDUs onto T=0 TPDUs (cases 1, 2S, 3S, 4S), and the
// T=0 procedure bytes for readers that exchange characters (CCID character level).

import { PcscError, Scard, UsageError } from '../errors.js';
import { parseApdu, type CommandApdu } from './apdu.js';

/** The APDU's case, or SCARD_E_INVALID_PARAMETER (what a reader driver answers) saying why it fits none. */
function parse(apdu: Uint8Array): CommandApdu {
  try {
    return parseApdu(apdu);
  } catch (e) {
    if (e instanceof UsageError) throw new PcscError(Scard.E_INVALID_PARAMETER, e.message);
    throw e;
  }
}

/**
 * The T=0 TPDU for an APDU (ISO 7816-3 §12.2): case 1 gets P3 = 00, case 4S loses its Le (the card then
 * answers 61xx and the caller sends GET RESPONSE), case 2E with Ne ≤ 256 becomes 2S, case 3E/4E
 * with Nc ≤ 255 become 3S. Longer commands need ENVELOPE, which is the application's business.
 */
export function apduToT0Tpdu(apdu: Uint8Array): Buffer {
  const p = parse(apdu);
  const header = Buffer.from([p.cla, p.ins, p.p1, p.p2]);
  switch (p.case) {
    case '1':
      return Buffer.concat([header, Buffer.from([0])]);
    case '2S':
    case '3S':
      return Buffer.from(apdu);
    case '4S':
      return Buffer.concat([header, Buffer.from([p.data.length]), p.data]);
    case '2E':
      // Ne ≤ 256 fits P3 (256 is coded 00); more is asked as 256 and the rest fetched with 61xx.
      return Buffer.concat([header, Buffer.from([(p.ne ?? 0) <= 256 ? (p.ne ?? 0) & 0xff : 0])]);
    case '3E':
    case '4E':
      if (p.data.length <= 255) return Buffer.concat([header, Buffer.from([p.data.length]), p.data]);
      throw new PcscError(
        Scard.E_INVALID_PARAMETER,
        `T=0 cannot carry ${p.data.length} command bytes in one TPDU (use ENVELOPE, or a T=1 card)`,
      );
  }
}

/**
 * Character-level T=0 (ISO 7816-3 §10.3.3): the host sends the header, then reads procedure bytes one at a
 * time: 60 (NULL) waits, INS sends all remaining data, ~INS sends one byte, 61/6C/other SW1
 * ends with SW2. `io(out, expect)` sends bytes and reads exactly `expect` bytes back.
 */
export async function t0CharacterExchange(
  tpdu: Uint8Array,
  io: (out: Buffer, expect: number) => Promise<Buffer>,
): Promise<Buffer> {
  const t = Buffer.from(tpdu);
  const header = t.subarray(0, 5);
  const ins = header[1] as number;
  const p3 = header[4] as number;
  const outgoing = t.subarray(5);
  const incoming = outgoing.length === 0 ? (p3 === 0 ? 256 : p3) : 0;
  let sent = 0;
  const got: Buffer[] = [];
  let received = 0;
  let pending: Buffer = header;
  for (let guard = 0; guard < 100_000; guard++) {
    const proc = (await io(pending, 1))[0] as number;
    pending = Buffer.alloc(0);
    if (proc === 0x60) continue;
    if (proc === ins || proc === ((ins ^ 0xff) & 0xff)) {
      const all = proc === ins;
      if (incoming > 0) {
        const n = all ? incoming - received : 1;
        const d = await io(Buffer.alloc(0), n);
        got.push(d);
        received += d.length;
      } else {
        const n = all ? outgoing.length - sent : 1;
        pending = outgoing.subarray(sent, sent + n);
        sent += n;
      }
      continue;
    }
    if ((proc & 0xf0) === 0x60 || (proc & 0xf0) === 0x90) {
      const sw2 = (await io(Buffer.alloc(0), 1))[0] as number;
      return Buffer.concat([...got, Buffer.from([proc, sw2])]);
    }
    throw new PcscError(
      Scard.E_NOT_TRANSACTED,
      `T=0 procedure byte 0x${proc.toString(16).padStart(2, '0')} is invalid`,
    );
  }
  throw new PcscError(Scard.E_NOT_TRANSACTED, 'T=0 exchange did not end');
}
