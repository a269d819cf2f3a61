import { z } from 'zod';
import { countTests, rate as ratio, summarize } from '../report/totals.js';
import type { FunctionReport, Report } from '../report/types.js';

/**
 * report.json read across a trust boundary: the artifact of a review that ran on a fork's
 * code (publish mode). The contract (DESIGN.md) as a zod schema, extended by what our comment
 * renderer needs; every string and list is bounded and unknown keys are dropped.
 *
 * The result is a `Report` the renderer can take as is: the fields the contract does not
 * require (a report from an older version) get neutral defaults, and every figure that can be
 * derived is derived again, never taken from the file: each function's counts and pass rate
 * from its tests, the totals from the functions. The figures that cannot be re-derived
 * (coverage, timings) are at least checked for consistency.
 */

const count = z.number().int().min(0).max(1e9);
const rate = z.number().min(0).max(1);
const short = z.string().max(1000);
const long = z.string().max(20_000);
/** The generated tests of one function, as shown in the comment's code block. */
const testCode = z.string().max(200_000);
const lineNumber = z.number().int().min(0).max(1e7);
const lines = z.array(lineNumber).max(100_000);
const sha = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, 'a full commit sha');
const covered = z
  .object({ covered: count, total: count })
  .refine((f) => f.covered <= f.total, 'covered is more than total');
const orEmpty = (text: string | null | undefined) => text ?? '';

const edgeCase = z.object({
  test: short,
  call: long,
  expected: long,
  actual: long,
  verdict: z.enum(['likely-bug', 'crash', 'wrong-oracle', 'undecided']),
  rationale: long.nullish().transform(orEmpty),
  specAnswer: long.optional(),
  exception: z.object({ type: short, message: long, line: lineNumber.optional() }).optional(),
});

const testReport = z.object({
  name: short,
  outcome: z.enum(['passed', 'failed', 'error', 'test-error', 'timeout', 'flaky', 'invalid']),
  message: long.nullish().transform(orEmpty),
  regression: z.boolean().optional(),
});

const functionResult = z.object({
  file: short,
  qualname: short,
  status: z.enum(['added', 'modified']),
  module: short.default(''),
  start: lineNumber.default(0),
  end: lineNumber.default(0),
  changedLines: lines.default([]),
  tests: z.array(testReport).max(1000),
  // Required by the contract; recomputed from `tests` below.
  counts: z.object({ generated: count, valid: count, passed: count, failed: count, errors: count }),
  passRate: rate,
  coverage: z
    .object({
      lines: covered.nullish(),
      branches: covered.nullish(),
      changedLines: covered.nullish(),
      missingChangedLines: lines.optional(),
    })
    .nullish(),
  edgeCases: z.array(edgeCase).max(1000),
  responses: z
    .object({ total: count, parsed: count })
    .refine((r) => r.parsed <= r.total, 'parsed is more than total')
    .default({ total: 0, parsed: 0 }),
  testFile: short.nullish(),
  testCode: testCode.nullish(),
  skipped: long.nullish(),
  noUsableTests: long.optional(),
  notes: z.array(long).max(100).optional(),
});

const contract = z.object({
  version: z.literal(1),
  base: sha,
  head: sha,
  mergeBase: sha.optional(),
  model: short,
  api: z.enum(['completions', 'chat']).default('completions'),
  endpoint: short.default('unknown'),
  functions: z.array(functionResult).max(5000),
  skipped: z.array(z.object({ file: short, qualname: short.nullish(), reason: long })).max(10_000),
  // Required by the contract; recomputed from `functions` below.
  totals: z.object({
    functions: count,
    generated: count,
    valid: count,
    passed: count,
    passRate: rate,
    syntaxValidity: rate,
    edgeCases: count,
  }),
  llm: z
    .object({
      requests: count,
      retries: count,
      failures: count,
      promptTokens: count,
      completionTokens: count,
    })
    .default({ requests: 0, retries: 0, failures: 0, promptTokens: 0, completionTokens: 0 }),
  timings: z
    .object({ totalMs: count, llmMs: count, executeMs: count })
    .default({ totalMs: 0, llmMs: 0, executeMs: 0 }),
  sandbox: z
    .object({
      network: short,
      processes: short,
      landlock: z.number().int().min(0).max(100).nullish(),
    })
    .optional(),
  incomplete: long.nullish(),
});

type ParsedFunction = z.infer<typeof functionResult>;

const zero = () => ({ covered: 0, total: 0 });

function functionReport(fn: ParsedFunction): FunctionReport {
  const counts = countTests(fn.tests);
  return {
    ...fn,
    counts,
    passRate: ratio(counts.passed, counts.valid),
    coverage: {
      lines: fn.coverage?.lines ?? zero(),
      branches: fn.coverage?.branches ?? zero(),
      changedLines: fn.coverage?.changedLines ?? zero(),
      ...(fn.coverage?.missingChangedLines
        ? { missingChangedLines: fn.coverage.missingChangedLines }
        : {}),
    },
    testFile: fn.testFile ?? null,
    testCode: fn.testCode ?? null,
    skipped: fn.skipped ?? null,
  };
}

export const reportSchema = contract.transform((parsed): Report => {
  const functions = parsed.functions.map(functionReport);
  return {
    ...parsed,
    mergeBase: parsed.mergeBase ?? parsed.base,
    functions,
    skipped: parsed.skipped.map((item) => ({
      file: item.file,
      qualname: item.qualname || null,
      reason: item.reason,
    })),
    totals: summarize(functions),
    incomplete: parsed.incomplete ?? null,
  };
});

export type ReviewReport = Report;
