import { describe, expect, it } from 'vitest';
import {
  CLIENT_LINES,
  clientLine,
  predict,
  protocolOf,
  type VersionAnswer,
} from '../../../src/core/doctor/protocol-model.js';
import { behaviourOf, versionAnswer } from '../../fakes/releases.js';

type Release = '1.8.23' | '1.9.9' | '2.4.0' | '2.4.1' | '2.5.1';
/** What each release answers to CMD_VERSION 4:3 to 4:6 (the fake pcscd's §9.2 table). */
const answers = (r: Release): VersionAnswer[] => {
  const b = behaviourOf(r);
  return [3, 4, 5, 6].map((m) => ({ sent: m, rv: versionAnswer(b, 4, m).rv, major: 4, minor: b.minor }));
};

// Appendix D, "Cross-version results of the released client libraries": rows the client library,
// columns the daemon. bug¹ (the 2.5.1 library's fallback mode) is our "degraded".
const TABLE: Record<string, Record<Release, string>> = {
  '1.9.9': { '1.9.9': 'ok', '2.5.1': 'ok', '2.4.1': 'ok', '2.4.0': 'stopped', '1.8.23': 'no-service' },
  '2.5.1': { '1.9.9': 'degraded', '2.5.1': 'ok', '2.4.1': 'degraded', '2.4.0': 'degraded', '1.8.23': 'no-service' },
  '2.4.1': { '1.9.9': 'ok', '2.5.1': 'ok', '2.4.1': 'ok', '2.4.0': 'ok', '1.8.23': 'no-service' },
  '2.4.0': { '1.9.9': 'stopped', '2.5.1': 'ok', '2.4.1': 'ok', '2.4.0': 'ok', '1.8.23': 'no-service' },
  '1.8.23': { '1.9.9': 'stopped', '2.5.1': 'stopped', '2.4.1': 'stopped', '2.4.0': 'stopped', '1.8.23': 'ok' },
};

describe('the client × daemon prediction', () => {
  for (const [client, row] of Object.entries(TABLE)) {
    for (const [daemon, expected] of Object.entries(row) as [Release, string][]) {
      it(`libpcsclite ${client} against pcscd ${daemon}: ${expected}`, () => {
        const line = clientLine(client);
        expect(line).toBeDefined();
        expect(predict(line!, answers(daemon)).outcome).toBe(expected);
      });
    }
  }

  it('names the SCARD code of a failure', () => {
    expect(predict(clientLine('2.4.0')!, answers('1.9.9')).rv).toBe(0x8010001e);
    expect(predict(clientLine('2.4.1')!, answers('1.8.23')).rv).toBe(0x8010001d);
  });

  it('maps releases to their line and protocol', () => {
    expect(protocolOf('1.9.9')).toBe('4:4');
    expect(protocolOf('2.2.3')).toBe('4:4');
    expect(protocolOf('2.3.0')).toBe('4:5');
    expect(protocolOf('2.4.1')).toBe('4:5');
    expect(protocolOf('2.5.1')).toBe('4:6');
    expect(protocolOf('1.8.23')).toBe('4:3');
    expect(protocolOf('1.8.8')).toBeUndefined();
    expect(CLIENT_LINES.map((l) => l.range)).toEqual([
      '1.8.9–1.8.23',
      '1.8.24–2.2.3',
      '2.3.0–2.4.0',
      '2.4.1',
      '2.5.0 and later',
    ]);
  });

  it('says "unknown" for a minor that was not probed', () => {
    expect(predict(clientLine('1.9.9')!, []).outcome).toBe('unknown');
  });
});
