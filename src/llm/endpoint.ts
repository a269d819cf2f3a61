import { UsageError } from '../errors.js';
import { MIN_SECRET_LENGTH, redactSecrets } from '../secrets.js';

/**
 * The endpoint URL as the user typed it, taken apart. fetch refuses a URL with credentials and
 * the SDK appends paths after a query string, so a URL like
 * `http://user:pass@host/v1?token=T` is sent as `http://host/v1` with an HTTP Basic
 * Authorization header and `token=T` on every request. What messages and reports show has
 * neither the credentials nor the query.
 */
export interface Endpoint {
  /** Scheme, host and path: what request URLs are built on. */
  baseUrl: string;
  /** Scheme, host and path without a trailing slash: the form every message and report shows. */
  display: string;
  /** Query parameters sent with every request. */
  query: Record<string, string>;
  /** `Basic <base64 user:password>` when the URL held credentials, else null. */
  authorization: string | null;
  /** Text that no message may hold: the userinfo and the query values, as typed and decoded. */
  secrets: string[];
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The credentials a URL carries: its userinfo and the values of its query string (`?token=`,
 * `?api-key=`), each as written and percent-decoded, since either form can reach a message.
 * Shorter values than MIN_SECRET_LENGTH are too common in ordinary text (`?stream=1`).
 */
function urlSecrets(url: URL): string[] {
  const values = [url.username, url.password];
  for (const pair of url.search.replace(/^\?/, '').split('&')) {
    values.push(pair.slice(pair.indexOf('=') + 1));
  }
  // A query may encode a space as '+' (forms), userinfo may not: both readings are secret.
  const all = values.flatMap((value) => [
    value,
    decoded(value),
    decoded(value.replace(/\+/g, ' ')),
  ]);
  return [...new Set(all)].filter((value) => value.length >= MIN_SECRET_LENGTH);
}

/** The secrets of an endpoint URL as typed; none when it is missing or not a URL. */
export function endpointSecrets(raw: string | undefined): string[] {
  try {
    return raw ? urlSecrets(new URL(raw)) : [];
  } catch {
    return [];
  }
}

function displayOf(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Takes an endpoint URL apart; a UsageError (which does not echo the URL) when it is not http(s). */
export function parseEndpoint(raw: string): Endpoint {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    const scheme = url ? ` (its scheme is ${url.protocol})` : '';
    throw new UsageError(
      `--endpoint is not an http(s) URL${scheme}. Pass one like http://host:8000/v1.`,
    );
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const user = decoded(url.username);
  const password = decoded(url.password);
  const hasCredentials = url.username !== '' || url.password !== '';
  return {
    baseUrl: `${url.protocol}//${url.host}${url.pathname}`,
    display: displayOf(url),
    query,
    authorization: hasCredentials
      ? `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`
      : null,
    secrets: urlSecrets(url),
  };
}

/** The endpoint as messages and reports show it: no credentials, no query; 'unknown' if unparsable. */
export function displayEndpoint(raw: string | undefined): string {
  try {
    return displayOf(new URL(raw ?? ''));
  } catch {
    return 'unknown';
  }
}

/** Replaces every secret of the endpoint (and the API key) in a text by `***`. */
export function redactor(secrets: (string | undefined)[]): (text: string) => string {
  return (text) => redactSecrets(text, secrets);
}
