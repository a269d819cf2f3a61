// The trees tests run in: a pristine checkout of `head` read from git objects (never from
// the user's working tree), and a throwaway copy of it per run.
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, readdir, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { UsageError, errorMessage } from '../errors.js';

const run = promisify(execFile);

async function git(repoDir: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd: repoDir,
    env: env ?? process.env,
    maxBuffer: 64 << 20,
  });
  return stdout.trim();
}

/**
 * Writes the tree of `head` into `dest` and returns the commit's sha. Uses a private index
 * file (GIT_INDEX_FILE), so the user's index, working tree and worktree list are untouched;
 * git applies the repository's checkout filters (eol, LFS smudge) as a checkout would.
 */
export async function checkoutTree(repoDir: string, head: string, dest: string): Promise<string> {
  let sha: string;
  try {
    sha = await git(repoDir, ['rev-parse', '--verify', '--end-of-options', `${head}^{commit}`]);
  } catch (error) {
    throw new UsageError(
      `Cannot run tests at ${head}: not a commit in ${repoDir} (${firstLine(errorMessage(error))}). Fetch it first.`,
    );
  }
  await mkdir(dest, { recursive: true });
  const env = { ...process.env, GIT_INDEX_FILE: path.join(path.dirname(dest), 'checkout.index') };
  await git(repoDir, ['read-tree', sha], env);
  await git(repoDir, ['checkout-index', '--all', '--force', `--prefix=${dest}${path.sep}`], env);
  await rm(env.GIT_INDEX_FILE, { force: true });
  return sha;
}

/**
 * The paths of the user's repository that tests must not read: its working tree (the tests
 * have a copy of head) and its git folder, which may hold a token (actions/checkout keeps
 * one in .git/config) and, for a linked worktree, lives elsewhere.
 */
export async function gitDirs(repoDir: string): Promise<string[]> {
  const found = new Set([await realpath(repoDir)]);
  let dirs: string[] = [];
  try {
    dirs = (await git(repoDir, ['rev-parse', '--show-toplevel', '--git-common-dir'])).split('\n');
  } catch {
    // not a git work tree after all: the folder itself is what there is to hide
  }
  for (const dir of dirs.filter(Boolean)) {
    const real = await realpath(path.resolve(repoDir, dir)).catch(() => null);
    if (real) found.add(real);
  }
  return [...found];
}

/**
 * Where the sandboxes go: the system's temporary folder, unless it lies inside the
 * checkout (TMPDIR set to a folder of the workspace), where tests would be allowed to write
 * and the user's `git status` would see them.
 */
export async function sandboxParent(repoDir: string): Promise<string> {
  const repo = await realpath(repoDir);
  const inside = (dir: string) => dir === repo || dir.startsWith(repo + path.sep);
  for (const candidate of [os.tmpdir(), '/tmp', '/var/tmp']) {
    const dir = await realpath(candidate).catch(() => null);
    if (dir && !inside(dir)) return dir;
  }
  return os.tmpdir();
}

/**
 * A fresh, writable copy of the pristine tree (symlinks copied as links, not followed).
 * The system's `cp -a` is used where there is one: Node's fs.cp stats every file from
 * JavaScript and is tens of times slower, which every run would pay.
 */
export async function copyTree(source: string, dest: string): Promise<void> {
  try {
    await mkdir(dest, { recursive: true });
    await run('cp', ['-a', `${source}${path.sep}.`, dest]);
  } catch {
    await rm(dest, { recursive: true, force: true });
    await cp(source, dest, { recursive: true, verbatimSymlinks: true, force: true });
  }
}

/**
 * Removes a sandbox even when a test left read-only folders behind (which `rm` cannot
 * empty for a non-root user): on failure, make everything writable and try again.
 */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
    return;
  } catch {
    await makeWritable(dir);
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 2 });
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isDirectory()) await makeWritable(path.join(dir, entry.name));
  }
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim()) ?? text;
}
