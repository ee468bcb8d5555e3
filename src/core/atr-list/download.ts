// Fetches the newest smartcard_list.txt into the user's cache (what ATR_analysis does with wget),
// checking it looks like the list before it replaces the old copy.

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NetworkError, PcscError, Scard, UsageError } from '../errors.js';
import { ATR_LIST_NAME, ATR_LIST_URL, atrListCacheDir, looksLikeAtrList, parseAtrList } from './list.js';

/** The list is about 0.6 MB; anything far bigger is not it. */
const MAX_BYTES = 16 * 1024 * 1024;

export interface DownloadProgress {
  received: number;
  /** From Content-Length; undefined when the server does not say. */
  total: number | undefined;
}

export interface DownloadAtrListOptions {
  url?: string;
  /** Destination file; default $XDG_CACHE_HOME/smartcard_list.txt. */
  dest?: string;
  env?: NodeJS.ProcessEnv;
  /** Whole download, in milliseconds (default 60 s). */
  timeout?: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

export interface DownloadAtrListResult {
  url: string;
  file: string;
  bytes: number;
  patterns: number;
}

export async function downloadAtrList(opts: DownloadAtrListOptions = {}): Promise<DownloadAtrListResult> {
  const url = opts.url ?? ATR_LIST_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url: "${url}" is not a URL`, 'EURL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new UsageError(`--url: only http and https URLs are supported, not ${parsed.protocol}`, 'EURL');
  const file = opts.dest ?? join(atrListCacheDir(opts.env), ATR_LIST_NAME);
  const timeout = opts.timeout ?? 60_000;
  // setTimeout's longest delay is 2^31 - 1 ms (24.8 days): Node fires a longer one after 1 ms, with a
  // warning; a download allowed longer than that is allowed 24.8 days.
  const timer = AbortSignal.timeout(Math.min(timeout, 2 ** 31 - 1));
  const signal = opts.signal ? AbortSignal.any([opts.signal, timer]) : timer;

  const fail = (e: unknown): never => {
    if (opts.signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'download cancelled');
    if (timer.aborted) throw new PcscError(Scard.E_TIMEOUT, `downloading ${url} took longer than ${timeout / 1000} s`);
    throw new NetworkError(`cannot download ${url}: ${why(e)}`, networkCode(e), { cause: e });
  };

  let body: Buffer;
  try {
    const res = await fetch(parsed, { signal, headers: { 'user-agent': 'pcsc (atr --update)' } });
    if (!res.ok)
      throw new NetworkError(
        `cannot download ${url}: the server answered HTTP ${res.status} ${res.statusText}`.trim(),
        `HTTP_${res.status}`,
      );
    const total = Number(res.headers.get('content-length')) || undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    opts.onProgress?.({ received, total });
    if (res.body) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        received += chunk.length;
        if (received > MAX_BYTES)
          throw new NetworkError(
            `cannot use ${url}: more than ${MAX_BYTES >> 20} MB, this is not the ATR list`,
            'ETOOBIG',
          );
        chunks.push(Buffer.from(chunk));
        opts.onProgress?.({ received, total });
      }
    }
    body = Buffer.concat(chunks);
  } catch (e) {
    if (e instanceof NetworkError) throw e;
    return fail(e);
  }

  const text = body.toString('utf8');
  if (!looksLikeAtrList(text)) {
    throw new NetworkError(
      `${url} did not send an ATR list (${body.length} bytes, no "pattern, TAB description" lines); the cached copy was left as it was`,
      'EBADLIST',
    );
  }
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, body);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { url, file, bytes: body.length, patterns: parseAtrList(text).length };
}

function networkCode(e: unknown): string {
  const c = (e as { cause?: { code?: string } })?.cause?.code ?? (e as { code?: string })?.code;
  return typeof c === 'string' ? c : 'ENETWORK';
}

function why(e: unknown): string {
  const code = networkCode(e);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name does not resolve (${code}): are you offline? Give a mirror with --url`;
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED): nothing listens there';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return `no route to the host (${code}): are you offline?`;
    case 'ECONNRESET':
      return 'the connection was reset (ECONNRESET)';
    default: {
      const cause = (e as { cause?: { message?: string } })?.cause?.message;
      return `${cause ?? (e instanceof Error ? e.message : String(e))} (${code})`;
    }
  }
}
