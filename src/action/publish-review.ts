import * as core from '@actions/core';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { filesUnder, uploadArtifact } from '../github/artifact.js';
import { postInlineReview, type InlineComment } from '../github/inline-review.js';
import { httpStatus, isSecondaryRateLimit, type GitHub } from '../github/octokit.js';
import { upsertStickyComment } from '../github/sticky-comment.js';
import { writeJobSummary } from '../github/summary.js';
import type { ActionInputs } from './inputs.js';
import { failOnReason, headline, type Headline } from '../report/fail-on.js';
import { setReviewOutputs } from './outputs.js';
import type { ReviewReport } from './report-schema.js';
import { redactFiles, redactSecrets } from './secrets.js';

/**
 * Everything a finished review publishes, in an order that loses the least when something
 * fails: outputs, job summary, artifact, then the comment and the inline review. Before any of
 * it, the secrets are scrubbed from the report files (they are the artifact). A read-only
 * token (a fork's pull request) is not a failure: one warning, and the job summary has it all.
 * Other publishing failures are logged as errors and returned, so the rest is still done and
 * the caller then fails the step.
 */

export interface ReviewPublication {
  inputs: Pick<ActionInputs, 'comment' | 'inline' | 'failOn' | 'artifactName'>;
  /** Undefined when there is no token: nothing is posted. */
  gh: GitHub | undefined;
  /** fromFork: the head lives in a fork (its token is read-only whatever the workflow asks). */
  where: { owner: string; repo: string; pr?: number; headSha: string; fromFork?: boolean };
  /** Holds report.json, comment.md and tests/; uploaded as the artifact. */
  reportDir: string;
  report: Pick<ReviewReport, 'totals' | 'functions'>;
  /** comment.md: the sticky comment body, starting with the marker. */
  commentBody: string;
  /** A shorter body for when GitHub refuses the full one as too long. */
  fallbackBody?: string;
  /** The full report for the job summary. */
  summary: string;
  inlineComments?: InlineComment[];
  inlineSummary?: string;
  /** Values to scrub from everything posted (api-key, github-token). */
  secrets: readonly string[];
}

export interface PublishedReview {
  outputs: Headline;
  commentUrl?: string;
  /** The token could not write to the pull request. */
  readOnly: boolean;
  /** Set when `fail-on` is hit: the step must fail with this message. */
  failReason?: string;
  /** Publishing steps that failed (each already logged as an error): the step must fail. */
  problems: string[];
}

/**
 * The one warning of a token that cannot comment. A fork's pull request gets a read-only token
 * whatever the workflow asks, so the fix is the workflow_run pair; anywhere else the workflow
 * (or the repository's settings) did not grant the write permission.
 */
export function readOnlyWarning(fromFork = false): string {
  return fromFork
    ? 'The token cannot comment on this pull request (read-only, as for pull requests from forks): ' +
        'the review is in the job summary. To comment on fork pull requests, use the workflow_run pair (see the README).'
    : 'The token cannot comment on this pull request (403): the review is in the job summary. ' +
        "Give the job 'permissions: pull-requests: write', and check that the repository's " +
        'Settings > Actions > Workflow permissions do not hold the token read-only.';
}

/** What to do about a GitHub API error that retries did not cure, by its status. */
export function gitHubErrorHint(error: unknown): string {
  const status = httpStatus(error);
  if (status === 401)
    return "GitHub does not accept the token: keep the github-token input's default (${{ github.token }}) or pass a valid token.";
  if (status === 404)
    return 'The token cannot see this pull request: it must belong to the repository the workflow runs in.';
  if (status === 403 && isSecondaryRateLimit(error))
    return 'GitHub kept rate-limiting the requests: use a concurrency group so that fewer runs write at once.';
  if (status !== undefined && status >= 500)
    return 'GitHub answered with a server error after retries: rerun the job.';
  return '';
}

export async function publishReview(p: ReviewPublication): Promise<PublishedReview> {
  const outputs = headline(p.report);
  const reportPath = path.join(p.reportDir, 'report.json');
  const result: PublishedReview = { outputs, readOnly: false, problems: [] };
  const attempt = async (what: string, step: () => Promise<void>): Promise<boolean> => {
    try {
      await step();
      return true;
    } catch (error) {
      const hint = gitHubErrorHint(error);
      const message = redactSecrets(
        `Could not ${what}: ${errorMessage(error)}${hint ? `\n${hint}` : ''}`,
        p.secrets,
      );
      core.error(message);
      result.problems.push(message);
      return false;
    }
  };

  // First: every later step (and whoever reads report-path) sees the scrubbed files.
  const scrubbed = await attempt('scrub the secrets from the report files', async () => {
    const changed = await redactFiles(p.reportDir, p.secrets);
    if (changed.length > 0) core.info(`Secrets were scrubbed from ${changed.join(', ')}.`);
  });
  setReviewOutputs(outputs, { reportPath });
  await attempt('write the job summary', async () => {
    await writeJobSummary(redactSecrets(p.summary, p.secrets));
  });
  await attempt('upload the report artifact', async () => {
    if (!scrubbed) throw new Error('not uploaded, since the secrets could not be scrubbed');
    await uploadArtifact(p.inputs.artifactName, p.reportDir, await filesUnder(p.reportDir));
  });
  const { gh, where } = p;
  if (gh && where.pr !== undefined && p.inputs.comment) {
    await attempt('update the pull request comment', async () => {
      const posted = await upsertStickyComment(gh, {
        owner: where.owner,
        repo: where.repo,
        issueNumber: where.pr!,
        body: redactSecrets(p.commentBody, p.secrets),
        fallbackBody: p.fallbackBody && redactSecrets(p.fallbackBody, p.secrets),
      });
      if (posted.forbidden) {
        result.readOnly = true;
        core.warning(readOnlyWarning(where.fromFork));
        return;
      }
      result.commentUrl = posted.url;
      core.setOutput('comment-url', posted.url);
      core.info(`Pull request comment ${posted.action}: ${posted.url}`);
    });
  }
  if (
    gh &&
    where.pr !== undefined &&
    p.inputs.inline &&
    !result.readOnly &&
    p.inlineComments?.length
  ) {
    await attempt('post the inline review', async () => {
      const review = await postInlineReview(gh, {
        owner: where.owner,
        repo: where.repo,
        pullNumber: where.pr!,
        headSha: where.headSha,
        summary: redactSecrets(
          p.inlineSummary ?? 'SemCoder: likely bugs on these lines.',
          p.secrets,
        ),
        comments: p.inlineComments!.map((c) => ({ ...c, body: redactSecrets(c.body, p.secrets) })),
      });
      if (review.status === 'forbidden' && !result.readOnly) {
        result.readOnly = true;
        core.warning(readOnlyWarning(where.fromFork));
      } else if (review.status === 'skipped') core.info(`Inline review: ${review.reason}.`);
    });
  }
  result.failReason = failOnReason(p.inputs.failOn, outputs) ?? undefined;
  return result;
}
