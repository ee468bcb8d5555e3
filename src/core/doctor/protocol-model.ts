// The libpcsclite client × pcscd table (docs/protocol.md#cmd_version-answers; measured against real
// builds of 1.8.8–2.5.1, docs/proxy.md "Which clients reach which daemons"): from what a daemon
// answers to CMD_VERSION for each minor, predict what each released client library line gets.
// The answers come from a live daemon (pcscd.protocol) or from a release number (`DAEMON_LINES`,
// when the daemon cannot be asked: the host's pcscd seen from a sandbox, a fix that names a
// release). Through `pcsc proxy` every pair works: it speaks 4:2–4:6 on both sides.

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
  { range: '1.6.5–1.8.8', first: '1.6.5', last: '1.8.8', minor: 2, retries: false },
  { range: '1.8.9–1.8.23', first: '1.8.9', last: '1.8.23', minor: 3, retries: false },
  { range: '1.8.24–2.2.3', first: '1.8.24', last: '2.2.3', minor: 4, retries: false },
  { range: '2.3.0–2.4.0', first: '2.3.0', last: '2.4.0', minor: 5, retries: false },
  { range: '2.4.1', first: '2.4.1', last: '2.4.1', minor: 5, retries: true },
  { range: '2.5.0 and later', first: '2.5.0', minor: 6, retries: true },
];

const inRange = (version: string, first: string, last?: string): boolean =>
  compareVersions(version, first) >= 0 && (last === undefined || compareVersions(version, last) <= 0);

/** The line a pcsc-lite release belongs to (versions before 1.6.5, protocol < 4:2, are not modelled). */
export function clientLine(version: string): ClientLine | undefined {
  return CLIENT_LINES.find((l) => inRange(version, l.first, l.last));
}

/** The protocol a pcsc-lite release speaks, e.g. "4:4" for 1.9.9. */
export function protocolOf(version: string): string | undefined {
  const l = clientLine(version);
  return l ? `4:${l.minor}` : undefined;
}

/** How a pcscd release answers CMD_VERSION (the server side of the table). */
export interface DaemonLine {
  range: string;
  first: string;
  last?: string;
  /** The minor it speaks and puts in every reply. */
  minor: number;
  /** The client minors it accepts. */
  accepts: readonly number[];
  /** What a refused client gets: SCARD_E_NO_SERVICE up to 1.8.25, SCARD_E_SERVICE_STOPPED after. */
  refusal: number;
}

export const DAEMON_LINES: readonly DaemonLine[] = [
  { range: '1.6.5–1.8.8', first: '1.6.5', last: '1.8.8', minor: 2, accepts: [2], refusal: Scard.E_NO_SERVICE },
  { range: '1.8.9–1.8.23', first: '1.8.9', last: '1.8.23', minor: 3, accepts: [3], refusal: Scard.E_NO_SERVICE },
  { range: '1.8.24–1.8.25', first: '1.8.24', last: '1.8.25', minor: 4, accepts: [4], refusal: Scard.E_NO_SERVICE },
  { range: '1.8.26–2.2.3', first: '1.8.26', last: '2.2.3', minor: 4, accepts: [4], refusal: Scard.E_SERVICE_STOPPED },
  { range: '2.3.0–2.4.0', first: '2.3.0', last: '2.4.0', minor: 5, accepts: [5], refusal: Scard.E_SERVICE_STOPPED },
  // 2.4.1 accepts every minor from 4 on, newer ones too, and answers 4:5 (src/winscard_svc.c).
  { range: '2.4.1', first: '2.4.1', last: '2.4.1', minor: 5, accepts: [4, 5, 6], refusal: Scard.E_SERVICE_STOPPED },
  { range: '2.5.0 and later', first: '2.5.0', minor: 6, accepts: [4, 5, 6], refusal: Scard.E_SERVICE_STOPPED },
];

export function daemonLine(version: string): DaemonLine | undefined {
  return DAEMON_LINES.find((l) => inRange(version, l.first, l.last));
}

