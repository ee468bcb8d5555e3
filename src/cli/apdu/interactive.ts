// `pcsc apdu` on a terminal with no APDUs: a prompt; each line (the script syntax: hex, HEX=SW,
// reset, `\` continuations, # comments) is sent and answered at once, as scriptor does. Ctrl-D or
// `exit` leaves; Ctrl-C cancels the line (or the exchange under way), twice on an empty line leaves.

import { createInterface, type Interface } from 'node:readline';
import { chooseReader, Context, isPcscError, Scard, toHex, UsageError, type Card } from '../../core/index.js';
import { isSecretCommand, parseScript, runScript, type ScriptItem } from '../../core/script/index.js';
import { describeFailure } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { appendHistory, loadHistory } from './history.js';
import { mismatchMessage, renderDataOnly, renderHeader, renderRecord, type RenderOptions } from './render.js';
import type { PreparedOptions } from './options.js';

export const PROMPT = 'apdu> ';
const MORE = '...> ';

export interface InteractiveOptions {
  prepared: PreparedOptions;
  validate: boolean;
  render: RenderOptions;
  dataOnly: boolean;
  /** SIGTERM (or a Ctrl-C that reached the process): ends the session. */
  signal: AbortSignal;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Human lines: answers to stdout, notes and errors to stderr. */
  log(line: string): void;
  error(line: string): void;
  /** The history file; null: none. */
  historyFile: string | null;
}

/** Runs the session; resolves with the exit code: 0 (Ctrl-D, exit), 130 (left with Ctrl-C). */
export async function runInteractive(o: InteractiveOptions): Promise<number> {
  let link = await open(o);
  try {
    return await session(
      o,
      link,
      () => link.card,
      async () => {
        // A cancelled exchange leaves pcscd's connection out of step: the core closed it. Connect again.
        await close(link);
        link = await open(o);
        o.error(o.render.style.dim(`(connected again to ${link.reader})`));
      },
    );
  } finally {
    await close(link);
  }
}

interface Link {
  ctx: Context;
  card: Card;
  reader: string;
  by: 'name' | 'card' | 'only';
}

async function open(o: InteractiveOptions): Promise<Link> {
  const p = o.prepared;
  const ctx = await Context.establish({ backend: p.backend, socket: p.socket, signal: o.signal });
  try {
    // The reader rule of every command (chooseReader): the one named, else the only one with a card.
    const { reader, by } = await chooseReader(ctx, { reader: p.reader, signal: o.signal });
    const card = await ctx.connect(reader, { share: p.share, protocols: p.protocols, signal: o.signal });
    return { ctx, card, reader, by };
  } catch (e) {
    await ctx.release().catch(() => undefined);
    throw e;
  }
}

async function close(l: Link): Promise<void> {
  await l.card.disconnect().catch(() => undefined);
  await l.ctx.release().catch(() => undefined);
}

