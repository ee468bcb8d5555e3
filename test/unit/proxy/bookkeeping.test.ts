// The proxy's small pure parts: the synthesised reader-event counter, 4:6 array sizes, state
// comparison, spy records (PIN masking, status words) and their text rendering.

import { describe, expect, it } from 'vitest';
import { renderCall } from '../../../src/cli/proxy/render.js';
import { ArraySize, fixedView, sameStates } from '../../../src/core/proxy/arrays.js';
import { ReaderEventCounter } from '../../../src/core/proxy/reader-events.js';
import { redactCommandHex } from '../../../src/core/card/redact.js';
import { callRecord, commandFacts, commandName, responseFacts } from '../../../src/core/proxy/records.js';

describe('ReaderEventCounter', () => {
  it('starts at 1 and counts each reader that appears or vanishes', async () => {
    const c = new ReaderEventCounter();
    expect(await c.current(async () => ['A', 'B'])).toBe(1);
    expect(await c.current(async () => ['A', 'B'])).toBe(1);
    expect(await c.current(async () => ['A'])).toBe(2);
    expect(await c.current(async () => ['A', 'C', 'D'])).toBe(4);
    expect(await c.current(async () => ['B'])).toBe(8);
  });

  it('serialises looks: a slow first look is counted before a fast second one', async () => {
    const c = new ReaderEventCounter();
    await c.current(async () => ['A']);
    const slow = c.current(() => new Promise((r) => setTimeout(() => r(['A', 'B']), 30)));
    const fast = c.current(async () => ['A']);
    expect(await slow).toBe(2);
    expect(await fast).toBe(3);
  });

  it('a failed look does not block later ones', async () => {
    const c = new ReaderEventCounter();
    await expect(c.current(async () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    expect(await c.current(async () => ['A'])).toBe(1);
  });

  it('wraps from 32767 to 1, never 0', () => {
    const c = new ReaderEventCounter();
    c.observe([]);
    for (let i = 0; i < 32767; i++) c.observe(i % 2 ? [] : ['x']);
    expect(c.value).toBe(1);
  });
});

describe('arrays', () => {
  const e = (name: string, eventCounter = 0) => ({
    name,
    eventCounter,
    readerState: 2,
    readerSharing: 0,
    atr: Buffer.alloc(0),
    protocol: 0,
  });
  it('4:6 size: at least 16, grows, never shrinks', () => {
    const s = new ArraySize();
    expect(s.fit(2)).toBe(16);
    expect(s.fit(20)).toBe(20);
    expect(s.fit(3)).toBe(20);
  });
  it('≤ 4:5 clients see the first 16 readers', () => {
    const many = Array.from({ length: 20 }, (_, i) => e(`R${i}`));
    expect(fixedView(many).map((x) => x.name)).toEqual(many.slice(0, 16).map((x) => x.name));
  });
  it('compares every field a client evaluates', () => {
    expect(sameStates([e('A')], [e('A')])).toBe(true);
    expect(sameStates([e('A')], [e('A', 1)])).toBe(false);
    expect(sameStates([e('A')], [{ ...e('A'), readerSharing: 1 }])).toBe(false);
    expect(sameStates([e('A')], [{ ...e('A'), atr: Buffer.from([0x3b]) }])).toBe(false);
    expect(sameStates([e('A')], [e('A'), e('B')])).toBe(false);
  });
});

describe('spy records', () => {
  it('masks the data of VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER whatever the class', () => {
    expect(commandFacts(Buffer.from('0020008108313233343536FFFF', 'hex'), false)).toEqual({
      apdu: '0020008108****************',
      redacted: true,
    });
    expect(commandFacts(Buffer.from('8024000110' + '31'.repeat(16), 'hex'), false).apdu).toBe(
      '8024000110' + '**'.repeat(16),
    );
    expect(commandFacts(Buffer.from('002C000108' + '39'.repeat(8), 'hex'), false).redacted).toBe(true);
    expect(commandFacts(Buffer.from('0020000100000431323334', 'hex'), false).apdu).toBe('00200001000004********');
    expect(commandFacts(Buffer.from('0020008104313233', 'hex'), true)).toEqual({ apdu: '0020008104313233' });
    // A VERIFY without data (asks for the tries left) and other commands are shown as they are.
    expect(commandFacts(Buffer.from('0020008100', 'hex'), false)).toEqual({ apdu: '0020008100' });
    expect(commandFacts(Buffer.from('00A4040002A000', 'hex'), false).redacted).toBeUndefined();
    expect(commandFacts(Buffer.from('0020008101FF', 'hex'), false)).toEqual({ apdu: '0020008101**', redacted: true });
  });

  it('masks exactly as `pcsc apdu --json` does (the same function)', () => {
    for (const hex of [
      '0020008108313233343536FFFF',
      '0020000100000431323334',
      '00200081043132',
      '802C0001',
      '00A4040002A000',
    ]) {
      const apdu = Buffer.from(hex, 'hex');
      expect(commandFacts(apdu, false).apdu).toBe(redactCommandHex(apdu, { sep: '' }));
    }
  });

  it('splits the response into data and status word with its meaning', () => {
    expect(responseFacts(Buffer.from('01029000', 'hex'))).toEqual({
      response: '0102',
      sw: '9000',
      swMeaning: 'Success',
    });
    expect(responseFacts(Buffer.from('63C2', 'hex')).swMeaning).toMatch(/2 tries left/);
    expect(responseFacts(Buffer.from('6A82', 'hex')).swMeaning).toMatch(/not found/);
    expect(responseFacts(Buffer.from('6110', 'hex')).swMeaning).toMatch(/16 bytes wait for GET RESPONSE/);
  });

  it('names commands as pcsc-lite does', () => {
    expect(commandName(0x09)).toBe('SCARD_TRANSMIT');
    expect(commandName(0x11)).toBe('CMD_VERSION');
    expect(commandName(0x15)).toBe('CMD_GET_READER_EVENTS');
    expect(commandName(0x42)).toBe('UNKNOWN_0x42');
  });

  it('builds and renders a record', () => {
    const rec = callRecord({ id: 3, versioned: true, protocol: '4:3' }, 0x09, new Date(2026, 0, 2, 3, 4, 5, 6), 0n, {
      hCard: '0x0000000A',
      reader: 'Virtual PCD 00 00',
      protocol: 'T=1',
      apdu: '00E2000001**',
      redacted: true,
      response: '',
      sw: '9000',
      swMeaning: 'Success',
      rv: 0,
    });
    expect(rec).toMatchObject({
      client: 3,
      clientProtocol: '4:3',
      command: 'SCARD_TRANSMIT',
      rv: '0x00000000',
      rvName: 'SCARD_S_SUCCESS',
      durationUs: 0,
    });
    expect(renderCall(rec)).toBe(
      '03:04:05.006 #3 SCARD_TRANSMIT hCard=0x0000000A reader="Virtual PCD 00 00" protocol=T=1 apdu=00E2000001** (PIN masked) response= sw=9000 (Success) rv=SCARD_S_SUCCESS 0.000ms',
    );
  });
});
