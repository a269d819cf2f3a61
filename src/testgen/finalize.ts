import { runJsonHelper } from '../python-helpers.js';
import { countTests, rate } from '../report/totals.js';
import type { FunctionReport, TestReport } from '../report/types.js';
import { currentResults, testId, type FunctionState } from './state.js';

interface FinalizeRequest {
  source: string;
  rewrites: { test: string; call: string; actual: string }[];
  xfail: { test: string; reason: string }[];
  drop: string[];
}

/** Outcomes whose tests prove nothing and are left out of the file users copy. */
const DROPPED = new Set(['test-error', 'timeout', 'flaky', 'invalid', 'error']);

/**
 * The edits that turn a function's test file into the one users copy: wrong oracles take the
 * observed value, likely bugs and crashes stay as strict xfails, and tests that prove nothing
 * (broken, timed out, flaky, undecided) go.
 */
export function finalEdits(state: FunctionState): FinalizeRequest | null {
  if (!state.file?.source) return null;
  const verdicts = new Map(state.edgeCases.map((e) => [testId(e.test), e]));
  const request: FinalizeRequest = { source: state.file.source, rewrites: [], xfail: [], drop: [] };
  for (const test of state.file.tests) {
    const results = state.results.get(test.id) ?? [];
    const edge = verdicts.get(test.id);
    if (edge?.verdict === 'wrong-oracle') {
      request.rewrites.push({ test: test.id, call: edge.call, actual: edge.actual });
    } else if (edge?.verdict === 'likely-bug' || edge?.verdict === 'crash') {
      request.xfail.push({
        test: test.id,
        reason: `semcoder-action ${edge.verdict}: ${edge.call}`,
      });
    } else if (
      results.length === 0 ||
      results.some(
        (r) =>
          DROPPED.has(r.outcome) || (r.outcome === 'failed' && edge?.verdict !== 'wrong-oracle'),
      )
    ) {
      request.drop.push(test.id);
    }
  }
  return request;
}

/** Applies every function's final edits in one helper process. */
export async function finalizeTests(states: FunctionState[], python: string): Promise<void> {
  const work = states
    .map((state) => ({ state, request: finalEdits(state) }))
    .filter((w): w is { state: FunctionState; request: FinalizeRequest } => w.request !== null);
  if (work.length === 0) return;
  const { files } = await runJsonHelper<{
    files: { source: string; rewritten: string[]; errors: string[] }[];
  }>('finalize_tests.py', { files: work.map((w) => w.request) }, { python });
  work.forEach(({ state, request }, i) => {
    const result = files[i]!;
    const keptTests = state.file!.tests.length - request.drop.length;
    state.finalSource = keptTests > 0 ? result.source : null;
    for (const id of result.rewritten) state.regressions.add(id);
    state.notes.push(...result.errors);
  });
}

/** A broken chunk's name in the report: its test's name when one is visible, else its line. */
function brokenName(source: string, line: number): string {
  return /\bdef\s+(test\w*)/.exec(source)?.[1] ?? `lines from ${line}`;
}

/**
 * Why a reviewed function has no usable (valid) test, from what the model's answers held;
 * null when it has one or was skipped (its `skipped` says why).
 */
export function noUsableTestsReason(
  state: Pick<FunctionState, 'responses' | 'skipped'>,
  valid: number,
): string | null {
  if (state.skipped || valid > 0) return null;
  const { total, empty, broken } = state.responses;
  if (total === 0) return 'the model gave no answer';
  const answers = total === 1 ? "the model's answer" : `the model's ${total} answers`;
  if (empty === total) return `${answers} held no test functions`;
  if (broken === total) return `${answers} did not parse as Python`;
  if (empty + broken === total) {
    return `of ${answers}, ${empty} held no test functions and ${broken} did not parse as Python`;
  }
  return `none of the tests in ${answers} was kept`;
}

/** The report of one function, from its final state. */
export function functionReport(state: FunctionState, testFile: string | null): FunctionReport {
  const tests: TestReport[] = currentResults(state).map((r) => ({
    name: r.name,
    outcome: r.outcome,
    message: r.message,
    ...(state.regressions.has(testId(r.name)) ? { regression: true } : {}),
  }));
  for (const test of state.file?.tests ?? []) {
    if (!state.results.has(test.id)) {
      tests.push({
        name: test.id,
        outcome: 'timeout',
        message: 'not run: the time budget ran out first',
      });
    }
  }
  for (const chunk of state.broken) {
    tests.push({
      name: brokenName(chunk.source, chunk.line),
      outcome: 'invalid',
      message: `syntax error at line ${chunk.line}: ${chunk.message}`,
    });
  }
  const counts = countTests(tests);
  const noUsableTests = noUsableTestsReason(state, counts.valid);
  const coverage = state.coverage;
  const zero = { covered: 0, total: 0 };
  return {
    file: state.fn.file,
    qualname: state.fn.qualname,
    status: state.fn.status,
    module: state.fn.module,
    start: state.fn.start,
    end: state.fn.end,
    changedLines: state.fn.changedLines,
    tests,
    counts,
    passRate: rate(counts.passed, counts.valid),
    coverage: coverage
      ? {
          lines: coverage.lines,
          branches: coverage.branches,
          changedLines: coverage.changedLines,
          missingChangedLines: coverage.missingChangedLines,
        }
      : { lines: zero, branches: zero, changedLines: zero },
    edgeCases: state.edgeCases,
    responses: { total: state.responses.total, parsed: state.responses.parsed },
    testFile: state.finalSource ? testFile : null,
    testCode: state.finalSource,
    skipped: state.skipped,
    ...(noUsableTests ? { noUsableTests } : {}),
    ...(state.notes.length > 0 ? { notes: state.notes } : {}),
  };
}
