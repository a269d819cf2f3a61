import type { ChangedFunction } from '../changes/types.js';
import type { FunctionCoverage, TargetFunction, TestResult } from '../execute/types.js';
import type {
  AssembledFile,
  BrokenChunk,
  FunctionContext,
  SplitFile,
  TestTarget,
} from '../llm/index.js';
import type { EdgeCase } from '../report/types.js';

/**
 * Everything the pipeline knows about one changed function as it moves through the rounds:
 * its context, its current test file, the latest result of every test, merged coverage, and
 * the edge cases found. Plain data; the rounds update it.
 */
export interface FunctionState {
  fn: ChangedFunction;
  /** The executor's id for the function (unique even for redefinitions). */
  id: string;
  context: FunctionContext;
  target: TestTarget;
  /** The test file's name in the sandbox and under --out/tests/. */
  fileName: string;
  /** The current test file, assembled from every round's candidates. */
  file: AssembledFile | null;
  /** The current file split into pieces, to assemble the next round onto it. */
  split: SplitFile | null;
  /** Chunks of the last candidate that did not parse, waiting for a repair. */
  broken: BrokenChunk[];
  /** Latest results per test id (`test_x`, `TestC::test_y`); parametrized tests have several. */
  results: Map<string, TestResult[]>;
  coverage: FunctionCoverage | null;
  /**
   * The model's answers: parsed (tests and nothing broken), empty (no test, nothing broken:
   * prose, imports, an empty block) and broken (code that did not parse).
   */
  responses: { total: number; parsed: number; empty: number; broken: number };
  edgeCases: EdgeCase[];
  /** Tests whose oracle became the observed value (wrong-oracle). */
  regressions: Set<string>;
  /** The final file users copy (after oracle rewrites, xfail marks and drops). */
  finalSource: string | null;
  /** Set when the function could not be reviewed at all. */
  skipped: string | null;
  /** Problems that left the review partial (a failed repair request, an edit not applied). */
  notes: string[];
}

export function newState(
  fn: ChangedFunction,
  context: FunctionContext,
  fileName: string,
): FunctionState {
  return {
    fn,
    id: `${fn.file}::${fn.qualname}::${fn.start}`,
    context,
    target: { module: context.module, importName: context.importName, name: context.name },
    fileName,
    file: null,
    split: null,
    broken: [],
    results: new Map(),
    coverage: null,
    responses: { total: 0, parsed: 0, empty: 0, broken: 0 },
    edgeCases: [],
    regressions: new Set(),
    finalSource: null,
    skipped: null,
    notes: [],
  };
}

export function subject(state: Pick<FunctionState, 'fn'>): string {
  return `${state.fn.file}::${state.fn.qualname}`;
}

export function targetOf(state: FunctionState): TargetFunction {
  const { file, qualname, start, end, changedLines, importRoot } = state.fn;
  return { id: state.id, file, qualname, start, end, changedLines, importRoot };
}

/** A test's id without its parameters: `test_p[1-2]` -> `test_p`. */
export function testId(name: string): string {
  const bracket = name.indexOf('[');
  return bracket === -1 ? name : name.slice(0, bracket);
}

/** Every result of the current test set, in file order. */
export function currentResults(state: FunctionState): TestResult[] {
  return (state.file?.tests ?? []).flatMap((test) => state.results.get(test.id) ?? []);
}

/** Tests of the current file that ended with one of these outcomes. */
export function testsWith(state: FunctionState, outcomes: TestResult['outcome'][]): string[] {
  return (state.file?.tests ?? [])
    .filter((test) => (state.results.get(test.id) ?? []).some((r) => outcomes.includes(r.outcome)))
    .map((test) => test.id);
}

/**
 * Why no test of the function could reach it, when every result is an exception raised at the
 * top level of its own module (a missing dependency, configuration read at import): the
 * environment's problem, not a crash of the function. Null when any test got further.
 */
export function moduleImportFailure(state: FunctionState): string | null {
  const results = currentResults(state);
  if (results.length === 0) return null;
  const atImport = (r: TestResult) =>
    (r.outcome === 'error' || r.outcome === 'test-error') &&
    r.exception?.file === state.fn.file &&
    r.exception.function === '<module>';
  if (!results.every(atImport)) return null;
  const { type, message } = results[0]!.exception!;
  return (
    `${state.fn.module} could not be imported: ${type}: ${message}. ` +
    `No test can reach ${state.fn.qualname}: install the project's dependencies (and set what ` +
    'it reads at import) in the job before the review, e.g. pip install -e .'
  );
}
