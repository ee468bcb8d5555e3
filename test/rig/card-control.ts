// The test side of card.py: a vpcd card the test inserts, removes and scripts (JSON lines).

import { fileURLToPath } from 'node:url';
import { startProcess, type LineSource, type Proc } from './processes.js';

export const CARD_PY = fileURLToPath(new URL('./card.py', import.meta.url));
export const SYSTEM_PYTHON = '/usr/bin/python3';
const REPLY_TIMEOUT_MS = 5000;
const PCSCD_NOTICE_MS = 5000;

/** What a rule does with a C-APDU whose hex starts with `match` (see card.py's docstring). */
export interface CardRule {
  match: string;
  reply?: string;
  chain?: string;
  wrongLe?: string;
  sw?: string;
  delay?: number;
  remove?: boolean;
  once?: boolean;
}

export type CardLogEntry = { c: string; r: string | null } | { ctrl: 'on' | 'off' | 'reset' };

export interface CardControl {
  /** The reader this card sits in ("Virtual PCD 00 00"). */
  readonly reader: string;
  readonly port: number;
  /** Inserts the card; resolves once pcscd has powered it and updated the reader state. */
  insert(opts?: { atr?: string; wait?: boolean }): Promise<void>;
  /** Removes the card; resolves once pcscd has noticed (unless wait is false). */
  remove(opts?: { wait?: boolean }): Promise<void>;
  /** Waits until pcscd logs the removal (after a removal the card itself caused, e.g. INS E8). */
  waitRemoved(): Promise<void>;
  setAtr(atr: string): Promise<void>;
  rule(rule: CardRule): Promise<void>;
  clearRules(): Promise<void>;
  /** Everything the card received since the last clearLog (ATR requests excluded). */
  log(): Promise<CardLogEntry[]>;
  /** Only the C-APDUs of the log, as upper-case hex. */
  apdus(): Promise<string[]>;
  clearLog(): Promise<void>;
  status(): Promise<{ inserted: boolean; powered: boolean; atrRequests: number }>;
  /**
   * pcscd was killed and started again (the rig's restartDaemon): vpcd's connection went with the
   * old daemon, so the card is out. Resolves once card.py has seen its connection close.
   */
  daemonReplaced(): Promise<void>;
  stop(): Promise<void>;
}

type Reply = { id: number; ok: boolean; error?: string } & Record<string, unknown>;

export async function startCard(opts: {
  port: number;
  reader: string;
  pcscdLog: LineSource;
  atr?: string;
}): Promise<CardControl> {
  const args = [CARD_PY, '--port', String(opts.port)];
  if (opts.atr) args.push('--atr', opts.atr);
  const proc: Proc = startProcess(SYSTEM_PYTHON, args, { stdin: true });
  await proc.waitLine(/"event": "ready"/, 0, REPLY_TIMEOUT_MS, 'card.py start-up');
  let nextId = 1;

  const request = async (op: string, body: Record<string, unknown> = {}): Promise<Reply> => {
    if (proc.hasExited) throw new Error(`card.py (port ${opts.port}) is not running`);
    const id = nextId++;
    const from = proc.lines.length;
    proc.child.stdin?.write(JSON.stringify({ ...body, op, id }) + '\n');
    const line = await proc.waitLine(
      new RegExp(`^\\{"id": ${id},`),
      from,
      REPLY_TIMEOUT_MS,
      `card.py's reply to ${op}`,
    );
    const reply = JSON.parse(line) as Reply;
    if (!reply.ok) throw new Error(`card.py ${op}: ${reply.error}`);
    return reply;
  };
  const escaped = opts.reader.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // pcscd logs "Card inserted into" after it has stored the new state, and "Card Removed From"
  // right before (a few instructions apart, far less than any client's round trip).
  const waitPcscd = (what: 'inserted into' | 'Removed From', from: number): Promise<string> =>
    opts.pcscdLog.waitLine(
      new RegExp(`Card ${what} ${escaped}$`),
      from,
      PCSCD_NOTICE_MS,
      `pcscd noticing "card ${what} ${opts.reader}"`,
    );
  // Log index from which pcscd's next removal line is looked for; null while the card is out.
  let insertedAt: number | null = null;

  return {
    reader: opts.reader,
    port: opts.port,
    async insert(o = {}) {
      // A card that left by itself (INS E8, a remove rule) must be seen gone by pcscd first: a
      // card back before pcscd's next poll looks like one that never left.
      if (insertedAt !== null) await waitPcscd('Removed From', insertedAt);
      if (o.atr) await request('atr', { atr: o.atr });
      const from = opts.pcscdLog.lines.length;
      await request('insert');
      insertedAt = from;
      if (o.wait !== false) await waitPcscd('inserted into', from);
    },
    async remove(o = {}) {
      const from = insertedAt ?? opts.pcscdLog.lines.length;
      await request('remove');
      if (o.wait !== false) await waitPcscd('Removed From', from);
      insertedAt = null;
    },
    async waitRemoved() {
      if (insertedAt !== null) await waitPcscd('Removed From', insertedAt);
      insertedAt = null;
    },
    async setAtr(atr) {
      await request('atr', { atr });
    },
    async rule(rule) {
      await request('rule', { ...rule });
    },
    async clearRules() {
      await request('clearRules');
    },
    async log() {
      return (await request('log')).log as CardLogEntry[];
    },
    async apdus() {
      const entries = (await request('log')).log as CardLogEntry[];
      return entries.flatMap((e) => ('c' in e ? [e.c] : []));
    },
    async clearLog() {
      await request('clearLog');
    },
    async status() {
      const r = await request('status');
      return { inserted: Boolean(r.inserted), powered: Boolean(r.powered), atrRequests: Number(r.atrRequests) };
    },
    async daemonReplaced() {
      insertedAt = null;
      for (const end = Date.now() + PCSCD_NOTICE_MS; (await request('status')).inserted;) {
        if (Date.now() > end)
          throw new Error(`card.py (port ${opts.port}) still connected ${PCSCD_NOTICE_MS} ms after pcscd died`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      proc.child.stdin?.end();
      const t = setTimeout(() => void proc.stop(500), 1500);
      await proc.exited;
      clearTimeout(t);
    },
  };
}
