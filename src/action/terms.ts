import type { Report } from '../report/types.js';
import { INPUTS } from './inputs.js';

/**
 * The engine's messages name CLI flags (`Check --api-key`, `a lower --concurrency`); in the
 * action the same settings are inputs, and a user reading a PR comment or a failed step has
 * no flag to pass. Pure.
 */

/** A CLI flag whose name is an input's is the same setting (`--model` and `model`...). */
const INPUT_NAMES = new Set(Object.keys(INPUTS));

/**
 * Rewrites each `--name` that is also an input to `'name'`, as the action's own messages name
 * inputs; flags the action does not expose (`--request-retries`) and other programs' options
 * (`git fetch --unshallow`) stay as they are.
 */
export function inActionTerms(text: string): string {
  return text.replace(/(?<![\w-])--([a-z][a-z0-9-]*)/g, (flag, name: string) =>
    INPUT_NAMES.has(name) ? `'${name}'` : flag,
  );
}

/**
 * The report's reasons and notes in the action's terms. Only the engine's own text: the
 * generated tests and the model's answers are left exactly as they are.
 */
export function reportInActionTerms<R extends Report>(report: R): R {
  return {
    ...report,
    functions: report.functions.map((fn) => ({
      ...fn,
      skipped: fn.skipped === null ? null : inActionTerms(fn.skipped),
      ...(fn.notes ? { notes: fn.notes.map(inActionTerms) } : {}),
      ...(fn.noUsableTests ? { noUsableTests: inActionTerms(fn.noUsableTests) } : {}),
    })),
    skipped: report.skipped.map((item) => ({ ...item, reason: inActionTerms(item.reason) })),
    ...(report.incomplete ? { incomplete: inActionTerms(report.incomplete) } : {}),
  };
}
