import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError, errorMessage } from '../errors.js';

/**
 * Downloaded datasets, cached by content hash: `<cache>/datasets/blobs/<sha256>-<name>` holds
 * the bytes, `<cache>/datasets/urls/<sha256 of the URL>.json` points a URL at its blob with the
 * validators the server sent (ETag, Last-Modified). A URL seen before is revalidated on each
 * use with a conditional GET: 304 keeps the cached copy, 200 stores the new content under its
 * own hash, and a network failure or an HTTP error keeps the cached copy with a notice. A
 * caller that knows the content it wants (a canonical release's md5) may skip revalidation.
 */

export const DEFAULT_FETCH_TIMEOUT_MS = 120_000;

/** `$SEMCODER_CACHE`, else `~/.cache/semcoder-action`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SEMCODER_CACHE || path.join(os.homedir(), '.cache', 'semcoder-action');
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** Writes through a temp file and a rename, so readers never see half a file. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, data);
  await rename(temp, file);
}

interface UrlEntry {
  url: string;
  sha256: string;
  blob: string;
  fetchedAt: string;
  /** The validators of the response that brought the blob (absent in older entries). */
  etag?: string | null;
  lastModified?: string | null;
}

export interface CachedDownload {
  file: string;
  bytes: Buffer;
  /** What a person should know: the copy could not be revalidated, or it changed. */
  notice: string | null;
}

export interface FetchOptions {
  timeoutMs?: number;
  /** Ask the server whether a cached copy is still current (default true). */
  revalidate?: boolean;
}

interface Cached {
  entry: UrlEntry;
  file: string;
  bytes: Buffer;
}

function blobName(url: string): string {
  const base = path.posix.basename(new URL(url).pathname) || 'dataset';
  return base.replace(/[^A-Za-z0-9._-]/g, '_').slice(-80);
}

const pointerFile = (cacheDir: string, url: string) =>
  path.join(cacheDir, 'datasets', 'urls', `${sha256(url)}.json`);

/** An older entry may carry keys no longer written (checkedAt): they are ignored. */
async function fromCache(cacheDir: string, url: string): Promise<Cached | null> {
  try {
    const entry = JSON.parse(await readFile(pointerFile(cacheDir, url), 'utf8')) as UrlEntry;
    const file = path.join(cacheDir, 'datasets', 'blobs', entry.blob);
    const bytes = await readFile(file);
    return sha256(bytes) === entry.sha256 ? { entry, file, bytes } : null;
  } catch {
    return null;
  }
}

async function writePointer(cacheDir: string, entry: UrlEntry): Promise<void> {
  await writeFileAtomic(pointerFile(cacheDir, entry.url), `${JSON.stringify(entry, null, 2)}\n`);
}

/** A response, or why there is none (the network, a timeout, a refused connection). */
async function request(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Response | Error> {
  try {
    return await fetch(url, {
      headers,
      redirect: 'follow',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function conditionalHeaders(entry: UrlEntry): Record<string, string> {
  const headers: Record<string, string> = {};
  if (entry.etag) headers['if-none-match'] = entry.etag;
  if (entry.lastModified) headers['if-modified-since'] = entry.lastModified;
  return headers;
}

const served = (cached: Cached, notice: string | null): CachedDownload => ({
  file: cached.file,
  bytes: cached.bytes,
  notice,
});

/**
 * The bytes behind a URL: the cached copy when the server says it is current (or cannot be
 * asked), else downloaded and cached by content hash.
 */
export async function fetchCached(
  url: string,
  cacheDir: string,
  options: FetchOptions = {},
): Promise<CachedDownload> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const cached = await fromCache(cacheDir, url);
  if (cached && options.revalidate === false) return served(cached, null);
  const response = await request(url, cached ? conditionalHeaders(cached.entry) : {}, timeoutMs);
  const since = cached ? `the copy downloaded ${cached.entry.fetchedAt}` : '';
  if (response instanceof Error) {
    if (cached) {
      return served(
        cached,
        `Could not check the dataset ${url} for changes (${errorMessage(response)}): using ${since}.`,
      );
    }
    throw new UsageError(
      `Could not download the dataset ${url}: ${errorMessage(response)}. Check the URL and the network, or pass a local file with --dataset.`,
    );
  }
  if (cached && response.status === 304) return served(cached, null);
  if (!response.ok) {
    if (cached) {
      return served(
        cached,
        `Could not check the dataset ${url} for changes (HTTP ${response.status}): using ${since}.`,
      );
    }
    throw new UsageError(
      `Could not download the dataset ${url}: HTTP ${response.status}. Check the URL, or pass a local file with --dataset.`,
    );
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  const digest = sha256(bytes);
  // The same content as the cached copy (a server without validators, or new ones): the blob
  // is already there; only the pointer's validators change.
  const same = cached?.entry.sha256 === digest;
  const blob = same ? cached.entry.blob : `${digest}-${blobName(url)}`;
  const file = path.join(cacheDir, 'datasets', 'blobs', blob);
  if (!same) await writeFileAtomic(file, bytes);
  await writePointer(cacheDir, {
    url,
    sha256: digest,
    blob,
    fetchedAt: new Date().toISOString(),
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
  });
  const changed =
    cached && cached.entry.sha256 !== digest
      ? `The dataset ${url} changed since ${since}: downloaded again (sha256 ${digest.slice(0, 12)}…).`
      : null;
  return { file, bytes, notice: changed };
}
