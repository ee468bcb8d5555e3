// doctor's registry on the check engine: the facts its checks hand each other, the options the
// command passes them, and the report `pcsc doctor --json` prints.

import type { DriverBundle } from '../drivers/bundles.js';
import type { Check, CheckContext, RunReport } from '../engine/types.js';
import type { VersionAnswer } from './protocol-model.js';

/** The facts doctor's checks leave for their dependants (and for `runDoctor`'s report). */
export interface DoctorFacts {
  /** From pcscd.installed: `pcscd --version`, else the package's upstream version. */
  'pcscd.version': string | undefined;
  /** From pcscd.installed: the words of pcscd's "Enabled features:" line. */
  'pcscd.features': string[];
  /** From pcscd.user: the user pcscd runs (or will run) as. */
  'pcscd.user': string;
  /** From pcscd.socket: the socket the checks are about. */
  'pcscd.socket': string;
  /** From pcscd.protocol: the daemon's answer to each CMD_VERSION we sent. */
  'pcscd.answers': VersionAnswer[];
  /** From pcscd.protocol: the protocol we negotiated ("4:4"). */
  'pcscd.protocol': string;
  /**
   * From pcscd.protocol (or sandbox): the entries of the daemon's reader-state array for clients up to
   * 4:5, its PCSCLITE_MAX_READERS_CONTEXTS (16 upstream, 48 in Fedora's build); null when not counted.
   */
  'pcscd.slots': number | null;
  /** From drivers.bundles: the reader driver bundles pcscd loads. */
  'drivers.bundles': DriverBundle[];
}

/** What the doctor and udev-check commands hand every check. */
export interface DoctorOptions {
  /** The pcscd socket to check (`--socket`); else PCSCLITE_CSOCK_NAME, else the default. */
  socket?: string;
}

export type DoctorCheck = Check<DoctorFacts, DoctorOptions>;
export type DoctorContext = CheckContext<DoctorFacts, DoctorOptions>;

/** `pcsc doctor --json`: every check's report, the count per status and the negotiated protocol. */
export interface DoctorReport extends RunReport {
  /** The pcscd protocol we negotiated ("4:4"), when a daemon answered. */
  protocol?: string;
}

/** A check as `pcsc doctor --list` shows it. */
export interface CheckInfo {
  id: string;
  title: string;
  category: string;
  platforms: readonly string[];
  dependsOn: readonly string[];
  description?: string;
}

/** `pcsc doctor --list --json`. */
export interface DoctorCheckList {
  checks: CheckInfo[];
}
