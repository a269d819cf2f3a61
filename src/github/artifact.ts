import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Uploads files as a workflow artifact through @actions/artifact (the runner's results service).
 * Outside a runner that provides the service (a local `act` run, some self-hosted set-ups, a
 * test), there is nothing to upload to: that is a notice, not a failure.
 */

export type ArtifactResult =
  | { uploaded: true; name: string; id: number | undefined; size: number | undefined }
  | { uploaded: false; reason: string };

/** The runner provides the artifact service when it hands the job these two variables. */
export function artifactServiceAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL);
}

/** Every regular file under dir, relative to it (an artifact keeps the folder's layout). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

export async function uploadArtifact(
  name: string,
  rootDir: string,
  files: string[],
  options: { retentionDays?: number } = {},
): Promise<ArtifactResult> {
  if (!artifactServiceAvailable()) {
    const reason =
      'the runner provides no artifact service (ACTIONS_RUNTIME_TOKEN/ACTIONS_RESULTS_URL unset)';
    core.notice(`Artifact '${name}' not uploaded: ${reason}. The files are in ${rootDir}.`);
    return { uploaded: false, reason };
  }
  if (files.length === 0) return { uploaded: false, reason: 'no files to upload' };
  const client = new DefaultArtifactClient();
  const absolute = files.map((file) => path.resolve(rootDir, file));
  const response = await client.uploadArtifact(name, absolute, path.resolve(rootDir), {
    retentionDays: options.retentionDays,
  });
  return { uploaded: true, name, id: response.id, size: response.size };
}
