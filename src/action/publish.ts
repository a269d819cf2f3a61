import * as core from '@actions/core';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { GitHub } from '../github/octokit.js';
import {
  pullRequestsForHead,
  getPullRequest,
  type PullRequestInfo,
} from '../github/pull-request.js';
import { upsertStickyComment } from '../github/sticky-comment.js';
import type { RunPlan } from './events.js';
import { secretValues, type ActionInputs } from './inputs.js';
import { headline } from '../report/fail-on.js';
import { setReviewOutputs } from './outputs.js';
import { writeJobSummary } from '../github/summary.js';
import { READ_ONLY_WARNING } from './publish-review.js';
import { reportSchema, type ReviewReport } from './report-schema.js';
import { redactSecrets, renderFallbackComment, sanitizeComment } from './untrusted-comment.js';

/**
 * mode: publish. The second half of the fork-safe pair: a workflow_run workflow (base
 * repository context, write token) posts the comment that the pull_request run (fork code,
 * read-only token) left in its artifact. The artifact is untrusted: report.json is validated,
 * comment.md sanitised, and the pull request number comes from the trusted event payload (or
 * from the API by the head the payload names), never from the artifact.
 */

export type PublishPlan = Extract<RunPlan, { kind: 'publish' }>;

export type PublishResult =
  | { status: 'published'; pr: number; url: string; report: ReviewReport; body: string }
  | { status: 'forbidden'; pr: number; report: ReviewReport; body: string; message: string }
  | { status: 'skipped'; reason: string };

const MAX_REPORT_BYTES = 16 * 1024 * 1024;
const MAX_COMMENT_FILE_BYTES = 1024 * 1024;

export interface ReviewArtifact {
  report: ReviewReport;
  /** comment.md, or '' when it is missing or too large to consider. */
  comment: string;
}

/** Reads and validates report.json and comment.md from a downloaded artifact folder. */
export async function readReviewArtifact(dir: string): Promise<ReviewArtifact> {
  const reportFile = path.join(dir, 'report.json');
  const reportText = await readRegularFile(reportFile, MAX_REPORT_BYTES);
  if (reportText === undefined) {
    throw new UsageError(
      `No review report at ${reportFile}: download the review run's artifact there first (actions/download-artifact with run-id), and pass its folder as report-dir.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(reportText);
  } catch {
    throw new UsageError(`${reportFile} is not JSON: not publishing it.`);
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new UsageError(
      `${reportFile} is not a valid review report (${issues}): not publishing it.`,
    );
  }
  const comment =
    (await readRegularFile(path.join(dir, 'comment.md'), MAX_COMMENT_FILE_BYTES)) ?? '';
  return { report: parsed.data, comment };
}

/** A regular file's text, or undefined when it is missing, not a regular file, or too big. */
async function readRegularFile(file: string, maxBytes: number): Promise<string | undefined> {
  try {
    // lstat: a symlink in an artifact could point anywhere on the runner.
    const info = await lstat(file);
    if (!info.isFile() || info.size > maxBytes) return undefined;
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

export interface PublishOptions {
  reportDir: string;
  secrets: readonly string[];
  /** $GITHUB_SERVER_URL, for the link to the review run. */
  serverUrl: string;
  comment: boolean;
}

export async function publishFromArtifact(
  gh: GitHub,
  plan: PublishPlan,
  options: PublishOptions,
): Promise<PublishResult> {
  const pull = await resolvePull(gh, plan);
  if (!pull) {
    return {
      status: 'skipped',
      reason: `no open pull request has head ${plan.head?.owner}:${plan.head?.branch}`,
    };
  }
  if (plan.headSha && pull.headSha !== plan.headSha) {
    return {
      status: 'skipped',
      reason: `#${pull.number} moved on to ${pull.headSha.slice(0, 7)} since the review of ${plan.headSha.slice(0, 7)}: the newer review will publish`,
    };
  }
  const { report, comment } = await readReviewArtifact(options.reportDir);
  if (report.head !== pull.headSha) {
    throw new UsageError(
      `The artifact's report is for ${report.head.slice(0, 7)}, but #${pull.number} is at ${pull.headSha.slice(0, 7)}: not publishing a report for another commit.`,
    );
  }
  const runLink = plan.runId
    ? `[review run](${options.serverUrl}/${plan.owner}/${plan.repo}/actions/runs/${plan.runId})`
    : 'review run';
  const footer = `<sub>Published from the artifact of the ${runLink} (a pull_request run without write access).</sub>`;
  const { body, notes } = sanitizeComment(comment, report, { secrets: options.secrets, footer });
  for (const note of notes) core.info(`Artifact comment: ${note}.`);
  if (!options.comment) return { status: 'skipped', reason: 'comment: false' };
  const fallbackBody = `${redactSecrets(renderFallbackComment(report), options.secrets)}\n\n${footer}\n`;
  const result = await upsertStickyComment(gh, {
    owner: plan.owner,
    repo: plan.repo,
    issueNumber: pull.number,
    body,
    fallbackBody,
  });
  if (result.forbidden)
    return { status: 'forbidden', pr: pull.number, report, body, message: result.message };
  return { status: 'published', pr: pull.number, url: result.url, report, body };
}

async function resolvePull(gh: GitHub, plan: PublishPlan): Promise<PullRequestInfo | undefined> {
  if (plan.pr !== undefined) return getPullRequest(gh, plan, plan.pr);
  if (!plan.head) return undefined;
  const pulls = await pullRequestsForHead(gh, plan, plan.head);
  // At the reviewed sha if one is; else any, which the caller reports as moved on.
  return pulls.find((p) => p.headSha === plan.headSha) ?? pulls[0];
}

/** Carries out a publish plan: the action's side of `mode: publish`. */
export async function runPublishMode(
  gh: GitHub | undefined,
  plan: PublishPlan,
  inputs: Pick<ActionInputs, 'reportDir' | 'comment' | 'apiKey' | 'githubToken' | 'endpoint'>,
): Promise<void> {
  if (!gh)
    throw new UsageError(
      "mode: publish needs a token that can comment: keep the github-token input's default.",
    );
  if (!inputs.reportDir) {
    throw new UsageError(
      'mode: publish needs report-dir: the folder where the review artifact was downloaded (actions/download-artifact path).',
    );
  }
  const result = await publishFromArtifact(gh, plan, {
    reportDir: inputs.reportDir,
    secrets: secretValues(inputs),
    serverUrl: process.env.GITHUB_SERVER_URL || 'https://github.com',
    comment: inputs.comment,
  });
  if (result.status === 'skipped') {
    core.notice(`semcoder-action: nothing published: ${result.reason}.`);
    return;
  }
  setReviewOutputs(headline(result.report), {
    reportPath: path.join(inputs.reportDir, 'report.json'),
    commentUrl: result.status === 'published' ? result.url : undefined,
  });
  await writeJobSummary(result.body);
  if (result.status === 'forbidden') core.warning(READ_ONLY_WARNING);
  else core.info(`Published the review of #${result.pr}: ${result.url}`);
}
