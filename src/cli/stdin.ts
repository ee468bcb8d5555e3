// Reads what is piped to a command (`pcsc apdu -f -`, `pcsc scan --wait-card | pcsc atr`), bounded in
// size, and cut short by Ctrl-C.

import { addAbortSignal, type Readable } from 'node:stream';
import { PcscError, Scard, UsageError } from '../core/index.js';

export interface ReadStdinOptions {
  /** More than this many bytes is a usage error (a binary file, a device). */
  maxBytes: number;
  /** What the text is, for messages: "an APDU script", "an ATR". */
  holds: string;
  /** Ctrl-C: the read ends at once. */
  signal?: AbortSignal | undefined;
}

export async function readStdinText(stream: NodeJS.ReadableStream, o: ReadStdinOptions): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Ctrl-C while stdin is a terminal or a pipe nobody writes to: the read ends at once.
  if (o.signal) addAbortSignal(o.signal, stream as Readable);
  try {
    for await (const chunk of stream) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += b.length;
      if (size > o.maxBytes) {
        const limit = o.maxBytes >= 1024 * 1024 ? `${o.maxBytes / (1024 * 1024)} MiB` : `${o.maxBytes} bytes`;
        throw new UsageError(`stdin: more than ${limit}, too big for ${o.holds}`, 'EFILE');
      }
      chunks.push(b);
    }
  } catch (e) {
    if (o.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, `interrupted while reading ${o.holds} from stdin`);
    throw e;
  }
  return Buffer.concat(chunks).toString('utf8');
}
