// The libpcsclite client × pcscd table (wire spec §9.2–9.3, Appendix D): from what a daemon
// answers to CMD_VERSION for each minor, predict what each released client library line gets.

import { Scard } from '../errors.js';
import { compareVersions } from '../drivers/bundles.js';

/** What one CMD_VERSION probe got: the minor sent, the rv, and the daemon's own version. */
export interface VersionAnswer {
  sent: number;
  rv: number;
  major: number;
  minor: number;
}

export interface ClientLine {
  /** Release range, e.g. "1.8.24–2.2.3". */
  range: string;
  first: string;
  /** Last release of the line; undefined = still current. */
  last?: string;
  /** The minor it sends (major is 4). */
  minor: number;
  /** 2.4.1+: retries with the daemon's minor when refused with SERVICE_STOPPED and minor ≥ 4. */
  retries: boolean;
}

export const CLIENT_LINES: readonly ClientLine[] = [
  { range: '1.8.9–1.8.23', first: '1.8.9', last: '1.8.23', minor: 3, retries: false },
  { range: '1.8.24–2.2.3', first: '1.8.24', last: '2.2.3', minor: 4, retries: false },
  { range: '2.3.0–2.4.0', first: '2.3.0', last: '2.4.0', minor: 5, retries: false },
  { range: '2.4.1', first: '2.4.1', last: '2.4.1', minor: 5, retries: true },
  { range: '2.5.0 and later', first: '2.5.0', minor: 6, retries: true },
];

/** The line a pcsc-lite release belongs to (versions before 1.8.9 are not modelled). */
export function clientLine(version: string): ClientLine | undefined {
  return CLIENT_LINES.find(
    (l) => compareVersions(version, l.first) >= 0 && (l.last === undefined || compareVersions(version, l.last) <= 0),
  );
}

/** The protocol a pcsc-lite release speaks, e.g. "4:4" for 1.9.9. */
export function protocolOf(version: string): string | undefined {
  const l = clientLine(version);
  return l ? `4:${l.minor}` : undefined;
}

export type Outcome = 'ok' | 'degraded' | 'stopped' | 'no-service' | 'unknown';

export interface Prediction {
  line: ClientLine;
  outcome: Outcome;
  /** The SCARD code SCardEstablishContext returns, when it fails. */
  rv?: number;
  why: string;
}

export function predict(line: ClientLine, answers: readonly VersionAnswer[]): Prediction {
  const first = answers.find((a) => a.sent === line.minor);
  if (!first) return { line, outcome: 'unknown', why: `4:${line.minor} was not probed` };
  const daemon = `${first.major}:${first.minor}`;
  const accepted = (a: VersionAnswer, how: string): Prediction =>
    line.minor === 6 && a.minor < 6
      ? {
          line,
          outcome: 'degraded',
          why: `${how}; the 2.5 library's fallback mode (below 4:6) then loses its reader list (pcsc_scan -r: "No reader found.") while APDUs still work`,
        }
      : { line, outcome: 'ok', why: how };
  if (first.rv === Scard.S_SUCCESS) return accepted(first, `pcscd (${daemon}) accepts 4:${line.minor}`);
  if (line.retries && first.rv === Scard.E_SERVICE_STOPPED && first.major === 4 && first.minor >= 4) {
    const retry = answers.find((a) => a.sent === first.minor);
    if (retry?.rv === Scard.S_SUCCESS)
      return accepted(
        retry,
        `pcscd (${daemon}) refuses 4:${line.minor}, the library retries with 4:${first.minor}, accepted`,
      );
    return {
      line,
      outcome: 'stopped',
      rv: Scard.E_SERVICE_STOPPED,
      why: `pcscd (${daemon}) refuses 4:${line.minor} and the retry with 4:${first.minor}`,
    };
  }
  if (first.rv === Scard.E_NO_SERVICE) {
    return {
      line,
      outcome: 'no-service',
      rv: Scard.E_NO_SERVICE,
      why: `pcscd (${daemon}) refuses 4:${line.minor} with SCARD_E_NO_SERVICE, which this library does not retry`,
    };
  }
  return {
    line,
    outcome: 'stopped',
    rv: Scard.E_SERVICE_STOPPED,
    why: `pcscd (${daemon}) refuses 4:${line.minor}${line.retries ? '' : ' and this library does not retry'}`,
  };
}
