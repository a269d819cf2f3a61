import { UsageError } from '../errors.js';

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
  /** Text that no message may hold: the password and the query values, as typed and decoded. */
  secrets: string[];
}

/** Shorter values are too common in ordinary text to be redacted (`?stream=1`). */
const MIN_SECRET_LENGTH = 4;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
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
  const queryValues = [...url.searchParams.values()];
  const rawQueryValues = url.search
    .slice(1)
    .split('&')
    .map((pair) => pair.slice(pair.indexOf('=') + 1));
  const user = decoded(url.username);
  const password = decoded(url.password);
  const hasCredentials = url.username !== '' || url.password !== '';
  const secrets = [url.password, password, ...queryValues, ...rawQueryValues].filter(
    (text) => text.length >= MIN_SECRET_LENGTH,
  );
  return {
    baseUrl: `${url.protocol}//${url.host}${url.pathname}`,
    display: displayOf(url),
    query,
    authorization: hasCredentials
      ? `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`
      : null,
    // Longest first, so that a value is never half-redacted by a shorter one inside it.
    secrets: [...new Set(secrets)].sort((a, b) => b.length - a.length),
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
  const known = secrets.filter((s): s is string => !!s).sort((a, b) => b.length - a.length);
  return (text) => known.reduce((out, secret) => out.split(secret).join('***'), text);
}