async function session(
  o: InteractiveOptions,
  first: Link,
  card: () => Card,
  reconnect: () => Promise<void>,
): Promise<number> {
  const p = o.prepared;
  const atr = await first.card.status().then(
    (s) => toHex(s.atr),
    () => '',
  );
  if (first.by === 'card') o.error(`Using reader with a card: ${first.reader}`);
  o.error(renderHeader({ reader: first.reader, protocol: first.card.protocol, atr }, o.render.style));
  o.error(o.render.style.dim('APDUs in hex (HEX=SW checks the status), reset, # comments; exit or Ctrl-D to leave.'));
  // --select goes first, as in a script.
  if (p.items.length > 0) await send(card(), p.items, o, o.signal);

  const rl = createInterface({
    input: o.input,
    output: o.output,
    terminal: true,
    prompt: PROMPT,
    history: o.historyFile ? await loadHistory(o.historyFile) : [],
    historySize: 1000,
    removeHistoryDuplicates: true,
  });
  let exitCode: number = ExitCode.OK;
  let busy: AbortController | null = null;
  let armed = false; // a Ctrl-C on an empty line: the next one leaves
  let pending = '';
  let typedExit = false;
  rl.on('SIGINT', () => {
    if (busy) return void busy.abort();
    if (rl.line.length > 0 || pending !== '') {
      armed = false;
      pending = '';
      clearLine(rl);
      o.output.write('^C\n');
      rl.setPrompt(PROMPT);
      rl.prompt();
      return;
    }
    if (armed) {
      o.output.write('^C\n');
      exitCode = ExitCode.INTERRUPTED;
      rl.close();
      return;
    }
    armed = true;
    o.output.write('^C\n(To leave, press Ctrl-C again or Ctrl-D, or type exit)\n');
    rl.prompt();
  });
  const onAbort = (): void => rl.close();
  o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    rl.prompt();
    for await (const line of rl) {
      armed = false;
      const text = pending + line;
      const content = stripComment(line);
      if (content.endsWith('\\')) {
        pending = text + '\n';
        rl.setPrompt(MORE);
        rl.prompt();
        continue;
      }
      pending = '';
      rl.setPrompt(PROMPT);
      const word = stripComment(text).toLowerCase();
      if (word === 'exit' || word === 'quit') {
        typedExit = true;
        break;
      }
      let items: ScriptItem[] = [];
      try {
        items = parseScript(text, { name: 'input', validate: o.validate });
      } catch (e) {
        o.error(`pcsc: ${describeFailure(e).message}`);
      }
      if (items.length > 0) {
        // Never a PIN or a key in the history file: a line holding one stays in this session's memory only.
        if (o.historyFile && !text.includes('\n') && !items.some((i) => i.kind === 'apdu' && isSecretCommand(i.bytes)))
          await appendHistory(o.historyFile, text.trim());
        busy = new AbortController();
        await send(card(), items, o, AbortSignal.any([busy.signal, o.signal]));
        const cancelled = busy.signal.aborted;
        busy = null;
        if (cancelled && !o.signal.aborted) {
          try {
            await reconnect();
          } catch (e) {
            o.error(`pcsc: ${describeFailure(e).message}`);
          }
        }
      }
      if (o.signal.aborted) break;
      rl.prompt();
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    rl.close();
  }
  // Ctrl-D leaves the cursor after the prompt.
  if (exitCode === ExitCode.OK && !typedExit && !o.signal.aborted) o.output.write('\n');
  return exitCode;
}

/** Sends one line's items, printing each answer as it comes; an error is said and the session goes on. */
async function send(card: Card, items: ScriptItem[], o: InteractiveOptions, signal: AbortSignal): Promise<void> {
  try {
    const out = await runScript(card, items, {
      raw: o.prepared.raw,
      showSecrets: o.prepared.showSecrets,
      protocols: o.prepared.protocols,
      signal,
      onRecord: (r) => {
        if (o.dataOnly) {
          const l = renderDataOnly(r);
          if (l !== null) o.log(l);
        } else for (const l of renderRecord(r, o.render)) o.log(l);
      },
    });
    if (out.mismatch) o.error(`pcsc: ${mismatchMessage(out.mismatch)}`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const cancelled =
      isPcscError(e, Scard.E_CANCELLED) || (e instanceof Error && isPcscError(e.cause, Scard.E_CANCELLED));
    o.error(cancelled ? 'pcsc: cancelled' : `pcsc: ${describeFailure(e).message}`);
  }
}

function stripComment(line: string): string {
  const hash = line.indexOf('#');
  return (hash >= 0 ? line.slice(0, hash) : line).trim();
}

/** Empties the line being edited (Ctrl-E, Ctrl-U), as a shell does on Ctrl-C. */
function clearLine(rl: Interface): void {
  rl.write(null, { ctrl: true, name: 'e' });
  rl.write(null, { ctrl: true, name: 'u' });
}