/** The daemon lines whose answers match what a daemon answered (its releases, seen from its protocol). */
export function daemonLinesFor(answers: readonly VersionAnswer[]): DaemonLine[] {
  if (answers.length === 0) return [];
  return DAEMON_LINES.filter((l) => {
    const own = lineAnswers(l);
    return answers.every((a) => {
      const o = own.find((x) => x.sent === a.sent);
      return o !== undefined && o.rv === a.rv && o.minor === a.minor && a.major === 4;
    });
  });
}

/** "pcsc-lite 2.4.1", "pcsc-lite 1.8.26–2.2.3", or undefined when no release answers so. */
export function daemonReleases(answers: readonly VersionAnswer[]): string | undefined {
  const lines = daemonLinesFor(answers);
  if (lines.length === 0) return undefined;
  const first = lines[0] as DaemonLine;
  const last = lines[lines.length - 1] as DaemonLine;
  const to = last.last ?? 'later';
  if (first.first === (last.last ?? '')) return `pcsc-lite ${first.first}`;
  return `pcsc-lite ${first.first}${to === 'later' ? ' or later' : `–${to}`}`;
}

/** What a daemon of `line` answers to CMD_VERSION 4:2 … 4:6. */
export function lineAnswers(line: DaemonLine): VersionAnswer[] {
  return [2, 3, 4, 5, 6].map((sent) => ({
    sent,
    rv: line.accepts.includes(sent) ? Scard.S_SUCCESS : line.refusal,
    major: 4,
    minor: line.minor,
  }));
}

/**
 * ok: works. desync: the 2.5 library below 4:6 gets out of step (see `predict`). stopped /
 * no-service: SCardEstablishContext fails with that code.
 */
export type Outcome = 'ok' | 'desync' | 'stopped' | 'no-service' | 'unknown';

export interface Prediction {
  line: ClientLine;
  outcome: Outcome;
  /** The SCARD code SCardEstablishContext returns, when it fails. */
  rv?: number;
  why: string;
}

/** The 2.5 library's fallback below 4:6, as measured (docs/proxy.md, "The 2.5 library against older daemons"). */
export const DESYNC_TEXT =
  'the 2.5 library then works at an older protocol and gets out of step as soon as a program waits for reader changes before listing readers (pcsc_scan, browsers): reader names come back wrong ("PCD 00 00") and SCardTransmit can return success with bytes that are not the card\'s answer';

export function predict(line: ClientLine, answers: readonly VersionAnswer[]): Prediction {
  const first = answers.find((a) => a.sent === line.minor);
  if (!first) return { line, outcome: 'unknown', why: `4:${line.minor} was not probed` };
  const daemon = `${first.major}:${first.minor}`;
  const accepted = (a: VersionAnswer, how: string): Prediction =>
    line.minor === 6 && a.minor < 6
      ? { line, outcome: 'desync', why: `${how}; ${DESYNC_TEXT}` }
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
      why: `pcscd (${daemon}) refuses 4:${line.minor} with SCARD_E_NO_SERVICE, which ${line.retries ? 'the library does not retry' : 'no library retries'}`,
    };
  }
  return {
    line,
    outcome: 'stopped',
    rv: Scard.E_SERVICE_STOPPED,
    why: `pcscd (${daemon}) refuses 4:${line.minor}${line.retries ? '' : ' and this library does not retry'}`,
  };
}

/** A client release against a daemon release, from the table alone (no daemon asked). */
export function predictReleases(client: string, daemon: string): Prediction | undefined {
  const c = clientLine(client);
  const d = daemonLine(daemon);
  return c && d ? predict(c, lineAnswers(d)) : undefined;
}

/** Whether the outcome leaves the client unable to work with the daemon (the bridge fixes each). */
export const broken = (o: Outcome): boolean => o === 'stopped' || o === 'no-service' || o === 'desync';
