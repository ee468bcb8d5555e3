// How each pcscd release behaves on the wire (docs/protocol.md):
// every difference the fake daemon reproduces, derived from a pcsc-lite version number.

export const RV = {
  SUCCESS: 0,
  CANCELLED: 0x80100002,
  INVALID_HANDLE: 0x80100003,
  INSUFFICIENT_BUFFER: 0x80100008,
  UNKNOWN_READER: 0x80100009,
  SHARING_VIOLATION: 0x8010000b,
  NO_SMARTCARD: 0x8010000c,
  PROTO_MISMATCH: 0x8010000f,
  INVALID_VALUE: 0x80100011,
  NOT_TRANSACTED: 0x80100016,
  NO_SERVICE: 0x8010001d,
  SERVICE_STOPPED: 0x8010001e,
  UNSUPPORTED_FEATURE: 0x8010001f,
  RESET_CARD: 0x80100068,
  REMOVED_CARD: 0x80100069,
  SECURITY_VIOLATION: 0x8010006a,
} as const;

export interface Behaviour {
  readonly version: string;
  /** Protocol minor the daemon announces (major is always 4). */
  readonly minor: number;
  /** MAX_READERNAME: 100 before 1.8.4, 128 after (both under "4:2"). */
  readonly nameSize: 100 | 128;
  /** rv for a CMD_VERSION it does not accept: NO_SERVICE up to 1.8.25, SERVICE_STOPPED after. */
  readonly mismatchRv: number;
  /** 2.4.1: accepts any client minor ≥ 4 without checking the major, replies 4:5. */
  readonly acceptsMinorAtLeast4: boolean;
  /** 2.5.x: accepts 4:4 and 4:5 clients in "old API" mode (16-entry arrays on WAIT). */
  readonly oldApiMode: boolean;
  /** Before 1.8.19 STOP is answered even when the connection is no longer registered. */
  readonly stopAlwaysReplies: boolean;
  /** ≤ 1.8.23: notification timeOut is uninitialised memory. */
  readonly garbageNotificationTimeout: boolean;
  /** Before 1.9.8: receive capacity > 65548 closes the connection; no needed length reported. */
  readonly closesOnLargeCapacity: boolean;
  /** From 2.0.1: CANCEL of a context that is not waiting answers 0 (INVALID_HANDLE before). */
  readonly cancelIdleOk: boolean;
  /** From 2.0.1: a polkit-denied CONNECT answers SECURITY_VIOLATION (before, the daemon closed). */
  readonly polkitConnectRv: boolean;
  /** 2.3.0+: CMD_GET_READER_EVENTS (0x15). */
  readonly readerEventsCommand: boolean;
  /** 2.5.0+: CMD_GET_READERS_STATE_SIZE/ARRAY, a reader array that grows 2 slots at a time. */
  readonly growingArray: boolean;
  /** 1.8.0–1.8.3 context handles are 0x01030000 + 1..65535. */
  readonly oldContextHandles: boolean;
}

/** Compares dotted versions numerically. */
export function cmpVersion(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function behaviourOf(version: string): Behaviour {
  const lt = (v: string): boolean => cmpVersion(version, v) < 0;
  if (lt('1.6.5')) throw new Error(`pcsc-lite ${version}: protocols before 4:2 are not modelled`);
  const minor = lt('1.8.9') ? 2 : lt('1.8.24') ? 3 : lt('2.3.0') ? 4 : lt('2.5.0') ? 5 : 6;
  return {
    version,
    minor,
    nameSize: lt('1.8.4') ? 100 : 128,
    mismatchRv: lt('1.8.26') ? RV.NO_SERVICE : RV.SERVICE_STOPPED,
    acceptsMinorAtLeast4: !lt('2.4.1') && lt('2.5.0'),
    oldApiMode: !lt('2.5.0'),
    stopAlwaysReplies: lt('1.8.19'),
    garbageNotificationTimeout: lt('1.8.24'),
    closesOnLargeCapacity: lt('1.9.8'),
    cancelIdleOk: !lt('2.0.1'),
    polkitConnectRv: !lt('2.0.1'),
    readerEventsCommand: !lt('2.3.0'),
    growingArray: !lt('2.5.0'),
    oldContextHandles: lt('1.8.4'),
  };
}

/**
 * docs/protocol.md#cmd_version-answers: the rv a release answers to a client's CMD_VERSION; oldApi: 2.5's
 * mode for 4:4/4:5 clients.
 */
export function versionAnswer(b: Behaviour, major: number, minor: number): { rv: number; oldApi: boolean } {
  if (b.acceptsMinorAtLeast4) return { rv: minor >= 4 ? 0 : RV.SERVICE_STOPPED, oldApi: false };
  if (major === 4 && minor === b.minor) return { rv: 0, oldApi: false };
  if (b.oldApiMode && major === 4 && (minor === 4 || minor === 5)) return { rv: 0, oldApi: true };
  return { rv: b.mismatchRv, oldApi: false };
}

/**
 * One daemon per release line of the brief (docs/protocol.md#cmd_version-answers), plus a distribution build
 * with 48 slots.
 */
export interface ReleaseLine {
  /** The releases it stands for. */
  readonly line: string;
  /** The release the fake imitates. */
  readonly version: string;
  /** Reader slots of the fixed array (PCSCLITE_MAX_READERS_CONTEXTS); 16 unless patched. */
  readonly slots?: number;
  /** The protocol a client that speaks 4:2–4:6 ends up with. */
  readonly expected: string;
}

export const RELEASE_LINES: readonly ReleaseLine[] = [
  { line: '1.6.5–1.8.3', version: '1.8.3', expected: '4:2' },
  { line: '1.8.4–1.8.8', version: '1.8.8', expected: '4:2' },
  { line: '1.8.9–1.8.18', version: '1.8.18', expected: '4:3' },
  { line: '1.8.19–1.8.23', version: '1.8.23', expected: '4:3' },
  { line: '1.8.24–1.8.25', version: '1.8.25', expected: '4:4' },
  { line: '1.8.26–2.2.3', version: '2.2.3', expected: '4:4' },
  { line: '2.3.0–2.4.0', version: '2.4.0', expected: '4:5' },
  { line: '2.4.1', version: '2.4.1', expected: '4:5' },
  { line: '2.5.x', version: '2.5.1', expected: '4:6' },
  { line: 'Fedora-like 2.4.1, 48 slots', version: '2.4.1', slots: 48, expected: '4:5' },
];
