import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Which values are secret, and scrubbing them from what the action publishes: the comment,
 * the job summary and every file of the artifact. The runner masks registered secrets in the
 * log only; text that leaves through the API or an artifact must be scrubbed here.
 */

/** Shorter values are not treated as secrets: masking "1" or "v1" would garble every log. */
export const MIN_SECRET_LENGTH = 4;

/** GitHub's token formats (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_). */
const TOKEN_PATTERN = /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/g;

const REDACTED = '***';

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * The credentials an endpoint URL carries: its userinfo and the values of its query string
 * (`?token=...`, `?api-key=...`), each as written and percent-decoded. Servers behind proxies
 * take keys that way, and the URL reaches error messages as given.
 */
export function endpointSecrets(endpoint: string | undefined): string[] {
  if (!endpoint) return [];
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return [];
  }
  const values = [url.username, url.password];
  for (const pair of url.search.replace(/^\?/, '').split('&')) {
    const at = pair.indexOf('=');
    values.push(at === -1 ? pair : pair.slice(at + 1));
  }
  const all = values.flatMap((value) => [value, decoded(value)]);
  return [...new Set(all)].filter((value) => value.length >= MIN_SECRET_LENGTH);
}

/** Replaces every known secret and anything shaped like a GitHub token with ***. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: a secret that contains another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  }
  return out.replace(TOKEN_PATTERN, REDACTED);
}

/**
 * The same on every string of plain data (a report), keys included. Scrub data before it is
 * rendered, not the rendering: Markdown escaping changes a secret's spelling (`sk_live` is
 * written `sk\\_live`), and a scrub of the rendered text would miss it.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return redactSecrets(item, secrets);
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(
        Object.entries(item).map(([key, inner]) => [redactSecrets(key, secrets), walk(inner)]),
      );
    }
    return item;
  };
  return walk(value) as T;
}

/**
 * The same on a file's bytes, whatever the file holds: each secret as UTF-8 and as it appears
 * inside a JSON string (report.json escapes quotes and backslashes). Latin-1 maps every byte to
 * one character and back, so bytes around a match are kept exactly. Null when nothing changed.
 */
export function redactBytes(content: Buffer, secrets: readonly string[]): Buffer | null {
  const forms = secrets.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]);
  const asBytes = forms.map((form) => Buffer.from(form, 'utf8').toString('latin1'));
  const text = content.toString('latin1');
  const out = redactSecrets(text, [...new Set(asBytes)]);
  return out === text ? null : Buffer.from(out, 'latin1');
}

/**
 * Scrubs the secrets from every regular file under dir, in place (report.json, comment.md,
 * tests/: a model may echo a key it saw into a docstring). Returns the files changed, relative
 * to dir.
 */
export async function redactFiles(dir: string, secrets: readonly string[]): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const changed: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const scrubbed = redactBytes(await readFile(file), secrets);
    if (scrubbed) {
      await writeFile(file, scrubbed);
      changed.push(path.relative(dir, file));
    }
  }
  return changed;
}
