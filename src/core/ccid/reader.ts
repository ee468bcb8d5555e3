// One CCID interface driven over its bulk pipe (CCID rev 1.1 §6.1–6.2 command/reply pairing by
// bSeq, time extension, CCID §5.3.1 Abort) and its interrupt pipe (CCID §6.3 notifications).

import { CcidError, PcscError, Scard } from '../errors.js';
import type { CcidDescriptor } from './descriptor.js';
import {
  abort as abortCmd,
  ClassRequest,
  decodeNotification,
  decodeReply,
  encodeCommand,
  EXPECTED_REPLY,
  messageLength,
  Reply,
  slotErrorName,
  slotErrorText,
  type Command,
  type Notification,
  type ReplyMessage,
} from './messages.js';
import type { CcidTransport } from './transport.js';

export interface CommandOptions {
  /** How long the reader may take to answer (restarted by each time-extension reply). */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

/** Default wait for a reply; readers ask for more with time-extension replies. */
export const DEFAULT_REPLY_MS = 5000;
const SHORT_MS = 2000;
/** Stale replies (for commands we gave up on) we read past before giving up ourselves. */
const MAX_STALE = 8;
/** Interrupt reads are re-armed this often: closing waits for the pending one to end. */
const INTERRUPT_POLL_MS = 250;

/** A reply whose bmCommandStatus says "failed", with the slot error kept as data. */
export class SlotFailure extends CcidError {
  readonly bError: number;
  readonly icc: ReplyMessage['status']['icc'];
  constructor(reply: ReplyMessage, what: string) {
    super(
      `${what}: ${slotErrorText(reply.status.error)} (${slotErrorName(reply.status.error)})`,
      slotErrorName(reply.status.error),
    );
    this.name = 'SlotFailure';
    this.bError = reply.status.error;
    this.icc = reply.status.icc;
  }
}

type Listener = (n: Notification | { type: 'gone'; error: Error }) => void;

export class CcidReader {
  readonly transport: CcidTransport;
  readonly descriptor: CcidDescriptor;
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<Listener>();
  private watching = false;
  /** Set when the device went away or the transport failed for good. */
  gone: Error | undefined;
  private readonly readSize: number;

  constructor(transport: CcidTransport, descriptor: CcidDescriptor) {
    this.transport = transport;
    this.descriptor = descriptor;
    const ps = transport.info.packetSize || 64;
    const max = Math.min(Math.max(descriptor.maxMessageLength, 271), 65_558);
    this.readSize = Math.ceil(max / ps) * ps;
  }

  get slotCount(): number {
    return this.descriptor.maxSlotIndex + 1;
  }

  /** Runs fn with the bulk pipe to itself: one command and its reply at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }

  /**
   * Sends one command and returns its reply (failed replies included: the caller decides what
   * a slot error means). Replies to earlier, abandoned commands are skipped by bSeq; zero-length
   * reads are skipped; a time-extension reply restarts the wait.
   */
  command(make: (seq: number) => Command, opts: CommandOptions = {}): Promise<ReplyMessage> {
    return this.exclusive(async () => {
      if (this.gone) throw this.gone;
      if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'cancelled before the command was sent');
      const cmd = make(this.nextSeq());
      const timeout = opts.timeoutMs ?? DEFAULT_REPLY_MS;
      await this.guard(this.transport.write(encodeCommand(cmd), SHORT_MS));
      let stale = 0;
      for (;;) {
        const raw = await this.readMessage(timeout, cmd, opts.signal);
        const reply = decodeReply(raw);
        if (reply.seq !== cmd.seq || reply.slot !== cmd.slot) {
          if (++stale > MAX_STALE)
            throw new CcidError(
              `the reader keeps answering other commands (bSeq ${reply.seq}, expected ${cmd.seq})`,
              'EPROTO',
            );
          continue;
        }
        if (reply.status.command === 'time-extension') continue;
        const expected = EXPECTED_REPLY[cmd.type];
        // Readers answer commands they do not know with a failed SlotStatus (QEMU does).
        if (reply.type !== expected && !(reply.type === Reply.SlotStatus && reply.status.command === 'failed')) {
          throw new CcidError(
            `the reader answered command 0x${cmd.type.toString(16)} with message 0x${reply.type.toString(16)}`,
            'EPROTO',
          );
        }
        return reply;
      }
    });
  }

