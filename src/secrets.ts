/**
 * Scrubbing secrets from text and data: one mechanism for the model client's messages, the
 * executor's test outcomes and everything the action publishes. Pure.
 */

/** Shorter values are not treated as secrets: masking "1" or "v1" would garble every text. */
export const MIN_SECRET_LENGTH = 4;

/** GitHub's token formats (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_). */
const TOKEN_PATTERN = /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/g;

const REDACTED = '***';

/** Replaces every known secret and anything shaped like a GitHub token with ***. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const known = secrets.filter((s): s is string => !!s && s.length >= MIN_SECRET_LENGTH);
  let out = text;
  // Longest first: a secret that contains another is replaced whole.
  for (const secret of [...new Set(known)].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(REDACTED);
  }
  return out.replace(TOKEN_PATTERN, REDACTED);
}

/**
 * `value` with `redact` applied to every string of it, keys included, however deep. Scrub data
 * before it is rendered, not the rendering: Markdown escaping changes a secret's spelling
 * (`sk_live` is written `sk\\_live`), and a scrub of the rendered text would miss it.
 */
export function redactStrings<T>(value: T, redact: (text: string) => string): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return redact(item);
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(
        Object.entries(item).map(([key, inner]) => [redact(key), walk(inner)]),
      );
    }
    return item;
  };
  return walk(value) as T;
}
