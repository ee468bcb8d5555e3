// Where the spy's records go (docs/proxy.md#json): stdout or --output FILE, text or
// JSON lines. The file is private (0600) even when it existed with another mode. A reader slower
// than the clients (`pcsc spy | less`, a FIFO nobody drains) never makes the spy hold more than
// LOG_LIMIT bytes: records past that are dropped, and a line in the log says how many and when.

import { constants, createWriteStream, fchmodSync, fstatSync, openSync, closeSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { UsageError } from '../../core/index.js';
import type { ProxyCall, SpySummary } from '../../core/proxy/index.js';
import { clock, renderCall, renderSummary } from './render.js';

/** Bytes of log lines that may wait for a slow reader. */
export const LOG_LIMIT = 1024 * 1024;

export interface LogSink {
  write(call: ProxyCall): void;
  /** The per-call summary at exit: a table, or one final JSON object `{"summary": …}`. */
  summary(s: SpySummary): void;
  /** Writes what is still owed (a dropped-records line) and, for a file, closes it. */
  close(): Promise<void>;
}

export interface LogSinkOptions {
  json: boolean;
  /** --output FILE; stdout without it. */
  output?: string | undefined;
  /** A trouble note for stderr (the first drop of a slow spell, a write error). */
  note: (line: string) => void;
}

export function openLogSink(o: LogSinkOptions): LogSink {
  const stream: Writable = o.output ? openLogFile(o.output) : process.stdout;
  if (o.output) stream.on('error', (e: Error) => o.note(`pcsc: cannot write ${o.output}: ${e.message}`));
  const line = (c: ProxyCall): string => (o.json ? JSON.stringify(c) : renderCall(c));
  let dropped = 0;
  let from = '';
  let to = '';
  const owe = (): void => {
    if (dropped === 0) return;
    const why = "the log's reader was too slow";
    stream.write(
      (o.json
        ? JSON.stringify({ time: to, dropped, from, to, note: why })
        : `${clock(to)} ${dropped} call${dropped === 1 ? '' : 's'} not logged (${clock(from)}–${clock(to)}): ${why}`) +
        '\n',
    );
    dropped = 0;
  };
  stream.on('drain', owe);
  return {
    write(c) {
      if (stream.writableLength >= LOG_LIMIT) {
        if (dropped === 0) {
          from = c.time;
          o.note("pcsc: the log's reader is too slow: calls are left out until it catches up");
        }
        dropped++;
        to = c.time;
        return;
      }
      owe();
      stream.write(line(c) + '\n');
    },
    summary(s) {
      owe();
      stream.write(o.json ? JSON.stringify({ summary: s }) + '\n' : ['', ...renderSummary(s)].join('\n') + '\n');
    },
    close() {
      owe();
      if (!o.output) return Promise.resolve();
      return new Promise<void>((done) => stream.end(() => done()));
    },
  };
}

/**
 * Opens --output: created 0600, and an existing regular file made 0600 too (a trace holds card
 * data). A FIFO is opened without blocking (no reader: a clear error, not a hang) and written
 * through a non-blocking pipe; other files (a terminal, /dev/null) keep their mode.
 */
export function openLogFile(path: string): Writable {
  let fifo = false;
  try {
    fifo = statSync(path).isFIFO();
  } catch {
    // absent: created below
  }
  let fd: number;
  try {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOCTTY;
    fd = openSync(path, fifo ? flags | constants.O_NONBLOCK : flags, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENXIO' ? 'a FIFO that no process reads' : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(`cannot write the log to ${path}: ${why}`);
  }
  const st = fstatSync(fd);
  if (st.isFile()) {
    try {
      fchmodSync(fd, 0o600);
    } catch {
      closeSync(fd);
      throw new UsageError(`cannot write the log to ${path}: cannot make it private (mode 0600): not your file`);
    }
  }
  if (st.isFIFO()) return new Socket({ fd, readable: false, writable: true });
  return createWriteStream('', { fd });
}
