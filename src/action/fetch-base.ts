import { execFile } from 'node:child_process';
import { UsageError } from '../errors.js';
import { redactSecrets } from '../secrets.js';

/**
 * Makes sure the commits a review compares are in the checkout. actions/checkout clones one
 * commit by default (for pull_request, the merge commit), so the base and head shas, and the
 * history between them, are usually missing. They are fetched with git, authenticated by the
 * token the way actions/checkout does it (an http.extraheader scoped to the GitHub server), but
 * passed through git's GIT_CONFIG_* environment variables: never in argv (which any local user
 * can read in /proc) nor in .git/config, nor in a log.
 */

export interface FetchOptions {
  repoDir: string;
  token?: string;
  /** $GITHUB_SERVER_URL: the header is only sent to this host. */
  serverUrl?: string;
  remote?: string;
}

export interface FetchResult {
  /** The commits that were missing and are now present. */
  fetched: string[];
  /** The history was deepened so that base and head have a merge base. */
  deepened: boolean;
}

const FULL_SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i;

export const FETCH_DEPTH_ADVICE =
  'Check out with full history: actions/checkout with `fetch-depth: 0`.';

export async function ensureCommits(
  base: string,
  head: string,
  options: FetchOptions,
): Promise<FetchResult> {
  const git = (args: string[], env?: NodeJS.ProcessEnv) => run(options.repoDir, args, env);
  // Branch and tag names are resolved (and explained when missing) by change detection.
  const shas = [base, head].filter((rev) => FULL_SHA.test(rev));
  const missing: string[] = [];
  for (const sha of shas) {
    if (!(await git(['cat-file', '-e', `${sha}^{commit}`])).ok) missing.push(sha);
  }
  const shallow = (await git(['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
  const needsMergeBase = shallow && shas.length === 2 && missing.length === 0;
  if (missing.length === 0 && (!needsMergeBase || (await git(['merge-base', base, head])).ok)) {
    return { fetched: [], deepened: false };
  }

  const remote = options.remote ?? 'origin';
  const env = await authEnv(options, git);
  if (!env) {
    throw new UsageError(
      `Commit ${missing[0] ?? `history between ${base.slice(0, 7)} and ${head.slice(0, 7)}`} is not in this shallow checkout and no token was given to fetch it. ${FETCH_DEPTH_ADVICE}`,
    );
  }
  // A shallow clone fetched into stays shallow, and then base and head have no merge base:
  // unshallow, which is what `fetch-depth: 0` would have cost anyway.
  const args = ['fetch', '--no-tags', '--no-recurse-submodules', '--quiet'];
  const result = await git([...args, ...(shallow ? ['--unshallow'] : []), remote, ...shas], env);
  if (!result.ok) {
    const why = redact(result.stderr.trim().split('\n').slice(-2).join(' '), options.token);
    const what = (missing.length > 0 ? missing : shas).map((s) => s.slice(0, 7)).join(', ');
    throw new UsageError(
      `Could not fetch ${what} from '${remote}' (${why}). ${FETCH_DEPTH_ADVICE}`,
    );
  }
  return { fetched: missing, deepened: missing.length === 0 };
}

/**
 * The environment that authenticates git to the server. When the checkout already persisted
 * credentials (actions/checkout's default), adding a second Authorization header would make
 * the server refuse the request, so nothing is added. Undefined: no way to authenticate.
 */
async function authEnv(
  options: FetchOptions,
  git: (args: string[]) => Promise<GitResult>,
): Promise<NodeJS.ProcessEnv | undefined> {
  const persisted = await git(['config', '--get-regexp', '^http\\..*extraheader$']);
  if (persisted.ok && persisted.stdout.trim()) return {};
  if (!options.token) return undefined;
  const server = (
    options.serverUrl ??
    process.env.GITHUB_SERVER_URL ??
    'https://github.com'
  ).replace(/\/+$/, '');
  const basic = Buffer.from(`x-access-token:${options.token}`, 'utf8').toString('base64');
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${server}/.extraheader`,
    GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}`,
  };
}

function redact(text: string, token: string | undefined): string {
  if (!token) return text;
  const basic = Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
  return redactSecrets(text, [token, basic]);
}

interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function run(cwd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      {
        cwd,
        // Never wait for a password prompt on a runner.
        env: { ...withoutInputs(process.env), GIT_TERMINAL_PROMPT: '0', ...extraEnv },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ ok: !error, stdout, stderr }),
    );
  });
}

/** The action's inputs (INPUT_API-KEY, ...) are none of git's business. */
function withoutInputs(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('INPUT_')));
}
