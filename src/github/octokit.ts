import * as core from '@actions/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';

/**
 * The GitHub client every publisher uses: Octokit with GitHub's recommended throttling (writes
 * spaced, secondary rate limits waited out and retried a bounded number of times) and retries
 * of transient server errors.
 *
 * Octokit's own log (one line per request, failed attempts included) goes to the debug log
 * only: a request that is retried and then succeeds is not a problem, and a final failure
 * reaches the caller, which decides whether it is one (a read-only token on a fork's pull
 * request is expected: one warning, no error). The lines carry no headers, so no token.
 */

const GitHubClient = Octokit.plugin(retry, throttling);
export type GitHub = InstanceType<typeof GitHubClient>;

/** How often a rate-limited request is retried before the error reaches the caller. */
export const SECONDARY_RATE_LIMIT_RETRIES = 3;
/** A primary rate limit is waited out only when it resets this soon (seconds). */
const MAX_PRIMARY_WAIT_S = 60;

export interface GitHubOptions {
  token: string;
  /** The REST API root: $GITHUB_API_URL on a runner (GHES: https://host/api/v3). */
  baseUrl?: string;
  /**
   * Milliseconds per second for every wait the client makes: `retry-after`, the retry
   * plugin's backoff, and GitHub's recommended spacing of writes (1 s) and of writes that
   * notify people (3 s). 1000 in production; tests shorten the waits, not the logic.
   */
  msPerSecond?: number;
}

export function defaultApiUrl(): string {
  return process.env.GITHUB_API_URL || 'https://api.github.com';
}

export function createGitHub(options: GitHubOptions): GitHub {
  const msPerSecond = options.msPerSecond ?? 1000;
  const limited =
    (kind: string) => (retryAfter: number, request: RequestInfo, _o: unknown, count: number) => {
      const retrying = count < SECONDARY_RATE_LIMIT_RETRIES;
      // Info, not a warning: waiting is the handling; giving up surfaces as the caller's error.
      core.info(
        `GitHub ${kind} on ${request.method} ${request.url}` +
          (retrying
            ? `: retrying in ${retryAfter}s (${count + 1}/${SECONDARY_RATE_LIMIT_RETRIES}).`
            : ': giving up after retries.'),
      );
      return retrying;
    };
  const secondary = limited('secondary rate limit');
  const primary = limited('rate limit');
  return new GitHubClient({
    auth: options.token,
    baseUrl: (options.baseUrl ?? defaultApiUrl()).replace(/\/+$/, ''),
    userAgent: 'semcoder-action',
    log: {
      debug: () => undefined,
      info: (message: string) => core.debug(message),
      warn: (message: string) => core.debug(message),
      error: (message: string) => core.debug(message),
    },
    retry: { retryAfterBaseValue: msPerSecond },
    throttle: {
      retryAfterBaseValue: msPerSecond,
      // The plugin's own groups and spacing, in msPerSecond. Per client: one run is one process.
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: msPerSecond }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 3 * msPerSecond }),
      onSecondaryRateLimit: secondary,
      onRateLimit: (retryAfter: number, request: RequestInfo, octokit: unknown, count: number) =>
        retryAfter <= MAX_PRIMARY_WAIT_S && primary(retryAfter, request, octokit, count),
    },
  });
}

interface RequestInfo {
  method: string;
  url: string;
}

/** The HTTP status of an Octokit error, if it is one. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const status = (error as { status: unknown }).status;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

/** The first validation message of a 422, lower-cased: "body is too long (maximum ...)". */
export function validationMessages(error: unknown): string[] {
  const data = (error as { response?: { data?: { errors?: unknown[]; message?: unknown } } })
    .response?.data;
  const messages = (data?.errors ?? []).map((item) =>
    typeof item === 'string' ? item : String((item as { message?: unknown }).message ?? ''),
  );
  return [...messages, String(data?.message ?? '')].map((m) => m.toLowerCase());
}

export function isSecondaryRateLimit(error: unknown): boolean {
  return /secondary rate limit/i.test(error instanceof Error ? error.message : String(error));
}
