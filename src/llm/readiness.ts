import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.js';
import type { Endpoint } from './endpoint.js';
import { readBounded } from './transport.js';

export interface ReadinessOptions {
  /** `{endpoint}/models` is polled, with the endpoint's query and credentials. */
  endpoint: Endpoint;
  apiKey?: string;
  /** How long to keep trying, in seconds. */
  seconds: number;
  /** Pause between polls (default 2 s). */
  intervalMs?: number;
  redact: (text: string) => string;
}

type Poll = { ready: true } | { ready: false; seen: string; final?: string };

/** What a 4xx from /models means: the server is up, but polling longer cannot fix it. */
function hopeless(status: number): string | undefined {
  if (status === 401 || status === 403) return 'Check --api-key (or SEMCODER_API_KEY).';
  if (status === 404) return 'Check --endpoint: it usually ends with /v1.';
  return undefined;
}

async function pollOnce(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Poll> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    if (response.ok) {
      await response.body?.cancel();
      return { ready: true };
    }
    const body = (await readBounded(response)).replace(/\s+/g, ' ').slice(0, 120);
    const seen = `HTTP ${response.status} ${body}`.trim();
    return { ready: false, seen, final: hopeless(response.status) };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ready: false, seen: `no answer within ${timeoutMs} ms` };
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    return { ready: false, seen: `connection failed (${detail})` };
  }
}

/**
 * Polls GET {endpoint}/models until it answers 2xx: a GPU runner that just started vLLM needs
 * minutes before the port even opens. 401/403/404 stop at once, since waiting cannot fix them.
 */
export async function waitForEndpoint(options: ReadinessOptions): Promise<void> {
  const { endpoint } = options;
  const target = new URL(`${endpoint.baseUrl.replace(/\/+$/, '')}/models`);
  for (const [key, value] of Object.entries(endpoint.query)) target.searchParams.set(key, value);
  // Messages show the URL without credentials or query.
  const url = `${endpoint.display}/models`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (endpoint.authorization) headers.authorization = endpoint.authorization;
  else if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const interval = options.intervalMs ?? 2000;
  const deadline = Date.now() + options.seconds * 1000;
  let polls = 0;
  for (;;) {
    const left = deadline - Date.now();
    const poll = await pollOnce(target.href, headers, Math.max(500, Math.min(5000, left)));
    polls += 1;
    if (poll.ready) return;
    const seen = options.redact(poll.seen);
    if (poll.final) {
      throw new UsageError(`The endpoint ${url} answered ${seen}. ${poll.final}`);
    }
    // The last poll goes out at the deadline, not up to one interval before it.
    const wait = Math.min(interval, deadline - Date.now());
    if (wait <= 0) {
      throw new UsageError(
        `The endpoint ${url} did not answer within ${options.seconds} s (${polls} tries; last: ${seen}). ` +
          'Check that the server is running and reachable, or wait longer with --wait-for-endpoint.',
      );
    }
    await sleep(wait);
  }
}
