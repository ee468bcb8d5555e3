// The proxy's answer to each client request (docs/protocol.md#commands, docs/protocol.md#structs,
// docs/protocol.md#serving-older-clients): decode with the client's layout, forward at the daemon's version,
// encode the reply with the client's layout. Reader states, registration and reader events are in states.ts.

import { PcscError, ProtocolError, Scard } from '../errors.js';
import {
  Cmd,
  LAYOUT_100,
  MAX_BUFFER_SIZE_EXTENDED,
  NEWEST_MINOR,
  OLDEST_MINOR,
  PROTOCOL_MAJOR,
  Size,
} from '../pcscd/codes.js';
import { PcscdConnection } from '../pcscd/connection.js';
import { decodeAttrib, encodeAttribStruct } from '../pcscd/messages/attrib.js';
import { decodeConnect, encodeConnect, encodeConnectStruct } from '../pcscd/messages/connect.js';
import { decodeControl, encodeControl, encodeControlStruct } from '../pcscd/messages/control.js';
import {
  decodeCancel,
  decodeDisposition,
  decodeEstablish,
  decodeHandle,
  decodeReconnect,
  decodeRelease,
  decodeVersion,
  encodeBeginTransaction,
  encodeCancel,
  encodeCancelStruct,
  encodeDisconnect,
  encodeDispositionStruct,
  encodeEndTransaction,
  encodeEstablish,
  encodeEstablishStruct,
  encodeHandleStruct,
  encodeReconnect,
  encodeReconnectStruct,
  encodeReleaseStruct,
  encodeRelease,
  encodeStatus,
  encodeVersionStruct,
} from '../pcscd/messages/simple.js';
import { decodeTransmit, encodeTransmit, encodeTransmitStruct } from '../pcscd/messages/transmit.js';
import { request } from '../pcscd/messages/wire.js';
import { LAYOUT_128 } from '../pcscd/codes.js';
import type { CallFacts } from './records.js';
import { commandFacts, dispositionName, handle, protocolNames, responseFacts, shareName } from './records.js';
import type { RawRequest } from './requests.js';
import type { ProxySession } from './session.js';
import { serveStates } from './states.js';

export async function dispatch(
  s: ProxySession,
  req: RawRequest,
  f: CallFacts,
  pending: ProxySession['pending'],
): Promise<void> {
  switch (req.command) {
    case Cmd.VERSION:
      return version(s, req, f);
    case Cmd.CANCEL:
      return cancel(s, req, f);
    case Cmd.ESTABLISH_CONTEXT:
      return s.unregistered(() => establish(s, req, f));
    case Cmd.RELEASE_CONTEXT:
      return s.unregistered(() => release(s, req, f));
    case Cmd.CONNECT:
      return s.unregistered(() => connect(s, req, f));
    case Cmd.TRANSMIT:
      return s.unregistered(() => transmit(s, req, f));
    case Cmd.CONTROL:
      return s.unregistered(() => control(s, req, f));
    case Cmd.GET_ATTRIB:
    case Cmd.SET_ATTRIB:
      return s.unregistered(() => attrib(s, req, f));
    case Cmd.RECONNECT:
    case Cmd.DISCONNECT:
    case Cmd.BEGIN_TRANSACTION:
    case Cmd.END_TRANSACTION:
    case Cmd.STATUS:
      return s.unregistered(() => cardCall(s, req, f));
    default:
      return serveStates(s, req, f, pending);
  }
}

/**
 * CMD_VERSION (docs/protocol.md#serving-older-clients): every client version from 4:2 to 4:6 is accepted and
 * remembered for this connection, and answered with itself: the proxy speaks the client's version to it. The
 * daemon being unreachable or unusable is answered here, with its code, as libpcsclite would report it.
 */
async function version(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const v = decodeVersion(req.body);
  f.requested = `${v.major}:${v.minor}`;
  let reply = { major: PROTOCOL_MAJOR, minor: NEWEST_MINOR, rv: Scard.E_SERVICE_STOPPED as number };
  if (v.major === PROTOCOL_MAJOR && v.minor >= OLDEST_MINOR && v.minor <= NEWEST_MINOR) {
    s.setVersion(v.minor);
    reply = { major: v.major, minor: v.minor, rv: Scard.S_SUCCESS };
    try {
      const up = await s.upstream();
      f.note = `daemon speaks ${up.protocol}`;
    } catch (e) {
      if (!(e instanceof PcscError)) throw e;
      reply.rv = e.code === Scard.F_COMM_ERROR ? Scard.E_NO_SERVICE : e.code;
      f.note = e.message;
    }
  } else {
    f.note = `unsupported client version; offered ${PROTOCOL_MAJOR}:${NEWEST_MINOR}`;
  }
  f.rv = reply.rv;
  s.client.write(encodeVersionStruct(reply));
}

