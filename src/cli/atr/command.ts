// `pcsc atr`: analyse the ATR given as words, name the card from the ATR list, and --update that
// list. The body of src/commands/atr.ts, shared with the fast path (src/cli/fast.ts).

import { analyzeAtr, formatHex, parseHex } from '../../core/index.js';
import type { CommandIo } from '../command-io.js';
import type { AtrInputOptions } from './input.js';
import type { AtrResult } from './result.js';

export interface AtrFlags {
  update?: boolean | undefined;
  reader?: string | undefined;
  socket?: string | undefined;
  url?: string | undefined;
  timeout: number;
  list?: string | undefined;
}

/** `words`: the arguments in the order given (oclif's argv can reorder repeated values such as "01"). */
export async function runAtr(flags: AtrFlags, words: readonly string[], io: CommandIo): Promise<AtrResult> {
  const text = words.join(' ');
  let update;
  if (flags.update) {
    const { updateAtrList } = await import('./update.js');
    const { canSpin } = await import('../can-spin.js');
    update = await updateAtrList({
      url: flags.url,
      timeoutSeconds: flags.timeout,
      signal: io.signal,
      progress: canSpin() && !io.jsonEnabled(),
    });
    const { termSafe } = await import('../escape.js');
    io.log(
      `Saved ${update.patterns} ATR patterns (${update.bytes} bytes) from ${termSafe(update.url)} to ${termSafe(update.file)}`,
    );
    if (text.trim() === '') return { update };
  }
  // The ATR given: no stdin, no card (fast-atr-input.cjs, with the PC/SC client, stays unloaded).
  const atrInput = async (o: AtrInputOptions): Promise<Buffer> => (await import('./input.js')).atrInput(o);
  const bytes =
    words.length === 1 && words[0] === '-'
      ? await atrInput({ from: 'stdin', signal: io.signal })
      : text.trim() !== ''
        ? parseHex(text, { what: 'ATR' })
        : await atrInput({
            from: process.stdin.isTTY ? 'reader' : 'stdin',
            reader: flags.reader,
            socket: flags.socket,
            signal: io.signal,
            // As pcsc apdu (and opensc-tool -s): say which reader was taken when none was named.
            onReaderWithCard: (name) => {
              if (!io.jsonEnabled()) io.logToStderr(`Using reader with a card: ${name}`);
            },
          });
  const analysis = analyzeAtr(bytes);
  const { openNameSource } = await import('./names.js');
  const names = (await openNameSource({ file: flags.list, signal: io.signal })).lookup(bytes);
  if (!io.jsonEnabled()) {
    const { renderAtrAnalysis, renderAtrNames } = await import('./render.js');
    const { makeStyle } = await import('../style.js');
    const s = await makeStyle();
    io.log(`ATR: ${formatHex(bytes)}`);
    for (const l of renderAtrAnalysis(analysis, s)) io.log(l);
    io.log('');
    for (const l of renderAtrNames(bytes, names, s)) io.log(l);
  }
  if (!analysis.valid) process.exitCode = 1;
  return { ...analysis, list: names.file, matches: names.matches, names: names.names, ...(update ? { update } : {}) };
}
