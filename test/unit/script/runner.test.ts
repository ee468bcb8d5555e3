// The script runner's own rules: numbering, stopping on an unexpected status, naming the APDU an
// error happened on, and --repeat's counts. The card here is a stand-in that answers from a table;
// the same paths run against the real pcscd + vpcd in test/integration/apdu*.test.ts.
import { describe, expect, it } from 'vitest';
import { PcscError, Scard } from '../../../src/core/errors.js';
import { repeatScript, runScript, ScriptAbort } from '../../../src/core/script/runner.js';
import { parseScript } from '../../../src/core/script/parse.js';
import type { Card, CardStatus } from '../../../src/core/scard/types.js';
import { hex as h } from '../../helpers/hex.js';

function tableCard(
  answer: (apdu: string) => string | Error,
  status?: () => Promise<CardStatus>,
): Card & { sent: string[] } {
  const sent: string[] = [];
  const card = {
    sent,
    reader: 'R',
    share: 'shared',
    protocol: 'T=1',
    async transmit(a: Uint8Array) {
      const x = Buffer.from(a).toString('hex').toUpperCase();
      sent.push(x);
      const r = answer(x);
      if (r instanceof Error) throw r;
      return h(r);
    },
    async reconnect() {
      sent.push('reset');
      return 'T=1';
    },
    status:
      status ??
      (async () => ({
        reader: 'R',
        state: ['PRESENT', 'SPECIFIC'],
        eventCount: 1,
        protocol: 'T=1',
        atr: h('3B8080010101'),
      })),
  };
  return card as unknown as Card & { sent: string[] };
}

describe('runScript', () => {
  it('numbers APDUs, runs resets, and stops at the first unexpected status', async () => {
    const card = tableCard((a) => (a.startsWith('00A4') ? '6A82' : '9000'));
    const items = parseScript('00B0000010\nreset\n00A4040000=9000\n00B0000020');
    const out = await runScript(card, items);
    expect(card.sent).toEqual(['00B0000010', 'reset', '00A4040000']);
    expect(out.records.map((r) => r.kind)).toEqual(['apdu', 'reset', 'apdu']);
    expect(out.mismatch?.label).toBe('APDU 2 (line 3)');
    expect(out.mismatch?.sw).toBe(0x6a82);
  });

  it('sends --raw commands once, and follows 61xx otherwise', async () => {
    const answers = (a: string): string => (a === '00A40000023F00' ? '6102' : a === '00C0000002' ? 'AABB9000' : '6D00');
    const raw = await runScript(tableCard(answers), parseScript('00A40000023F00'), { raw: true });
    expect(raw.records[0]).toMatchObject({ sw: 0x6102 });
    const auto = await runScript(tableCard(answers), parseScript('00A40000023F00'));
    expect(auto.records[0]).toMatchObject({ sw: 0x9000, data: h('AABB') });
  });

  it('names the APDU an error happened on, with the PIN hidden, and keeps what ran before', async () => {
    let n = 0;
    const card = tableCard(() => (++n === 2 ? new PcscError(Scard.W_REMOVED_CARD, 'transmit') : '9000'));
    const err = await runScript(card, parseScript('00B0000010\n\n0020008102 3132')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptAbort);
    expect((err as ScriptAbort).code).toBe(Scard.W_REMOVED_CARD);
    expect((err as ScriptAbort).message).toBe(
      'Card was removed (0x80100069): during APDU 2 (line 3): 00 20 00 81 02 ** **',
    );
    expect((err as ScriptAbort).records).toHaveLength(1);
  });

  it('calls a vague failure a removal when the card has gone', async () => {
    const card = tableCard(
      () => new PcscError(Scard.E_NOT_TRANSACTED, 'transmit'),
      async () => {
        throw new PcscError(Scard.W_REMOVED_CARD, 'status');
      },
    );
    const err = (await runScript(card, parseScript('00B0000010')).catch((e: unknown) => e)) as ScriptAbort;
    expect(err.code).toBe(Scard.W_REMOVED_CARD);
    expect(err.message).toMatch(/during APDU 1 \(line 1\): 00 B0 00 00 10 \(the exchange failed with 0x80100016\)$/);
  });

  it('keeps a vague failure as it is when the card is still there', async () => {
    const card = tableCard(() => new PcscError(Scard.E_NOT_TRANSACTED, 'transmit'));
    const err = (await runScript(card, parseScript('00B0000010')).catch((e: unknown) => e)) as ScriptAbort;
    expect(err.code).toBe(Scard.E_NOT_TRANSACTED);
  });
});

describe('repeatScript', () => {
  it('counts APDUs and commands, and keeps the last round', async () => {
    let chain = 0;
    const card = tableCard((a) => (a === '00CA000000' ? '6101' : a === '00C0000001' ? `0${++chain % 10}9000` : '9000'));
    const r = await repeatScript(card, parseScript('00CA000000\n00B0000010'), 5);
    expect(r.rounds).toBe(5);
    expect(r.apdus).toBe(10);
    expect(r.transmissions).toBe(15);
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toMatchObject({ data: h('05') });
  });

  it('stops at a mismatch and says which round', async () => {
    let i = 0;
    const card = tableCard(() => (++i === 7 ? '6A82' : '9000'));
    const r = await repeatScript(card, parseScript('00B0000010=9000\n00B0000020=9000'), 10);
    expect(r.rounds).toBe(3);
    expect(r.mismatch?.label).toBe('APDU 1 (line 1)');
  });

  it('names the round an error happened in', async () => {
    let i = 0;
    const card = tableCard(() => (++i === 4 ? new PcscError(Scard.W_REMOVED_CARD, 'transmit') : '9000'));
    const err = (await repeatScript(card, parseScript('00B0000010'), 10).catch((e: unknown) => e)) as ScriptAbort;
    expect(err.message).toBe('Card was removed (0x80100069): in round 4 of 10, during APDU 1 (line 1): 00 B0 00 00 10');
  });
});
