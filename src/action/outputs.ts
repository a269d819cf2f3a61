import * as core from '@actions/core';
import { round4, type Headline } from '../report/fail-on.js';

export function setReviewOutputs(
  outputs: Headline,
  extra: { reportPath?: string; commentUrl?: string } = {},
): void {
  // Four decimals, like changed-lines-coverage; fail-on compares the exact rate.
  core.setOutput('pass-rate', round4(outputs.passRate));
  core.setOutput('edge-cases', outputs.edgeCases);
  core.setOutput('likely-bugs', outputs.likelyBugs);
  core.setOutput('functions', outputs.functions);
  core.setOutput('tests', outputs.tests);
  core.setOutput('changed-lines-coverage', outputs.changedLinesCoverage);
  if (extra.reportPath) core.setOutput('report-path', extra.reportPath);
  if (extra.commentUrl) core.setOutput('comment-url', extra.commentUrl);
}
