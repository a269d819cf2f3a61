// The supervisor's output (src/python/execute_tests.py): facts about each run, no verdicts.
// classify.ts turns them into outcomes. Field names mirror the Python side.
import type { FunctionCoverage, IsolationInfo } from './types.js';

export interface Frame {
  /** Relative to the checkout (`where: 'repo'`) or the tests folder ('test'); absolute for 'lib'. */
  file: string;
  line: number;
  function: string;
  where: 'repo' | 'test' | 'lib';
}

export interface AssertionFacts {
  source: string | null;
  call: string | null;
  expectedSource: string | null;
  side: 'left' | 'right' | null;
  op?: string;
  actual?: string | null;
  expected?: string | null;
}

export interface ExceptionFacts {
  type: string;
  module: string;
  message: string;
  /** Outermost first. */
  frames: Frame[];
  errno: number | null;
  network: boolean;
  assertion: AssertionFacts | null;
}

export type Phase = 'setup' | 'call' | 'teardown' | 'collect';

/** What a run can be, as recorded (classify.ts maps these onto outcomes). */
export const RUN_OUTCOMES = [
  'passed',
  'failed',
  'skipped',
  'timeout',
  'died',
  'collect-error',
  'invalid',
] as const;

interface RunBase {
  run?: number;
  durationMs?: number;
  phase?: Phase | null;
}

export interface PassedRun extends RunBase {
  outcome: 'passed';
  xfail?: boolean;
}

export interface FailedRun extends RunBase {
  outcome: 'failed';
  exc: ExceptionFacts | null;
  xfail?: boolean;
  /** KeyboardInterrupt or pytest.exit(): the session ended after this run. */
  aborted?: boolean;
}

export interface SkippedRun extends RunBase {
  outcome: 'skipped';
  reason?: string;
  xfail?: boolean;
}

export interface TimeoutRun extends RunBase {
  outcome: 'timeout';
  /** True when the total budget, not the per-test limit, ran out. */
  budget: boolean;
  timeoutSec: number;
  /** Where the test was when its time ran out (faulthandler), outermost first. */
  frames: Frame[];
}

export interface DiedRun extends RunBase {
  outcome: 'died';
  status: string;
  exitCode: number | null;
  signal: number | null;
  /** Left by os._exit/os.kill/os.abort just before the interpreter went down. */
  note: { kind: string; detail: string; frames: Frame[] } | null;
  /** faulthandler's dump after a fatal signal (segfault, abort). */
  fault: { headline: string; frames: Frame[] } | null;
  output: string;
  /** The worker stopped responding outside any test. */
  stuck: boolean;
  /** The worker kept dying before reaching this test; it was given up. */
  giveUp?: boolean;
  /** Not the test process: the supervisor of every test was killed while this test ran. */
  supervisorKilled?: boolean;
}

export interface CollectErrorRun extends RunBase {
  outcome: 'collect-error';
  exc: ExceptionFacts | null;
}

export interface InvalidRun extends RunBase {
  outcome: 'invalid';
  syntaxError: { message: string; line: number | null };
}

export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export type RunFacts =
  PassedRun | FailedRun | SkippedRun | TimeoutRun | DiedRun | CollectErrorRun | InvalidRun;

export interface TestFacts {
  /** The test file's name. */
  file: string;
  nodeid: string;
  name: string;
  runs: RunFacts[];
  notRun: boolean;
  /** Passed every run: the supervisor counted its coverage context. */
  countedInCoverage: boolean;
}

/** A test file as the supervisor inspected it before running anything. */
export interface InventoryFile {
  file: string;
  syntaxError: { message: string; line: number | null } | null;
  /** Test names in the file, parameters not expanded. */
  tests: string[];
}

export interface SupervisorOutput {
  isolation: IsolationInfo;
  expectedRuns: number;
  files: InventoryFile[];
  tests: TestFacts[];
  coverage: Record<string, FunctionCoverage>;
  incomplete: string | null;
  workers: { started: number; restarts: number };
  durationMs: number;
}

/** Parses one report line of the supervisor and checks its shape (checkSupervisorOutput). */
export function parseSupervisorOutput(line: string): SupervisorOutput {
  return checkSupervisorOutput(JSON.parse(line), line);
}

/**
 * Checks an already parsed report line of the supervisor (`line` is only quoted in errors).
 * The supervisor is our own code, but it runs with the user's interpreter next to untrusted
 * tests: check the shape before trusting it.
 */
export function checkSupervisorOutput(parsed: unknown, line: string): SupervisorOutput {
  const value = parsed as Partial<SupervisorOutput> | null;
  const problem = (what: string) =>
    new Error(`the test supervisor's report ${what}: ${line.slice(0, 200)}`);
  if (!Array.isArray(value?.tests) || typeof value.coverage !== 'object' || !value.isolation) {
    throw problem('lacks tests, coverage or isolation');
  }
  for (const test of value.tests) checkTestFacts(test, problem);
  return value as SupervisorOutput;
}

/** Throws problem(...) unless `test` has the shape of TestFacts. */
function checkTestFacts(test: TestFacts, problem: (what: string) => Error): void {
  if (typeof test?.nodeid !== 'string' || !Array.isArray(test.runs)) {
    throw problem('has a test without a node id or runs');
  }
  for (const run of test.runs) {
    if (!(RUN_OUTCOMES as readonly string[]).includes(run.outcome)) {
      throw problem(`has an unknown run outcome ${JSON.stringify(run.outcome)}`);
    }
  }
}
