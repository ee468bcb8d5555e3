// The fake daemon's card-handle commands (docs/protocol.md#structs, docs/protocol.md#calls,
// docs/protocol.md#framing): CONNECT, RECONNECT, DISCONNECT, BEGIN/END_TRANSACTION, STATUS, TRANSMIT,
// CONTROL, GET/SET_ATTRIB.

import type { Conn } from './conn.js';
import type { ControlAnswer, HandleRec, Slot, World } from './model.js';
import { RV, type Behaviour } from './releases.js';
import * as S from './structs.js';
import { testCardRespond } from './test-card.js';

/** What a handler gives back: the writes of its reply, or "close the connection". */
export type Reply = Buffer[] | 'close';

export interface Core {
  readonly b: Behaviour;
  readonly world: World;
  /** Spec: 2 s before dropping a connection that used a handle it does not own. */
  readonly foreignHandleDelay: number;
  denyCard(reader: string): boolean;
  violation(c: Conn, what: string): void;
  /** A connect/disconnect changed readerSharing: registered clients hear of it a little later. */
  sharingChanged(): void;
  newCardHandle(): number;
}

const MAX_EXTENDED = 65548;
const ATTR_ATR_STRING = 0x00090303;
const ATTR_FRIENDLY_NAME = 0x7fff0003;
const ATTR_SYSTEM_NAME = 0x7fff0004;
const GET_FEATURE_REQUEST = 0x42000d48;
const T_RAW = 4;
const LEGACY_ANY = 0x1000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function own(d: Core, c: Conn, hCard: number): HandleRec | undefined {
  const h = d.world.handles.get(hCard);
  return c.hContext !== 0 && h && h.connId === c.id && h.hContext === c.hContext ? h : undefined;
}

async function foreign(d: Core, c: Conn, what: string): Promise<Reply> {
  d.violation(c, `${what} with a handle this connection does not own`);
  await sleep(d.foreignHandleDelay);
  return 'close';
}

function lockedByOther(h: HandleRec): boolean {
  return h.slot.lock !== 0 && h.slot.lock !== h.hCard;
}

function live(d: Core, slot: Slot): boolean {
  return d.world.slots.includes(slot) && slot.used;
}

/** Picks the active protocol for a non-direct handle, or an rv. */
function negotiate(slot: Slot, preferred: number): { active: number } | { rv: number } {
  if (!slot.card) return { rv: RV.NO_SMARTCARD };
  if (slot.card.mute) return { rv: 0x80100066 };
  const proto = slot.protocol || (slot.card.protocol ?? 2);
  if (!(preferred & LEGACY_ANY) && !(preferred & proto)) return { rv: RV.PROTO_MISMATCH };
  slot.protocol = proto;
  return { active: proto };
}

export async function connect(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const st = S.connect(d.b.nameSize);
  const f = S.unpack(st, body);
  const answer = (hCard: number, active: number, rv: number): Reply => {
    const out = S.patch(st, body, { hCard, dwActiveProtocol: active, rv });
    out[4 + d.b.nameSize - 1] = 0;
    return [out];
  };
  if (!c.hContext) return answer(0, 0, RV.INVALID_HANDLE);
  if (f.num('hContext') !== c.hContext) return answer(0, 0, RV.INVALID_VALUE);
  const name = f.str('szReader');
  const slot = d.world.find(name);
  if (!slot) return answer(0, 0, RV.UNKNOWN_READER);
  const share = f.num('dwShareMode');
  if (share < 1 || share > 3) return answer(0, 0, RV.INVALID_VALUE);
  if (d.denyCard(name)) return d.b.polkitConnectRv ? answer(-1, 0xffffffff, RV.SECURITY_VIOLATION) : 'close';
  // Another context's transaction blocks CONNECT; the daemon polls every 100 ms.
  while (slot.lock && d.world.handles.get(slot.lock)?.connId !== c.id) {
    await sleep(100);
    if (c.closed) return 'close';
  }
  const sharing = d.world.sharing(slot);
  if (sharing === -1 || (share === 1 && sharing > 0)) return answer(0, 0, RV.SHARING_VIOLATION);
  let active = slot.protocol;
  if (share !== 3) {
    const n = negotiate(slot, f.num('dwPreferredProtocols'));
    if ('rv' in n) return answer(0, 0, n.rv);
    active = n.active;
  }
  const hCard = d.newCardHandle();
  d.world.handles.set(hCard, { hCard, connId: c.id, hContext: c.hContext, slot, share, event: 0 });
  d.sharingChanged();
  return answer(hCard, active, 0);
}

