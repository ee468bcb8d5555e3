// `pcsc apdu` flags → run options: share mode and protocol choice, --control's code and data, the items.

import { parseHex, UsageError, type BackendName, type ProtocolChoice, type ShareMode } from '../../core/index.js';
import { parseControlCode } from './control.js';
import { gatherItems, selectItem } from './input.js';
import type { ApduRunOptions } from './run.js';

export interface ApduFlags {
  file?: string | undefined;
  select?: string | undefined;
  reader?: string | undefined;
  socket?: string | undefined;
  backend?: string | undefined;
  share?: string | undefined;
  protocol?: string | undefined;
  transaction: boolean;
  control?: string | undefined;
  raw: boolean;
  validate: boolean;
  repeat?: number | undefined;
  'show-secrets': boolean;
}

export type PreparedOptions = Omit<ApduRunOptions, 'signal' | 'onRecord' | 'onConnect'>;

export async function prepare(
  f: ApduFlags,
  args: readonly string[],
  stdin: NodeJS.ReadStream | undefined,
  signal?: AbortSignal,
  interactive = false,
): Promise<PreparedOptions> {
  const control =
    f.control === undefined
      ? undefined
      : { code: parseControlCode(f.control), data: parseHex(args.join(' '), { what: '--control data' }) };
  const share = (f.share ?? (control ? 'direct' : 'shared')) as ShareMode;
  const explicit = f.protocol !== undefined && f.protocol !== 'any';
  let protocols: ProtocolChoice[] = explicit ? [f.protocol as ProtocolChoice] : ['T=0', 'T=1'];
  // A direct connection works without a card only if it asks for no protocol.
  if (share === 'direct' && !explicit) protocols = [];
  if (share === 'direct' && !control && !explicit) {
    throw new UsageError('--share direct sends no APDU unless you also give --protocol T=0 or T=1', 'EUSAGE');
  }
  // Interactive: the APDUs come from the prompt; only --select is known now.
  const items = control
    ? []
    : interactive
      ? f.select !== undefined
        ? [selectItem(f.select)]
        : []
      : await gatherItems({ args, file: f.file, select: f.select, validate: f.validate, stdin, signal });
  return {
    items,
    reader: f.reader,
    socket: f.socket,
    backend: f.backend as BackendName | 'auto' | undefined,
    share,
    protocols,
    transaction: f.transaction,
    raw: f.raw,
    repeat: f.repeat,
    showSecrets: f['show-secrets'],
    control,
  };
}
