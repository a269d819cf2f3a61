import type { ChangedFunction } from '../changes/types.js';
import type { Figures, Outcome } from '../execute/types.js';
import type { LlmUsage } from '../llm/types.js';

/**
 * The review report: plain data, written as report.json (DESIGN.md's contract, extended) and
 * rendered into the PR comment and the job summary.
 */

export type { Figures, Outcome } from '../execute/types.js';

export type Verdict = 'likely-bug' | 'crash' | 'wrong-oracle' | 'undecided';

export interface TestReport {
  name: string;
  outcome: Outcome;
  message: string;
  /** A test whose oracle was replaced by the observed value (verdict wrong-oracle). */
  regression?: boolean;
}

export interface EdgeCase {
  test: string;
  call: string;
  expected: string;
  actual: string;
  verdict: Verdict;
  rationale: string;
  /** The model's answer from the specification alone, when one was asked for. */
  specAnswer?: string;
  /** For crashes: the exception raised by the code under test. */
  exception?: { type: string; message: string; line?: number };
}

export interface Counts {
  generated: number;
  valid: number;
  passed: number;
  failed: number;
  /** error + test-error + timeout. Flaky tests are valid but count in none of these. */
  errors: number;
}

export interface FunctionReport {
  file: string;
  qualname: string;
  status: ChangedFunction['status'];
  module: string;
  start: number;
  end: number;
  changedLines: number[];
  tests: TestReport[];
  counts: Counts;
  /** passed / valid; 0 when nothing is valid. */
  passRate: number;
  coverage: {
    lines: Figures;
    branches: Figures;
    changedLines: Figures;
    missingChangedLines?: number[];
  };
  edgeCases: EdgeCase[];
  /** Model responses for this function and how many held parsable Python. */
  responses: { total: number; parsed: number };
  /** Path of the kept tests, relative to the output directory. */
  testFile: string | null;
  /** The kept tests, ready to copy (the content of testFile). */
  testCode: string | null;
  /** Why the function was not reviewed; null when it was. */
  skipped: string | null;
  /**
   * Why a reviewed function got no usable test (counts.valid is 0): "the model's 2 answers
   * held no test functions". Absent when it got one.
   */
  noUsableTests?: string;
  /** What left the review partial: a failed repair request, an edit that could not apply. */
  notes?: string[];
}

export interface SkippedItem {
  file: string;
  /** The function; null for a whole file (one that does not parse, is too large...). */
  qualname: string | null;
  reason: string;
}

export type { LlmUsage } from '../llm/types.js';

export interface Totals {
  functions: number;
  generated: number;
  valid: number;
  passed: number;
  failed: number;
  errors: number;
  /** passed / valid over all functions. */
  passRate: number;
  /** valid / generated over model responses: the share of responses that held parsable Python. */
  syntaxValidity: number;
  responses: { total: number; parsed: number };
  edgeCases: number;
  likelyBugs: number;
  changedLines: Figures;
}

export interface Report {
  version: 1;
  base: string;
  head: string;
  mergeBase: string;
  model: string;
  api: 'completions' | 'chat';
  /** The endpoint without credentials or query, or 'replay:<dir>' when answers were replayed. */
  endpoint: string;
  functions: FunctionReport[];
  skipped: SkippedItem[];
  totals: Totals;
  llm: LlmUsage;
  timings: { totalMs: number; llmMs: number; executeMs: number };
  /** How the tests were contained: network, process containment, the Landlock ABI or null. */
  sandbox?: { network: string; processes: string; landlock?: number | null };
  /** Set when the run stopped early (budget, dead endpoint); what finished is reported. */
  incomplete?: string | null;
}