export async function reconnect(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const f = S.unpack(S.reconnect, body);
  const h = own(d, c, f.num('hCard'));
  if (!h) return foreign(d, c, 'SCARD_RECONNECT');
  const answer = (active: number, rv: number): Reply => [S.patch(S.reconnect, body, { dwActiveProtocol: active, rv })];
  const share = f.num('dwShareMode');
  const init = f.num('dwInitialization');
  if (share < 1 || share > 3 || init > 2) return answer(0, RV.INVALID_VALUE);
  const slot = h.slot;
  if (!live(d, slot)) return answer(0, 0x80100017);
  if (share !== 3 && !slot.card) return answer(0, RV.NO_SMARTCARD);
  const others = [...d.world.handles.values()].filter((x) => x.slot === slot && x !== h);
  if ((share === 1 && others.length > 0) || others.some((x) => x.share === 1) || lockedByOther(h)) {
    return answer(0, RV.SHARING_VIOLATION);
  }
  if (init !== 0 && slot.card) {
    d.world.resetBy(h.hCard, slot);
    slot.protocol = 0;
  }
  let active = slot.protocol;
  if (share !== 3) {
    const n = negotiate(slot, f.num('dwPreferredProtocols'));
    if ('rv' in n) return answer(0, n.rv);
    active = n.active;
  }
  h.share = share;
  h.event = 0;
  d.sharingChanged();
  return answer(active, 0);
}

export async function disconnect(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const f = S.unpack(S.disposition, body);
  const h = own(d, c, f.num('hCard'));
  if (!h) return foreign(d, c, 'SCARD_DISCONNECT');
  const disp = f.num('dwDisposition');
  if (disp > 3) return [S.patch(S.disposition, body, { rv: RV.INVALID_VALUE })];
  d.world.dropHandle(h, disp);
  d.sharingChanged();
  return [S.patch(S.disposition, body, { rv: 0 })];
}

export async function begin(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const h = own(d, c, S.unpack(S.handle, body).num('hCard'));
  if (!h) return foreign(d, c, 'SCARD_BEGIN_TRANSACTION');
  const answer = (rv: number): Reply => [S.patch(S.handle, body, { rv })];
  if (h.event) return answer(h.event);
  if (!live(d, h.slot)) return answer(RV.REMOVED_CARD);
  if (lockedByOther(h)) {
    await sleep(100);
    return answer(RV.SHARING_VIOLATION);
  }
  h.slot.lock = h.hCard;
  return answer(0);
}

export async function end(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const f = S.unpack(S.disposition, body);
  const h = own(d, c, f.num('hCard'));
  if (!h) return foreign(d, c, 'SCARD_END_TRANSACTION');
  const answer = (rv: number): Reply => [S.patch(S.disposition, body, { rv })];
  const disp = f.num('dwDisposition');
  if (disp > 3) return answer(RV.INVALID_VALUE);
  if (lockedByOther(h) && disp !== 0) return answer(RV.SHARING_VIOLATION);
  if (h.slot.lock !== h.hCard) return answer(RV.NOT_TRANSACTED);
  h.slot.lock = 0;
  if (disp !== 0 && h.slot.card) d.world.resetBy(h.hCard, h.slot);
  return answer(0);
}

export async function status(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const h = own(d, c, S.unpack(S.handle, body).num('hCard'));
  if (!h) return foreign(d, c, 'SCARD_STATUS');
  const rv = h.event || (lockedByOther(h) ? RV.SHARING_VIOLATION : 0);
  return [S.patch(S.handle, body, { rv })];
}

export async function transmit(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const f = S.unpack(S.transmit, body);
  const n = f.num('cbSendLength');
  const cap = f.num('pcbRecvLength');
  if (n > MAX_EXTENDED) return tooBig(d, c, `TRANSMIT cbSendLength ${n}`);
  if (cap > MAX_EXTENDED && d.b.closesOnLargeCapacity)
    return tooBig(d, c, `TRANSMIT pcbRecvLength ${cap} on a pre-1.9.8 daemon`);
  const apdu = await c.inbox.read(n);
  if (!apdu) return 'close';
  const h = own(d, c, f.num('hCard'));
  if (!h) return foreign(d, c, 'SCARD_TRANSMIT');
  const fail = (rv: number, needed = 0): Reply => [S.patch(S.transmit, body, { pcbRecvLength: needed, rv })];
  if (h.event) return fail(h.event);
  if (lockedByOther(h)) return fail(RV.SHARING_VIOLATION);
  const card = h.slot.card;
  const pci = f.num('ioSendPciProtocol');
  if (!card) return fail(pci === T_RAW ? RV.REMOVED_CARD : RV.NO_SMARTCARD);
  if (pci !== h.slot.protocol && pci !== T_RAW && pci !== LEGACY_ANY) return fail(RV.PROTO_MISMATCH);
  if (cap < 2 && d.b.closesOnLargeCapacity) return fail(RV.INSUFFICIENT_BUFFER);
  const resp = Buffer.from(await (card.respond ?? testCardRespond)(apdu));
  // The card left while it was answering.
  if (h.slot.card !== card) return fail(RV.REMOVED_CARD);
  if (resp.length > cap) return fail(RV.INSUFFICIENT_BUFFER, d.b.closesOnLargeCapacity ? 0 : resp.length);
  return [S.patch(S.transmit, body, { pcbRecvLength: resp.length, rv: 0 }), resp];
}

