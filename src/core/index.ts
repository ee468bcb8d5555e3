// "pcsc": the PC/SC API: contexts, cards, reader states and the monitor, errors, hex, APDUs, status
// words, ATRs. Other domains have their own entry points, each cheap to import: "pcsc/script"
// (APDU scripts; exchange(), a command's GET RESPONSE steps one by one), "pcsc/atr-list"
// (smartcard_list.txt), "pcsc/proxy", "pcsc/ccid" (the USB driver). What only the CLI needs is in
// ./internal.ts, not exported.
// Nothing here runs at import time; the USB backend and the `usb` package load only when chosen.

// Errors: PC/SC return codes kept as data, and the failures that have none.
export { CcidError, isPcscError, PcscError, ProtocolError, Scard, UsageError } from './errors.js';
export type { ErrorJson, ErrorKind } from './errors.js';

// Contexts and cards, on pcscd or straight on a USB reader.
import { establishContext } from './pcsc/establish.js';
import type { Context as ContextApi } from './scard/types.js';
/** The entry point: `await using ctx = await Context.establish()` (pcscd, else a USB reader). */
export const Context: {
  /**
   * Opens a PC/SC context on pcscd (`socket`, else PCSCLITE_CSOCK_NAME, else the default socket)
   * or, with `backend: 'usb'`, on USB CCID readers; `auto` (the default) falls back to USB only
   * when nothing listens on the default socket. SCARD_E_NO_SERVICE when neither answers.
   */
  establish(opts?: EstablishOptions): Promise<ContextApi>;
} = { establish: establishContext };
/** A PC/SC context: list readers, wait for changes, connect to cards. */
export type Context = ContextApi;
import type { EstablishOptions } from './pcsc/establish.js';
export type { EstablishOptions };
export type {
  BackendName,
  Card,
  CardProtocol,
  CardStatus,
  ConnectOptions,
  ContextInfo,
  Disposition,
  ProtocolChoice,
  ReconnectOptions,
  ShareMode,
  TransmitOptions,
  WaitOptions,
} from './scard/types.js';

// Reader states, reader selection and the monitor.
export { CardState, StateFlag } from './scard/types.js';
export type { CardStateName, ReaderState, ReaderStateQuery, StateFlagName } from './scard/types.js';
export { PNP_NOTIFICATION } from './pcscd/codes.js';
export { chooseReader, selectReader } from './pcsc/select-reader.js';
export type { ChooseReaderOptions, ChosenReader } from './pcsc/select-reader.js';
export { monitor, ReaderMonitor, type MonitorOptions } from './pcsc/monitor.js';
export type {
  CardNames,
  CardPresence,
  DaemonBackEvent,
  DaemonInfo,
  DaemonLostEvent,
  MonitorEvent,
  NameLookup,
  ReaderEvent,
  ReaderStatus,
  StartedEvent,
  TransitionEvent,
  WaitingEvent,
} from './pcsc/monitor-events.js';

// Attributes, control codes and reader features (PC/SC part 10).
export { Attr, CM_IOCTL_GET_FEATURE_REQUEST, ctlCode } from './scard/constants.js';
export { decodeFeatures, decodeTlvProperties, FEATURE_GET_TLV_PROPERTIES } from './pcsc/features.js';
export type { Feature, FeatureName, TlvProperty, TlvPropertyName } from './pcsc/features.js';
export { decodeUsbPath, IOCTL_GET_USB_PATH, readerUsbPath } from './pcsc/usb-path.js';
export type { UsbPath, UsbPathAnswer } from './pcsc/usb-path.js';

// Bytes, APDUs, status words, ATRs (ISO 7816).
export { formatHex, isHex, parseHex, toHex } from './bytes/hex.js';
export { buildApdu, MAX_APDU_LENGTH, parseApdu, tryParseApdu } from './card/apdu.js';
export type { ApduCase, ApduFields, CommandApdu } from './card/apdu.js';
export { describeSw, isSuccessSw, parseSw, type SwCategory, type SwInfo, type SwInput } from './card/sw.js';
export { analyzeAtr, describeT0, MAX_ATR_LENGTH, wrongTck } from './card/atr.js';
export type { AtrAnalysis, InterfaceByte, TransmissionParameters } from './card/atr.js';
export type { CompactTlvObject, HistoricalBytes, PcscStorageCard } from './card/historical.js';
