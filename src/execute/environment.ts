// The environment generated tests see: an allowlist, never a secret.
// src/python/sandbox.py applies the same rule again inside the sandbox (SECRET_NAME there).
import { UsageError } from '../errors.js';
import { redactSecrets } from '../secrets.js';

/** Tokens, keys, passwords, and the GitHub Actions runtime (ACTIONS_RUNTIME_TOKEN, ...). */
const SECRET_NAME =
  /(TOKEN|SECRET|PASSW|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|COOKIE|SESSION)|^ACTIONS_|^GITHUB_TOKEN$|^SEMCODER_API_KEY$/i;

/** Passed through when present: what programs need to run and print, nothing more. */
const BASE_NAMES = new Set(['PATH', 'LANG', 'LANGUAGE', 'TZ']);

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Rejects pass-env names that would hand a secret to generated code. */
export function checkPassEnv(names: string[]): void {
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(`--pass-env ${name}: not an environment variable name.`);
    }
    if (looksSecret(name)) {
      throw new UsageError(
        `--pass-env ${name}: the name looks like a secret, and generated tests never see secrets. Pass a non-secret variable instead.`,
      );
    }
  }
}

/**
 * The sandbox's environment: PATH, locale and time zone, the variables the user named, and
 * PYTHONUSERBASE so packages installed with `pip install --user` stay importable under the
 * sandbox's temporary HOME.
 */
export function sandboxEnv(
  source: NodeJS.ProcessEnv,
  passEnv: string[],
  userBase: string | null,
): Record<string, string> {
  const env: Record<string, string> = {};
  const wanted = new Set(passEnv);
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || looksSecret(name)) continue;
    if (BASE_NAMES.has(name) || name.startsWith('LC_') || wanted.has(name)) env[name] = value;
  }
  if (userBase) env.PYTHONUSERBASE = userBase;
  return env;
}

/**
 * Replaces, in text, the values of secret-looking variables of `source` and the `explicit`
 * secrets (an API key given as a flag, which no variable holds). Tests never receive them;
 * this keeps a secret out of reports even if one reached a test some other way (a test that
 * read it from another process and put it in an assertion's actual value).
 */
export function redactor(
  source: NodeJS.ProcessEnv,
  explicit: ReadonlyArray<string | undefined> = [],
): (text: string) => string {
  const fromEnv = Object.entries(source)
    .filter(([name]) => looksSecret(name))
    .map(([, value]) => value);
  // A variable's shorter values would redact ordinary words; no real key or token is that short.
  const secrets = [...fromEnv.filter((value) => value && value.length >= 6), ...explicit];
  return (text) => redactSecrets(text, secrets);
}