export async function control(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const f = S.unpack(S.control, body);
  const n = f.num('cbSendLength');
  const cap = f.num('cbRecvLength');
  if (n > MAX_EXTENDED) return tooBig(d, c, `CONTROL cbSendLength ${n}`);
  if (cap > MAX_EXTENDED && d.b.closesOnLargeCapacity)
    return tooBig(d, c, `CONTROL cbRecvLength ${cap} on a pre-1.9.8 daemon`);
  const data = await c.inbox.read(n);
  if (!data) return 'close';
  const h = own(d, c, f.num('hCard'));
  if (!h) return foreign(d, c, 'SCARD_CONTROL');
  const fail = (rv: number, needed = 0): Reply => [S.patch(S.control, body, { dwBytesReturned: needed, rv })];
  if (lockedByOther(h)) return fail(RV.SHARING_VIOLATION);
  const code = f.num('dwControlCode');
  const reader = h.slot.reader;
  const a: ControlAnswer = reader?.control
    ? reader.control(code, data)
    : code === GET_FEATURE_REQUEST
      ? { data: Buffer.alloc(0) }
      : { rv: RV.UNSUPPORTED_FEATURE };
  if (a.rv) return fail(a.rv);
  const out = Buffer.from(a.data ?? Buffer.alloc(0));
  if (out.length > cap) return fail(RV.INSUFFICIENT_BUFFER, d.b.closesOnLargeCapacity ? 0 : out.length);
  return [S.patch(S.control, body, { dwBytesReturned: out.length, rv: 0 }), out];
}

export async function getAttrib(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const f = S.unpack(S.getset, body);
  const len = f.num('cbAttrLen');
  if (len > 264) return tooBig(d, c, `GET_ATTRIB cbAttrLen ${len}`);
  const h = own(d, c, f.num('hCard'));
  if (!h) return foreign(d, c, 'SCARD_GET_ATTRIB');
  const answer = (v: S.Values): Reply => [S.patch(S.getset, body, v)];
  if (lockedByOther(h)) return answer({ rv: RV.SHARING_VIOLATION });
  const id = f.num('dwAttrId');
  const slot = h.slot;
  const card = slot.card;
  const name = Buffer.from((slot.reader?.name ?? '') + '\0');
  const value =
    slot.attributes.get(id) ??
    (id === ATTR_ATR_STRING && card && !card.mute ? Buffer.from(card.atr) : undefined) ??
    (id === ATTR_FRIENDLY_NAME || id === ATTR_SYSTEM_NAME ? name : undefined);
  if (!value) return answer({ rv: RV.UNSUPPORTED_FEATURE });
  if (value.length > len) return answer({ cbAttrLen: value.length, rv: RV.INSUFFICIENT_BUFFER });
  return answer({ pbAttr: value, cbAttrLen: value.length, rv: 0 });
}

export async function setAttrib(d: Core, c: Conn, body: Buffer): Promise<Reply> {
  const f = S.unpack(S.getset, body);
  const len = f.num('cbAttrLen');
  if (len > 264) return tooBig(d, c, `SET_ATTRIB cbAttrLen ${len}`);
  const h = own(d, c, f.num('hCard'));
  if (!h) return foreign(d, c, 'SCARD_SET_ATTRIB');
  if (lockedByOther(h)) return [S.patch(S.getset, body, { rv: RV.SHARING_VIOLATION })];
  const id = f.num('dwAttrId');
  if (!h.slot.reader?.writable?.includes(id)) return [S.patch(S.getset, body, { rv: RV.UNSUPPORTED_FEATURE })];
  h.slot.attributes.set(id, f.bytes('pbAttr').subarray(0, len));
  return [S.patch(S.getset, body, { rv: 0 })];
}

function tooBig(d: Core, c: Conn, what: string): Reply {
  d.violation(c, `${what} is above the daemon's limit`);
  return 'close';
}
