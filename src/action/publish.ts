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
import { writeJobSummary } from '../github/summary.js';
import {
  FALLBACK_COMMENT_CHARS,
  GITHUB_COMMENT_LIMIT,
  renderComment,
  SUMMARY_CHARS,
} from '../report/comment.js';
import { headline } from '../report/fail-on.js';
import type { RunPlan } from './events.js';
import { secretValues, type ActionInputs } from './inputs.js';
import { setReviewOutputs } from './outputs.js';
import { readOnlyWarning } from './publish-review.js';
import { reportSchema, type ReviewReport } from './report-schema.js';
import { redactDeep } from './secrets.js';

/**
 * mode: publish. The second half of the fork-safe pair: a workflow_run workflow (base
 * repository context, write token) posts the comment for the review that the pull_request run
 * (fork code, read-only token) left in its artifact. The artifact is untrusted, all of it:
 * - the comment is rendered here, by our own renderer (which escapes every text that came from
 *   the model or the code), from the validated report.json; comment.md is not read at all, so
 *   its HTML, links, headings or an unclosed `<!--` never reach the pull request;
 * - every figure (outputs, summary line) is derived again from the validated functions;
 * - the pull request number comes from the trusted event payload (or from the API by the head
 *   the payload names), never from the artifact.
 */

export type PublishPlan = Extract<RunPlan, { kind: 'publish' }>;

/** What publishing produced: the comment's body and the job summary, both rendered here. */
interface Rendered {
  report: ReviewReport;
  summary: string;
}

export type PublishResult =
  | ({ status: 'published'; pr: number; url: string } & Rendered)
  | ({ status: 'forbidden'; pr: number; message: string } & Rendered)
  | { status: 'skipped'; reason: string };

const MAX_REPORT_BYTES = 16 * 1024 * 1024;

export interface ReviewArtifact {
  report: ReviewReport;
}

/** Reads and validates report.json from a downloaded artifact folder. */
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
  return { report: parsed.data };
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

/**
 * The comment (marker first) and the job summary for a validated report, with a footer saying
 * where they come from. The review run's page is the summary link, as in the review's own
 * comment.
 */
export function renderPublished(
  report: ReviewReport,
  options: { runUrl?: string; secrets: readonly string[] },
): { body: string; fallbackBody: string; summary: string } {
  const runLink = options.runUrl ? `[review run](${encodeURI(options.runUrl)})` : 'review run';
  const footer = `<sub>Published from the artifact of the ${runLink} (a pull_request run without write access).</sub>`;
  // Scrubbed before rendering: escaping would hide a secret from a scrub of the markdown.
  const scrubbed = redactDeep(report, options.secrets);
  const render = (maxChars: number, marker: boolean) => {
    const text = renderComment(scrubbed, {
      summaryUrl: options.runUrl,
      marker,
      maxChars: maxChars - footer.length - 2,
    });
    return `${text}\n${footer}\n`;
  };
  return {
    body: render(GITHUB_COMMENT_LIMIT, true),
    fallbackBody: render(FALLBACK_COMMENT_CHARS, true),
    summary: render(SUMMARY_CHARS, false),
  };
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
  const { report } = await readReviewArtifact(options.reportDir);
  if (report.head !== pull.headSha) {
    throw new UsageError(
      `The artifact's report is for ${report.head.slice(0, 7)}, but #${pull.number} is at ${pull.headSha.slice(0, 7)}: not publishing a report for another commit.`,
    );
  }
  const runUrl = plan.runId
    ? `${options.serverUrl}/${plan.owner}/${plan.repo}/actions/runs/${plan.runId}`
    : undefined;
  if (!options.comment) return { status: 'skipped', reason: 'comment: false' };
  const { body, fallbackBody, summary } = renderPublished(report, {
    runUrl,
    secrets: options.secrets,
  });
  const result = await upsertStickyComment(gh, {
    owner: plan.owner,
    repo: plan.repo,
    issueNumber: pull.number,
    body,
    fallbackBody,
  });
  const rendered = { report, summary };
  if (result.forbidden)
    return { status: 'forbidden', pr: pull.number, message: result.message, ...rendered };
  return { status: 'published', pr: pull.number, url: result.url, ...rendered };
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
  await writeJobSummary(result.summary);
  if (result.status === 'forbidden') core.warning(readOnlyWarning());
  else core.info(`Published the review of #${result.pr}: ${result.url}`);
}
