// Where `pcsc atr` gets its ATR when none is given: stdin (`pcsc scan --wait-card | pcsc atr`, or
// `-`), or on a terminal the card in the reader.

import { chooseReader, Context, parseHex, PcscError, Scard, UsageError } from '../../core/index.js';
import { readStdinText } from '../stdin.js';

/** An ATR is at most 33 bytes; what is piped may be a line of `scan --wait-card` or hex with comments around. */
const MAX_STDIN_BYTES = 64 * 1024;

export interface AtrInputOptions {
  from: 'stdin' | 'reader';
  /** --reader (from: 'reader'). */
  reader?: string | undefined;
  socket?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Called with the reader's name when none was named and the only reader with a card was taken. */
  onReaderWithCard?: ((name: string) => void) | undefined;
}

export async function atrInput(o: AtrInputOptions): Promise<Buffer> {
  if (o.from === 'stdin') {
    const text = await readStdinText(process.stdin, { maxBytes: MAX_STDIN_BYTES, holds: 'an ATR', signal: o.signal });
    const bytes = parseHex(text, { what: 'ATR (stdin)' });
    if (bytes.length === 0)
      throw new UsageError(
        'no ATR: stdin is empty; give an ATR in hex (pcsc atr 3B 02 14 50) or pipe one in (pcsc scan --wait-card | pcsc atr)',
        'ENOATR',
      );
    return bytes;
  }
  return readerAtr(o);
}

/** The ATR of the card in the chosen reader, read without connecting to the card. */
async function readerAtr(o: AtrInputOptions): Promise<Buffer> {
  await using ctx = await Context.establish({ socket: o.socket, signal: o.signal });
  // The reader rule of every command (chooseReader): the one named, else the only one with a card.
  const { reader, by } = await chooseReader(ctx, { reader: o.reader, signal: o.signal });
  if (by === 'card') o.onReaderWithCard?.(reader);
  const [st] = await ctx.getStatusChange([{ reader }], { timeout: 0, signal: o.signal });
  if (st?.flags.includes('MUTE'))
    throw new PcscError(Scard.W_UNRESPONSIVE_CARD, `the card in ${reader} does not answer`);
  if (!st || !st.flags.includes('PRESENT') || st.atr.length === 0)
    throw new PcscError(
      Scard.E_NO_SMARTCARD,
      `no card in ${reader}: insert one, or give an ATR in hex (pcsc atr 3B 02 14 50)`,
    );
  return Buffer.from(st.atr);
}
