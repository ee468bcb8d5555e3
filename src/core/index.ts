// The public API of pcsc's core library: the only import path commands use.

export * from './errors.js';
export * from './scard/types.js';
export { Attr, CM_IOCTL_GET_FEATURE_REQUEST, ctlCode, Protocol, Scope } from './scard/constants.js';
export { stateFlagNames, cardStateNames } from './scard/evaluate.js';
export { selectReader } from './pcsc/select-reader.js';
export { establishContext, registerBackend, type EstablishOptions } from './pcsc/establish.js';
export { PcscdContext, type PcscdContextOptions } from './pcscd/context.js';
export { resolveSocketPath, DEFAULT_SOCKET, LEGACY_SOCKET } from './pcscd/socket-path.js';
export { PNP_NOTIFICATION, MAX_BUFFER_SIZE_EXTENDED } from './pcscd/codes.js';
export { parseHex, formatHex, toHex, isHex } from './bytes/hex.js';

import { establishContext } from './pcsc/establish.js';
import type { Context as ContextApi } from './scard/types.js';
/** `Context.establish()`: the entry point of the API (see DESIGN.md). */
export const Context = { establish: establishContext };
// The const above hides `export *`'s interface of the same name; name the type again.
export type Context = ContextApi;

export { ProxyServer, serveUntil, probeUpstream, type ProxyRun, type ProxyStats } from './proxy/server.js';
export { defaultSpySocket, defaultProxySocket } from './proxy/paths.js';
export { takeActivation, boundPath, type Activation } from './proxy/activation.js';
export { systemdUnits, UNIT_NAME, UNIT_LISTEN, type SystemdUnits } from './proxy/systemd-units.js';
export type { ProxyCall, ProxyEvent, ProxyOptions } from './proxy/types.js';
export { usbStatus, type UsbStatus } from './ccid/transport.js';
export {
  analyzeAtr,
  MAX_ATR_LENGTH,
  type AtrAnalysis,
  type InterfaceByte,
  type TransmissionParameters,
} from './card/atr.js';
export type { HistoricalBytes, CompactTlvObject, PcscStorageCard } from './card/historical.js';
export {
  ATR_LIST_NAME,
  ATR_LIST_URL,
  atrListCacheDir,
  atrListSearchPath,
  atrSubmitUrl,
  compileAtrList,
  findAtrList,
  loadAtrList,
  openAtrList,
  parseAtrList,
  type AtrList,
  type AtrListEntry,
  type AtrMatch,
  type FindAtrListResult,
  type OpenAtrListResult,
} from './atr-list/list.js';
export {
  downloadAtrList,
  type DownloadAtrListOptions,
  type DownloadAtrListResult,
  type DownloadProgress,
} from './atr-list/download.js';
export {
  parseApdu,
  buildApdu,
  withNe,
  tryParseApdu,
  MAX_APDU_LENGTH,
  type CommandApdu,
  type ApduCase,
  type ApduFields,
} from './card/apdu.js';
export {
  describeSw,
  isSuccessSw,
  parseSwPattern,
  parseSwPatterns,
  matchSw,
  swPatternsText,
  type SwInfo,
  type SwPattern,
  type SwCategory,
} from './card/sw.js';
export { exchange, getResponseApdu, type T0Options, type T0Result, type Step } from './card/t0.js';
export { parseScript, parseApduText, type ScriptItem, type ApduItem, type ResetItem } from './script/parse.js';
export { redactCommandHex, secretRanges, isSecretCommand, SECRET_COMMANDS } from './card/redact.js';
export {
  runScript,
  repeatScript,
  ScriptAbort,
  type RunRecord,
  type ApduRecord,
  type ResetRecord,
  type RunOptions as ScriptRunOptions,
  type RunOutcome,
  type RepeatOutcome,
} from './script/runner.js';
export {
  decodeFeatures,
  decodeTlvProperties,
  FEATURE_GET_TLV_PROPERTIES,
  type Feature,
  type TlvProperty,
} from './pcsc/features.js';
