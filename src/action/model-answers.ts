import type { Report } from '../report/types.js';
import { skippedForNoAnswer } from '../testgen/model-gate.js';

/**
 * Whether the model endpoint answered enough for the review to mean something, from the report
 * alone. Pure. A function the model gave no usable answer for is listed as skipped in the
 * comment; that alone is easy to miss, so the action also says it in one annotation that names
 * the action's inputs to check.
 *
 * - Some functions unanswered: a warning; the others were reviewed.
 * - No function answered: the step fails (after everything is published). A green check on a
 *   review that reviewed nothing would read as "tested"; a workflow that prefers a green step
 *   while its endpoint is down sets `continue-on-error: true` on the step.
 */

export interface ModelAnswers {
  level: 'warning' | 'failure';
  message: string;
}

const ADVICE =
  "Check that the server behind the 'endpoint' input is up and that the URL is its base URL " +
  "(usually ending in /v1). Set 'wait-for-endpoint' (seconds) when the server is started in an " +
  "earlier step or may be slow to come up, lower 'concurrency' for a busy shared server, and " +
  "check 'api-key' and 'model' if it refuses the requests.";

export function modelAnswers(report: Pick<Report, 'functions'>): ModelAnswers | null {
  const total = report.functions.length;
  const unanswered = report.functions.filter((fn) => skippedForNoAnswer(fn.skipped)).length;
  if (unanswered === 0) return null;
  if (unanswered === total) {
    return {
      level: 'failure',
      message:
        `The model endpoint gave no usable answer: none of the ${total} changed function(s) ` +
        `could be reviewed (the reasons are under Skipped in the job summary). ${ADVICE}`,
    };
  }
  return {
    level: 'warning',
    message:
      `The model endpoint gave no usable answer for ${unanswered} of ${total} changed functions: ` +
      `they were not reviewed (the reasons are under Skipped in the job summary). ${ADVICE}`,
  };
}