async function establish(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const m = decodeEstablish(req.body);
  const up = await s.upstream();
  const r = decodeEstablish(await up.call(encodeEstablish(m.scope), Size.ESTABLISH, 'SCARD_ESTABLISH_CONTEXT'));
  if (r.rv === Scard.S_SUCCESS) s.addContext(r.hContext);
  Object.assign(f, { hContext: handle(r.hContext), rv: r.rv });
  s.client.write(encodeEstablishStruct(r));
}

async function release(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const m = decodeRelease(req.body);
  const up = await s.upstream();
  const r = decodeRelease(await up.call(encodeRelease(m.hContext), Size.RELEASE, 'SCARD_RELEASE_CONTEXT'));
  if (r.rv === Scard.S_SUCCESS) s.removeContext(m.hContext);
  Object.assign(f, { hContext: handle(m.hContext), rv: r.rv });
  s.client.write(encodeReleaseStruct(r));
}

/** CONNECT: the body size tells the client's reader-name width (124 or 152 bytes). */
async function connect(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const layout = req.body.length === LAYOUT_100.connectSize ? LAYOUT_100 : LAYOUT_128;
  const m = decodeConnect(layout, req.body);
  Object.assign(f, {
    hContext: handle(m.hContext),
    reader: m.reader,
    share: shareName(m.shareMode),
    preferredProtocols: protocolNames(m.preferredProtocols),
  });
  const up = await s.upstream();
  const out = encodeConnect(up.layout, m);
  let r = { ...m, hCard: 0, activeProtocol: 0, rv: Scard.E_UNKNOWN_READER as number };
  if (out)
    r = { ...decodeConnect(up.layout, await up.call(out, up.layout.connectSize, 'SCARD_CONNECT')), reader: m.reader };
  else f.note = `reader name does not fit pcscd's ${up.layout.nameSize}-byte field`;
  if (r.rv === Scard.S_SUCCESS)
    s.cards.set(r.hCard, { reader: m.reader, share: m.shareMode, protocol: r.activeProtocol });
  Object.assign(f, { hCard: handle(r.hCard), protocol: protocolNames(r.activeProtocol)[0] ?? null, rv: r.rv });
  s.client.write(encodeConnectStruct(layout, r) as Buffer);
}

function cardFacts(s: ProxySession, hCard: number, f: CallFacts): void {
  const card = s.cards.get(hCard);
  f.hCard = handle(hCard);
  if (card) f.reader = card.reader;
}

/** RECONNECT, DISCONNECT, BEGIN/END_TRANSACTION, STATUS: same struct both sides. */
async function cardCall(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const up = await s.upstream();
  const what = req.command.toString(16);
  switch (req.command) {
    case Cmd.RECONNECT: {
      const m = decodeReconnect(req.body);
      cardFacts(s, m.hCard, f);
      const r = decodeReconnect(await up.call(encodeReconnect(m), Size.RECONNECT, 'SCARD_RECONNECT'));
      const card = s.cards.get(m.hCard);
      if (card && r.rv === Scard.S_SUCCESS) Object.assign(card, { share: m.shareMode, protocol: r.activeProtocol });
      Object.assign(f, {
        share: shareName(m.shareMode),
        disposition: dispositionName(m.initialization),
        protocol: protocolNames(r.activeProtocol)[0] ?? null,
        rv: r.rv,
      });
      s.client.write(encodeReconnectStruct(r));
      return;
    }
    case Cmd.DISCONNECT:
    case Cmd.END_TRANSACTION: {
      const m = decodeDisposition(req.body);
      cardFacts(s, m.hCard, f);
      const enc = req.command === Cmd.DISCONNECT ? encodeDisconnect : encodeEndTransaction;
      const r = decodeDisposition(await up.call(enc(m.hCard, m.disposition), Size.DISCONNECT, `command 0x${what}`));
      if (req.command === Cmd.DISCONNECT && r.rv === Scard.S_SUCCESS) s.cards.delete(m.hCard);
      Object.assign(f, { disposition: dispositionName(m.disposition), rv: r.rv });
      s.client.write(encodeDispositionStruct(r));
      return;
    }
    default: {
      const m = decodeHandle(req.body);
      cardFacts(s, m.hCard, f);
      const enc = req.command === Cmd.STATUS ? encodeStatus : encodeBeginTransaction;
      const r = decodeHandle(await up.call(enc(m.hCard), Size.STATUS, `command 0x${what}`));
      f.rv = r.rv;
      s.client.write(encodeHandleStruct(r));
    }
  }
}

