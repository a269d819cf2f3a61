import * as core from '@actions/core';
import * as github from '@actions/github';
import { errorMessage } from '../errors.js';
import { createGitHub } from '../github/octokit.js';
import { runBenchmarkMode } from './benchmark.js';
import { planRun } from './events.js';
import { readInputs } from './inputs.js';
import { runPublishMode } from './publish.js';
import { resolveReviewTarget } from './review-target.js';
import { inActionTerms } from './terms.js';
import { reviewAndPublish } from './review.js';

/**
 * The action's entry: read the inputs, plan from the event, carry the plan out.
 */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const { eventName, payload } = github.context;
    const plan = planRun(eventName, payload, inputs, process.env.GITHUB_REPOSITORY);
    const gh = inputs.githubToken ? createGitHub({ token: inputs.githubToken }) : undefined;
    switch (plan.kind) {
      case 'skip':
        core.notice(`semcoder-action: ${plan.reason}.`);
        return;
      case 'refuse':
        core.setFailed(plan.reason);
        return;
      case 'benchmark':
        await runBenchmarkMode(plan, inputs);
        return;
      case 'publish':
        await runPublishMode(gh, plan, inputs);
        return;
      case 'review':
      case 'review-pr':
        await reviewAndPublish(await resolveReviewTarget(plan, gh), inputs, gh);
        return;
    }
  } catch (error) {
    core.setFailed(inActionTerms(errorMessage(error)));
  }
}
