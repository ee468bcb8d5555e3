// The public API of "pcsc" (src/core/index.ts): the names it exports, each with its TSDoc. A name
// added to or dropped from "." fails here until the list below says so: the API changes on purpose.
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportsOf, programOf, ROOT } from './program.js';

/** Every name of ".", run-time values and types alike. */
const EXPECTED = [
  // errors
  'CcidError',
  'ErrorJson',
  'ErrorKind',
  'PcscError',
  'ProtocolError',
  'Scard',
  'UsageError',
  'isPcscError',
  // contexts and cards
  'BackendName',
  'Card',
  'CardProtocol',
  'CardStatus',
  'ConnectOptions',
  'Context',
  'ContextInfo',
  'Disposition',
  'EstablishOptions',
  'ProtocolChoice',
  'ReconnectOptions',
  'ShareMode',
  'TransmitOptions',
  'WaitOptions',
  // reader states, reader selection, the monitor
  'CardPresence',
  'CardState',
  'CardStateName',
  'DaemonBackEvent',
  'DaemonInfo',
  'DaemonLostEvent',
  'MonitorEvent',
  'MonitorOptions',
  'NameLookup',
  'CardNames',
  'PNP_NOTIFICATION',
  'ReaderEvent',
  'ReaderMonitor',
  'ReaderState',
  'ReaderStateQuery',
  'ReaderStatus',
  'StartedEvent',
  'StateFlag',
  'StateFlagName',
  'TransitionEvent',
  'WaitingEvent',
  'chooseReader',
  'ChooseReaderOptions',
  'ChosenReader',
  'monitor',
  'selectReader',
  // attributes, control codes, reader features
  'Attr',
  'CM_IOCTL_GET_FEATURE_REQUEST',
  'FEATURE_GET_TLV_PROPERTIES',
  'Feature',
  'FeatureName',
  'TlvProperty',
  'TlvPropertyName',
  'ctlCode',
  'decodeFeatures',
  'decodeTlvProperties',
  'IOCTL_GET_USB_PATH',
  'UsbPath',
  'UsbPathAnswer',
  'decodeUsbPath',
  'readerUsbPath',
  // bytes, APDUs, status words, ATRs
  'ApduCase',
  'ApduFields',
  'AtrAnalysis',
  'CommandApdu',
  'CompactTlvObject',
  'HistoricalBytes',
  'InterfaceByte',
  'MAX_APDU_LENGTH',
  'MAX_ATR_LENGTH',
  'PcscStorageCard',
  'SwCategory',
  'SwInfo',
  'SwInput',
  'TransmissionParameters',
  'analyzeAtr',
  'buildApdu',
  'describeSw',
  'describeT0',
  'formatHex',
  'isHex',
  'isSuccessSw',
  'parseApdu',
  'parseHex',
  'parseSw',
  'toHex',
  'tryParseApdu',
  'wrongTck',
];

let checker: ts.TypeChecker;
let exported: ts.Symbol[];

beforeAll(() => {
  const index = join(ROOT, 'src/core/index.ts');
  const p = programOf([index]);
  checker = p.checker;
  exported = exportsOf(p.program, checker, index);
}, 60_000);

describe('the public API of "pcsc"', () => {
  it('exports exactly the names listed (a few dozen, PC/SC only)', () => {
    expect(exported.map((s) => s.name).sort()).toEqual([...EXPECTED].sort());
  });

  it('documents every name with TSDoc', () => {
    const undocumented = exported
      .filter((s) => {
        const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
        return ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '';
      })
      .map((s) => s.name);
    expect(undocumented.sort()).toEqual([]);
  });
});
