import * as core from '@actions/core';
import path from 'node:path';
import type { GitHub } from '../github/octokit.js';
import type { InlineComment } from '../github/inline-review.js';
import { FALLBACK_COMMENT_CHARS, renderComment, SUMMARY_CHARS } from '../report/comment.js';
import { codeSpan } from '../report/markdown.js';
import type { Report } from '../report/types.js';
import {
  kebabFlag,
  parseSettings,
  reviewSettingsSchema,
  type ReviewSettings,
} from '../settings.js';
import { createProgress } from '../testgen/progress.js';
import { runReview } from '../testgen/review.js';
import { ensureCommits } from './fetch-base.js';
import { requireEndpoint, reviewReportDir, secretValues, type ActionInputs } from './inputs.js';
import { modelAnswers } from './model-answers.js';
import { publishReview } from './publish-review.js';
import type { ReviewTarget } from './review-target.js';
import { redactDeep } from './secrets.js';
import { reportInActionTerms } from './terms.js';

/** The run's page, where the job summary is shown. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

/**
 * Inline comments for the likely bugs: on the function's first changed line (a line the pull
 * request's diff holds, which GitHub requires), else its first line.
 */
export function likelyBugComments(report: Report): InlineComment[] {
  return report.functions.flatMap((fn) =>
    fn.edgeCases
      .filter((edge) => edge.verdict === 'likely-bug')
      .map((edge) => ({
        path: fn.file,
        line: fn.changedLines[0] ?? fn.start,
        body:
          `**Likely bug** in ${codeSpan(fn.qualname)}: ${codeSpan(edge.call)} returned ${codeSpan(edge.actual)}, ` +
          `but its specification says ${codeSpan(edge.expected)} (test ${codeSpan(edge.test)}).`,
      })),
  );
}

/** The review's settings, from the inputs; a problem names the input. */
function reviewSettings(
  target: ReviewTarget,
  inputs: ActionInputs,
  dirs: { repo: string; out: string },
): ReviewSettings {
  return parseSettings(
    reviewSettingsSchema,
    {
      repo: dirs.repo,
      base: target.base,
      head: target.head,
      endpoint: requireEndpoint(inputs),
      apiKey: inputs.apiKey,
      model: inputs.model,
      api: inputs.api,
      python: inputs.python,
      include: inputs.include,
      exclude: inputs.exclude,
      maxFunctions: inputs.maxFunctions,
      testsPerFunction: inputs.testsPerFunction,
      maxRetries: inputs.maxRetries,
      testTimeout: inputs.testTimeout,
      concurrency: inputs.concurrency,
      waitForEndpoint: inputs.waitForEndpoint,
      out: dirs.out,
    },
    (key) => `input '${kebabFlag(key).slice(2)}'`,
  );
}

/**
 * Reviews a range in the workspace and publishes the result on the pull request. The step
 * fails, after publishing, when `fail-on` is hit, when the model answered for no function, or
 * when something could not be published (except a read-only token's comment: a warning).
 */
export async function reviewAndPublish(
  target: ReviewTarget,
  inputs: ActionInputs,
  gh: GitHub | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const workspace = env.GITHUB_WORKSPACE ?? '.';
  const repo = inputs.path ? path.resolve(workspace, inputs.path) : workspace;
  await ensureCommits(target.base, target.head, { repoDir: repo, token: inputs.githubToken });
  const outDir = reviewReportDir(inputs, env);
  const summaryUrl = runUrl(env);
  const secrets = secretValues(inputs);
  const { report, comment } = await runReview(
    reviewSettings(target, inputs, { repo, out: outDir }),
    {
      progress: createProgress(process.stdout),
      comment: { summaryUrl },
      // Scrubbed before rendering (escaping would hide a secret from a scrub of the markdown)
      // and before the files are written (they are the artifact); its reasons naming inputs
      // instead of CLI flags.
      prepare: (finished) => reportInActionTerms(redactDeep(finished, secrets)),
    },
  );
  core.info(`Review written to ${outDir}`);
  const published = await publishReview({
    inputs,
    gh,
    where: {
      owner: target.owner,
      repo: target.repo,
      pr: target.pr,
      headSha: report.head,
      fromFork: target.fromFork,
    },
    reportDir: outDir,
    report,
    commentBody: comment,
    fallbackBody: renderComment(report, { summaryUrl, maxChars: FALLBACK_COMMENT_CHARS }),
    summary: renderComment(report, { marker: false, maxChars: SUMMARY_CHARS }),
    inlineComments: likelyBugComments(report),
    secrets,
  });
  // The step's verdict comes last, after everything that could be published was.
  const answers = modelAnswers(report);
  if (answers?.level === 'warning') core.warning(answers.message);
  if (answers?.level === 'failure') core.setFailed(answers.message);
  // Each publishing problem was logged as an error already: fail without repeating it.
  if (published.problems.length > 0) process.exitCode = core.ExitCode.Failure;
  if (published.failReason) core.setFailed(published.failReason);
}