/** Reads the data that follows a reply struct; an impossible length is a protocol error. */
async function readData(s: ProxySession, n: number, what: string): Promise<Buffer> {
  if (n > MAX_BUFFER_SIZE_EXTENDED) throw new ProtocolError(`pcscd announced ${n} bytes of ${what}`);
  return (await s.upstream()).readMore(n, what);
}

async function transmit(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const m = decodeTransmit(req.body);
  const tracing = s.shared.tracing;
  if (tracing) {
    cardFacts(s, m.hCard, f);
    Object.assign(f, commandFacts(req.payload, s.shared.options.showSecrets ?? false));
  }
  const up = await s.upstream();
  const r = decodeTransmit(await up.call(encodeTransmit(m, req.payload), Size.TRANSMIT, 'SCARD_TRANSMIT'));
  const data = r.rv === Scard.S_SUCCESS ? await readData(s, r.recvLength, 'response APDU') : Buffer.alloc(0);
  if (tracing && r.rv === Scard.S_SUCCESS) Object.assign(f, responseFacts(data));
  f.protocol = protocolNames(m.sendPciProtocol)[0] ?? null;
  f.rv = r.rv;
  s.client.write(encodeTransmitStruct(r), data);
}

async function control(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const m = decodeControl(req.body);
  cardFacts(s, m.hCard, f);
  Object.assign(f, { controlCode: handle(m.controlCode), data: req.payload.toString('hex').toUpperCase() });
  const up = await s.upstream();
  const r = decodeControl(
    await up.call(encodeControl(m.hCard, m.controlCode, req.payload, m.recvLength), Size.CONTROL, 'SCARD_CONTROL'),
  );
  const data = r.rv === Scard.S_SUCCESS ? await readData(s, r.bytesReturned, 'control output') : Buffer.alloc(0);
  if (r.rv === Scard.S_SUCCESS) f.response = data.toString('hex').toUpperCase();
  f.rv = r.rv;
  s.client.write(encodeControlStruct(r), data);
}

async function attrib(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const m = decodeAttrib(req.body);
  cardFacts(s, m.hCard, f);
  f.attrId = handle(m.attrId);
  if (req.command === Cmd.SET_ATTRIB) f.data = m.value.toString('hex').toUpperCase();
  const up = await s.upstream();
  const r = decodeAttrib(
    await up.call(request(req.command, encodeAttribStruct({ ...m, rv: 0 })), Size.GETSET, 'SCARD_GET/SET_ATTRIB'),
  );
  if (req.command === Cmd.GET_ATTRIB && r.rv === Scard.S_SUCCESS) f.response = r.value.toString('hex').toUpperCase();
  f.rv = r.rv;
  s.client.write(encodeAttribStruct(r));
}

/**
 * SCARD_CANCEL (docs/protocol.md#cancel), usually on a connection of its own without CMD_VERSION. A waiting context
 * of one of our clients is woken by its session. Any other context, ours but idle or unknown, is
 * left to the daemon on a temporary connection, as libpcsclite would do: it answers as it would
 * directly (pcscd 1.9.9 refuses an idle context with SCARD_E_INVALID_HANDLE, 2.0.1 and later
 * accept it), and our idle upstream connection has no wait for it to end.
 */
async function cancel(s: ProxySession, req: RawRequest, f: CallFacts): Promise<void> {
  const m = decodeCancel(req.body);
  f.hContext = handle(m.hContext);
  const target = s.shared.contexts.get(m.hContext >>> 0);
  let rv: number | null = null;
  if (target === s) {
    // On the waiting connection itself (libpcsclite uses another one): nothing else can run here now.
    rv = (await s.cancelWait()) ? Scard.S_SUCCESS : null;
  } else if (target) {
    rv = await bounded(target.requestCancel(), s.shared.requestTimeout, Scard.E_TIMEOUT);
    if (rv !== null) f.note = `woke client ${target.id}`;
  }
  if (rv === null) rv = await cancelUpstream(s, m.hContext);
  f.rv = rv;
  s.client.write(encodeCancelStruct({ hContext: m.hContext, rv }));
}

async function cancelUpstream(s: ProxySession, hContext: number): Promise<number> {
  let side: PcscdConnection | null = null;
  try {
    side = await PcscdConnection.open(s.shared.options.upstream);
    side.write(encodeCancel(hContext));
    return decodeCancel(
      await side.read(Size.CANCEL, { timeout: s.shared.requestTimeout, what: 'reply to SCARD_CANCEL' }),
    ).rv;
  } catch (e) {
    return e instanceof PcscError ? e.code : Scard.F_INTERNAL_ERROR;
  } finally {
    side?.close();
  }
}

function bounded<T>(p: Promise<T>, ms: number, onTimeout: T): Promise<T> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(onTimeout), ms);
    void p.then((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}
