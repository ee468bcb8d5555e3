// The bounds the proxy keeps per client (docs/proxy.md, "Bounds"): a client is hostile until
// proven otherwise, so nothing it does may make the proxy hold more than a few hundred KiB for it.
//
// pcscd serves a client one request at a time and blocks in its write until the client reads
// the reply; the proxy does the same without blocking anyone else: it takes no new request from
// a client while an earlier reply is unread, and stops reading a client's socket once a request
// and a half are queued, so a client that writes without reading waits in its own write.

import { HEADER_SIZE, MAX_BUFFER_SIZE_EXTENDED, Size } from '../pcscd/codes.js';

/** The largest request a client may send: header, TRANSMIT's 32-byte struct, 65,548 bytes of APDU. */
const MAX_REQUEST = HEADER_SIZE + Size.TRANSMIT + MAX_BUFFER_SIZE_EXTENDED;

/** Bytes of a client's requests the proxy reads ahead before it stops reading that client. */
export const INPUT_LIMIT = 2 * MAX_REQUEST;

/**
 * Unread reply bytes after which a client is dropped. Replies wait for the client, so only the
 * one being written and a few notifications can be pending: reaching this is a bug in the proxy,
 * and dropping the client keeps it from costing memory.
 */
export const OUTPUT_LIMIT = 1024 * 1024;

/** A client that stops in the middle of a request is dropped after this long. */
export const PARTIAL_REQUEST_MS = 30_000;

/** How long a connection the proxy ends is kept open for the client to read its end (see ClientStream.close). */
export const CLOSE_LINGER_MS = 2_000;

/** The proxy gave up on a client (the reason is in the message); its session ends. */
export class ClientDropped extends Error {
  constructor(reason: string) {
    super(`dropped: ${reason}`);
    this.name = 'ClientDropped';
  }
}
