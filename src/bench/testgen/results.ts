import { scopeOf, type HistoryEntry } from '../history.js';
import type { MutationOperator } from '../mutants.js';
import { compareTaskIds } from '../shard.js';
import type { SampleStatus, Shard } from '../types.js';
import type { KillVerdict } from './kill.js';

/**
 * `results.json` of the test-generation track (suite `testgen`): per task, what the review
 * engine's tests did on the canonical solution and on its faulty mutants; totals over tasks.
 * Every figure is counted from executed tests, coverage.py or the evaluator. Pure.
 */

export interface Figures {
  covered: number;
  total: number;
}

export interface MutantRecord {
  /** The mutant's index among the task's mutants, as generated. */
  index: number;
  operator: MutationOperator;
  line: number;
  /** HumanEval+'s verdict on the mutant: anything but `pass` makes it faulty. */
  evaluation: SampleStatus;
  /** For a faulty mutant, what the kept tests did; null for one the inputs cannot tell apart. */
  verdict: KillVerdict | null;
  killedBy: string[];
}

export interface MutantCounts {
  generated: number;
  /** Told apart from the canonical solution by the HumanEval+ inputs: really faulty. */
  faulty: number;
  killed: number;
  survived: number;
  /** Faulty mutants the kept tests never ran on (the time budget ran out): not counted. */
  notRun: number;
}

export interface TestCounts {
  generated: number;
  valid: number;
  passed: number;
  failed: number;
  errors: number;
}

export interface TestgenTask {
  taskId: string;
  entryPoint: string;
  module: string;
  /** Why the task has no review (no entry point, the review skipped it); null when reviewed. */
  skipped: string | null;
  /** The review's tests as run on the canonical solution. */
  tests: TestCounts;
  /** Model responses, and how many held parsable Python. */
  responses: { total: number; parsed: number };
  coverage: { lines: Figures; branches: Figures };
  /** Tests of the kept file that passed on the canonical solution in the kill run. */
  keptTests: number;
  mutants: MutantCounts;
  /** killed / (killed + survived); null without a faulty mutant. */
  killRate: number | null;
  mutantDetails: MutantRecord[];
}

export interface TestgenTotals {
  tasks: number;
  reviewed: number;
  tests: TestCounts;
  responses: { total: number; parsed: number };
  /** Parsed / total model responses. */
  syntaxValidity: number | null;
  /** Tests passing on the canonical solution / valid tests. */
  oracleAccuracy: number | null;
  lines: Figures;
  branches: Figures;
  lineCoverage: number | null;
  branchCoverage: number | null;
  mutants: MutantCounts;
  killRate: number | null;
}

export interface TestgenSettings {
  api: 'completions' | 'chat';
  endpoint: string;
  testsPerFunction: number;
  maxRetries: number;
  maxRounds: number;
  testTimeout: number;
  maxMutants: number;
  limit: number | null;
}

export interface TestgenResults {
  version: 1;
  suite: 'testgen';
  dataset: { path: string; md5: string };
  model: string | null;
  createdAt: string;
  shard: Shard | null;
  merged: { shards: number[]; count: number } | null;
  settings: TestgenSettings;
  totals: TestgenTotals;
  llm: {
    requests: number;
    retries: number;
    failures: number;
    promptTokens: number;
    completionTokens: number;
  };
  timings: { totalMs: number; reviewMs: number; mutantsMs: number; killMs: number };
  /** Why parts of the run are missing (a budget ran out, a task could not be prepared). */
  notes: string[];
  tasks: Record<string, TestgenTask>;
}

const rate = (numerator: number, denominator: number) =>
  denominator === 0 ? null : numerator / denominator;

export function emptyMutantCounts(): MutantCounts {
  return { generated: 0, faulty: 0, killed: 0, survived: 0, notRun: 0 };
}

/** Counts of a task's mutant records. */
export function countMutants(records: readonly MutantRecord[]): MutantCounts {
  const counts = emptyMutantCounts();
  counts.generated = records.length;
  for (const record of records) {
    if (record.verdict === null) continue;
    counts.faulty += 1;
    if (record.verdict === 'killed') counts.killed += 1;
    else if (record.verdict === 'survived') counts.survived += 1;
    else counts.notRun += 1;
  }
  return counts;
}

export function killRateOf(counts: MutantCounts): number | null {
  return rate(counts.killed, counts.killed + counts.survived);
}

/** Totals over tasks: sums of counts, and the rates of the sums (not means of rates). */
export function totalsOf(tasks: readonly TestgenTask[]): TestgenTotals {
  const sum = (pick: (task: TestgenTask) => number) =>
    tasks.reduce((total, task) => total + pick(task), 0);
  const tests: TestCounts = {
    generated: sum((t) => t.tests.generated),
    valid: sum((t) => t.tests.valid),
    passed: sum((t) => t.tests.passed),
    failed: sum((t) => t.tests.failed),
    errors: sum((t) => t.tests.errors),
  };
  const responses = {
    total: sum((t) => t.responses.total),
    parsed: sum((t) => t.responses.parsed),
  };
  const lines = {
    covered: sum((t) => t.coverage.lines.covered),
    total: sum((t) => t.coverage.lines.total),
  };
  const branches = {
    covered: sum((t) => t.coverage.branches.covered),
    total: sum((t) => t.coverage.branches.total),
  };
  const mutants: MutantCounts = {
    generated: sum((t) => t.mutants.generated),
    faulty: sum((t) => t.mutants.faulty),
    killed: sum((t) => t.mutants.killed),
    survived: sum((t) => t.mutants.survived),
    notRun: sum((t) => t.mutants.notRun),
  };
  return {
    tasks: tasks.length,
    reviewed: tasks.filter((t) => t.skipped === null).length,
    tests,
    responses,
    syntaxValidity: rate(responses.parsed, responses.total),
    oracleAccuracy: rate(tests.passed, tests.valid),
    lines,
    branches,
    lineCoverage: rate(lines.covered, lines.total),
    branchCoverage: rate(branches.covered, branches.total),
    mutants,
    killRate: killRateOf(mutants),
  };
}

/** Tasks keyed in natural order. */
export function taskRecord(tasks: readonly TestgenTask[]): Record<string, TestgenTask> {
  return Object.fromEntries(
    [...tasks].sort((a, b) => compareTaskIds(a.taskId, b.taskId)).map((t) => [t.taskId, t]),
  );
}

/** A run's figures as the history holds them: the rates as metrics (fractions). */
export function testgenFigures(results: TestgenResults): Omit<HistoryEntry, 'runId' | 'date'> {
  const totals = results.totals;
  return {
    model: results.model,
    suite: 'testgen',
    datasetMd5: results.dataset.md5,
    passAt1: { base: null, plus: null },
    samples: totals.mutants.faulty,
    tasks: totals.tasks,
    metrics: {
      killRate: totals.killRate,
      oracleAccuracy: totals.oracleAccuracy,
      lineCoverage: totals.lineCoverage,
      branchCoverage: totals.branchCoverage,
      syntaxValidity: totals.syntaxValidity,
    },
    scope: scopeOf(Object.keys(results.tasks)),
  };
}
