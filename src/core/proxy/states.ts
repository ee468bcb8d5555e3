// Reader states and reader events between client and daemon versions (docs/protocol.md#reader-states,
// docs/protocol.md#calls, docs/protocol.md#versions, docs/protocol.md#protocol-46): arrays of 16 entries up
// to 4:5 and of a growing size on 4:6, WAIT/STOP with an 8-byte body and no array up to 4:3 or without body
// and with the array from 4:4, and CMD_GET_READER_EVENTS answered by the daemon when it has it, synthesised
// when it does not.

import { ProtocolError, Scard } from '../errors.js';
import { Cmd } from '../pcscd/codes.js';
import { encodeReaderStates, type ReaderStateEntry } from '../pcscd/messages/reader-state.js';
import {
  decodeWait,
  encodeReaderEventsStruct,
  encodeReadersStateSize,
  encodeWaitStruct,
} from '../pcscd/messages/simple.js';
import { fixedView, sameStates } from './arrays.js';
import type { CallFacts } from './records.js';
import type { RawRequest } from './requests.js';
import type { ProxySession } from './session.js';

/** How long a notification waits, after a WAIT, for the request libpcsclite sends at once. */
const HOLD_MS = 100;

function hold(s: ProxySession): void {
  s.holdNotes = Date.now() + (s.shared.options.holdNotificationsMs ?? HOLD_MS);
}

/** `pending`: what the request before this one left for it (4:6 WAIT → SIZE → ARRAY). */
export async function serveStates(
  s: ProxySession,
  req: RawRequest,
  f: CallFacts,
  pending: ProxySession['pending'],
): Promise<void> {
  switch (req.command) {
    case Cmd.GET_READERS_STATE:
      return getStates(s, f);
    case Cmd.WAIT_READER_STATE_CHANGE:
      return wait(s, f);
    case Cmd.STOP_WAITING_READER_STATE_CHANGE:
      return stop(s, req, f);
    case Cmd.GET_READER_EVENTS:
      return readerEvents(s, f);
    case Cmd.GET_READERS_STATE_SIZE:
      return stateSize(s, f, pending?.from === 'wait' ? pending.entries : null);
    case Cmd.GET_READERS_STATE_ARRAY:
      return stateArray(s, f, pending);
    default:
      throw new ProtocolError(`command 0x${req.command.toString(16)} is not served`);
  }
}

async function fetch(s: ProxySession): Promise<ReaderStateEntry[]> {
  return (await s.states()).fetch();
}

/** Sends a fixed-size array (16 entries, or --client-slots; whatever the daemon holds) and remembers what the client saw. */
function sendFixed(s: ProxySession, entries: readonly ReaderStateEntry[], f: CallFacts): void {
  const slots = s.slots;
  const view = fixedView(entries, slots);
  s.seen = view;
  f.readers = view.map((e) => e.name);
  if (entries.length > view.length)
    f.note = `${entries.length - view.length} readers beyond ${slots} not shown to a ${s.protocol} client`;
  s.client.write(encodeReaderStates(s.layout, view, slots));
}

async function getStates(s: ProxySession, f: CallFacts): Promise<void> {
  sendFixed(s, await fetch(s), f);
}

/**
 * Registers the client. The daemon is registered first, so no change can slip between what the client is
 * shown and the registration. A ≤ 4:3 client fetched its states before registering
 * (docs/protocol.md#waiting-on-older-daemons); if they changed since, it gets its notification at once
 * instead of missing it.
 */
async function wait(s: ProxySession, f: CallFacts): Promise<void> {
  const ch = await s.states();
  if (s.registered) {
    // A second WAIT while registered: nothing more to register; 4:4/4:5 still expect the array.
    if (s.minor === 4 || s.minor === 5) sendFixed(s, await ch.fetch(), f);
    return;
  }
  const entries = await ch.armAndFetch();
  s.registered = true;
  if (s.minor >= 6) {
    s.pending = { entries, from: 'wait' };
    s.seen = entries;
    hold(s);
    f.readers = entries.map((e) => e.name);
    return;
  }
  if (s.minor >= 4) {
    sendFixed(s, entries, f);
    if (s.minor === 5) hold(s);
    return;
  }
  const view = fixedView(entries, s.slots);
  f.readers = view.map((e) => e.name);
  if (s.seen && !sameStates(s.seen, view)) {
    await ch.stop();
    f.note = 'states changed since the client last looked: notified at once';
    s.notifyClient(Scard.S_SUCCESS);
  }
}

/**
 * STOP: exactly one 8-byte answer if the client was registered, nothing otherwise
 * (docs/protocol.md#registration-and-the-stop-race).
 */
async function stop(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const timeOut = s.minor <= 3 ? decodeWait(req.body).timeOut : 0;
  if (!s.registered) {
    f.note = 'not registered: no answer';
    return;
  }
  const ch = await s.states();
  let rv: number = Scard.S_SUCCESS;
  if (ch.armed) rv = (await ch.stop()).rv;
  s.registered = false;
  s.holdNotes = null;
  f.rv = rv;
  // ≤ 4:3 daemons echo the request's timeOut in a STOP reply; a notification carries 0.
  s.client.write(encodeWaitStruct({ timeOut: rv === Scard.S_SUCCESS ? timeOut : 0, rv }));
}

async function readerEvents(s: ProxySession, f: CallFacts): Promise<void> {
  const ch = await s.states();
  let n: number;
  if (ch.minor >= 5) {
    n = await ch.readerEvents();
  } else {
    n = await s.shared.readerEvents.current(async () => (await ch.fetch()).map((e) => e.name));
    f.note = `synthesised: pcscd speaks 4:${ch.minor}`;
  }
  s.holdNotes = null;
  f.readerEvents = n;
  f.rv = Scard.S_SUCCESS;
  s.client.write(encodeReaderEventsStruct({ readerEvents: n, rv: Scard.S_SUCCESS }));
  // A notification that overtook the daemon's reply goes to the client after it, the order
  // libpcsclite can read (it does not tell the two apart).
  const note = ch.pendingNote;
  if (note) {
    ch.pendingNote = null;
    if (s.registered) s.notifyClient(note.rv);
  }
}

/** 4:6 CMD_GET_READERS_STATE_SIZE: the size of the array the next CMD_GET_READERS_STATE_ARRAY sends. */
async function stateSize(s: ProxySession, f: CallFacts, atWait: ReaderStateEntry[] | null): Promise<void> {
  const entries = atWait ?? (await fetch(s));
  const n = s.shared.arraySize.fit(entries.length);
  s.pending = { entries, from: 'size', size: n };
  if (s.registered) hold(s); // the ARRAY follows at once
  f.readers = entries.map((e) => e.name);
  f.note = `${n} entries${atWait ? ', as of registration' : ''}`;
  s.client.write(encodeReadersStateSize(n));
}

async function stateArray(s: ProxySession, f: CallFacts, pending: ProxySession['pending']): Promise<void> {
  const entries = pending?.entries ?? (await fetch(s));
  // The size announced by the SIZE just before, even if another client made the count grow since.
  const n = pending?.size ?? s.shared.arraySize.fit(entries.length);
  s.holdNotes = null;
  s.seen = entries;
  f.readers = entries.map((e) => e.name);
  s.client.write(encodeReaderStates(s.layout, entries, n));
}
