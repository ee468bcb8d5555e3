import { describe, expect, it } from 'vitest';
import {
  CLIENT_LINES,
  clientLine,
  daemonLine,
  lineAnswers,
  predict,
  predictReleases,
  protocolOf,
  type VersionAnswer,
} from '../../../src/core/doctor/protocol-model.js';
import { behaviourOf, versionAnswer } from '../../fakes/releases.js';

type Release = '1.8.23' | '1.9.9' | '2.4.0' | '2.4.1' | '2.5.1';
/**
 * What each release answers to CMD_VERSION 4:3 to 4:6 (the fake pcscd's docs/protocol.md#cmd_version-answers
 * table).
 */
const answers = (r: Release): VersionAnswer[] => {
  const b = behaviourOf(r);
  return [2, 3, 4, 5, 6].map((m) => ({ sent: m, rv: versionAnswer(b, 4, m).rv, major: 4, minor: b.minor }));
};

// The released client libraries against each daemon line, as measured (docs/protocol.md#cmd_version-answers
// sums it up): rows the client library, columns the daemon. bug¹ (the 2.5.1 library's fallback mode) is our "desync".
const TABLE: Record<string, Record<Release, string>> = {
  '1.9.9': { '1.9.9': 'ok', '2.5.1': 'ok', '2.4.1': 'ok', '2.4.0': 'stopped', '1.8.23': 'no-service' },
  '2.5.1': { '1.9.9': 'desync', '2.5.1': 'ok', '2.4.1': 'desync', '2.4.0': 'desync', '1.8.23': 'no-service' },
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
    expect(protocolOf('1.8.8')).toBe('4:2');
    expect(protocolOf('1.6.4')).toBeUndefined();
    expect(CLIENT_LINES.map((l) => l.range)).toEqual([
      '1.6.5–1.8.8',
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

// Measured on real builds of each release (every client's pcsc_scan -r, and testpcsc, against every
// daemon with a vpcd card; the matrix in docs/proxy.md). "desync": pcsc_scan found no reader although
// the context was established — the 2.5 library's fallback mode; testpcsc, which lists readers first,
// passed there. The table in the core must give exactly these.
const RELEASES = ['1.8.8', '1.8.23', '2.1.0', '2.2.3', '2.4.0', '2.4.1', '2.5.1', '1.9.9'] as const;
const MEASURED: Record<(typeof RELEASES)[number], string> = {
  //        daemon: 1.8.8        1.8.23       2.1.0     2.2.3     2.4.0     2.4.1     2.5.1     1.9.9
  '1.8.8': 'ok         no-service stopped  stopped  stopped  stopped  stopped  stopped',
  '1.8.23': 'no-service ok         stopped  stopped  stopped  stopped  stopped  stopped',
  '2.1.0': 'no-service no-service ok       ok       stopped  ok       ok       ok',
  '2.2.3': 'no-service no-service ok       ok       stopped  ok       ok       ok',
  '2.4.0': 'no-service no-service stopped  stopped  ok       ok       ok       stopped',
  '2.4.1': 'no-service no-service ok       ok       ok       ok       ok       ok',
  '2.5.1': 'no-service no-service desync   desync   desync   desync   ok       desync',
  '1.9.9': 'no-service no-service ok       ok       stopped  ok       ok       ok',
};

describe('the table from releases matches the measured matrix', () => {
  for (const client of RELEASES) {
    const row = MEASURED[client].split(/\s+/);
    RELEASES.forEach((daemon, i) => {
      it(`libpcsclite ${client} → pcscd ${daemon}: ${row[i]}`, () => {
        expect(predictReleases(client, daemon)?.outcome).toBe(row[i]);
      });
    });
  }
  it('knows every release line of the daemon', () => {
    expect(daemonLine('1.8.25')?.refusal).toBe(0x8010001d);
    expect(daemonLine('1.8.26')?.refusal).toBe(0x8010001e);
    expect(daemonLine('1.6.4')).toBeUndefined();
    // 2.4.1 accepts a newer (4:6) client and answers 4:5.
    expect(lineAnswers(daemonLine('2.4.1')!).find((a) => a.sent === 6)).toMatchObject({ rv: 0, minor: 5 });
  });
});