  /** Reads one whole message, across several bulk transfers when needed. */
  private async readMessage(timeoutMs: number, cmd: Command, signal: AbortSignal | undefined): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    for (;;) {
      let chunk: Buffer;
      try {
        chunk = await this.guard(this.abortable(this.transport.read(this.readSize, timeoutMs), signal));
      } catch (e) {
        if (e instanceof CcidError && e.code === 'ETIMEDOUT') {
          await this.abortSlot(cmd.slot, cmd.seq).catch(() => undefined);
          throw new CcidError(
            `the reader did not answer command 0x${cmd.type.toString(16)} within ${timeoutMs} ms; the exchange was aborted`,
            'ETIMEDOUT',
            'timeout',
            { cause: e },
          );
        }
        if (e instanceof PcscError && e.code === Scard.E_CANCELLED)
          await this.abortSlot(cmd.slot, cmd.seq).catch(() => undefined);
        throw e;
      }
      if (chunk.length === 0) continue;
      parts.push(chunk);
      have += chunk.length;
      const whole = parts.length === 1 ? chunk : Buffer.concat(parts, have);
      const want = messageLength(whole);
      if (want !== undefined && (have >= want || chunk.length % (this.transport.info.packetSize || 64) !== 0))
        return whole;
    }
  }

  private abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) return p;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new PcscError(Scard.E_CANCELLED, 'cancelled while waiting for the reader'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Marks the reader gone when the device disappears, so later calls fail at once. */
  private async guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof PcscError && e.code === Scard.E_READER_UNAVAILABLE) this.markGone(e);
      throw e;
    }
  }

  private markGone(e: Error): void {
    if (this.gone) return;
    this.gone = e;
    for (const l of this.listeners) l({ type: 'gone', error: e });
  }

  /**
   * CCID CCID §5.3.1: the ABORT class request, then PC_to_RDR_Abort with the same bSeq, whose
   * SlotStatus reply we read past. Best effort: readers such as QEMU's do not support it.
   */
  private async abortSlot(slot: number, seq: number): Promise<void> {
    await this.transport
      .classRequest(ClassRequest.ABORT, ((seq & 0xff) << 8) | (slot & 0xff), SHORT_MS)
      .catch(() => undefined);
    await this.transport.write(encodeCommand(abortCmd(slot, seq)), SHORT_MS);
  }

  /** Public Abort for a slot, serialised with other commands. */
  abort(slot: number): Promise<ReplyMessage> {
    return this.exclusive(async () => {
      const seq = this.nextSeq();
      await this.transport.classRequest(ClassRequest.ABORT, (seq << 8) | slot, SHORT_MS).catch(() => undefined);
      await this.transport.write(encodeCommand(abortCmd(slot, seq)), SHORT_MS);
      for (let i = 0; i <= MAX_STALE; i++) {
        const reply = decodeReply(await this.readMessage(SHORT_MS, abortCmd(slot, seq), undefined));
        if (reply.seq === seq) return reply;
      }
      throw new CcidError('no reply to PC_to_RDR_Abort', 'EPROTO');
    });
  }

  /** Listens to the interrupt pipe; the loop runs while someone listens. */
  onNotification(l: Listener): () => void {
    this.listeners.add(l);
    if (!this.watching && this.transport.info.interruptIn !== undefined) void this.watch();
    return () => this.listeners.delete(l);
  }

  private async watch(): Promise<void> {
    this.watching = true;
    let failures = 0;
    try {
      while (this.listeners.size > 0 && !this.transport.closed && !this.gone) {
        let raw: Buffer | null;
        try {
          raw = await this.transport.readInterrupt(INTERRUPT_POLL_MS);
          failures = 0;
        } catch (e) {
          if (this.transport.closed) break;
          if (e instanceof PcscError && e.code === Scard.E_READER_UNAVAILABLE) {
            this.markGone(e);
            break;
          }
          // A stalled or failed read (after an aborted exchange, say): try again a little later;
          // slot status polling covers the gap.
          if (++failures > 20) break;
          await new Promise((r) => setTimeout(r, INTERRUPT_POLL_MS));
          continue;
        }
        if (!raw || raw.length === 0) continue;
        let n: Notification;
        try {
          n = decodeNotification(raw, this.slotCount);
        } catch {
          continue; // garbage on the interrupt pipe: the slot status poll still tells the truth
        }
        for (const l of this.listeners) l(n);
      }
    } finally {
      this.watching = false;
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.transport.close();
  }
}
