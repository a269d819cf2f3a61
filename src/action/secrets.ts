import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { filesUnder } from '../github/artifact.js';
import { redactSecrets, redactStrings } from '../secrets.js';

/**
 * Which values are secret, and scrubbing them from what the action publishes: the comment,
 * the job summary and every file of the artifact. The runner masks registered secrets in the
 * log only; text that leaves through the API or an artifact must be scrubbed here.
 */

export { MIN_SECRET_LENGTH, redactSecrets } from '../secrets.js';
export { endpointSecrets } from '../llm/endpoint.js';

/** redactSecrets on every string of plain data (a report), keys included. */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  return redactStrings(value, (text) => redactSecrets(text, secrets));
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
  const changed: string[] = [];
  for (const name of await filesUnder(dir).catch(() => [])) {
    const file = path.join(dir, name);
    const scrubbed = redactBytes(await readFile(file), secrets);
    if (scrubbed) {
      await writeFile(file, scrubbed);
      changed.push(name);
    }
  }
  return changed;
}
