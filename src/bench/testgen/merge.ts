import { z } from 'zod';
import { SAMPLE_STATUSES, type SampleStatus } from '../types.js';
import { checkShards, type LabelledShard } from '../shard.js';
import { taskRecord, totalsOf, type TestgenResults } from './results.js';

/** Reading test-generation shard results back (`bench merge`) and combining them. */

const figures = z.object({ covered: z.number(), total: z.number() });
const mutantCounts = z.object({
  generated: z.number(),
  faulty: z.number(),
  killed: z.number(),
  survived: z.number(),
  notRun: z.number(),
});
const testCounts = z.object({
  generated: z.number(),
  valid: z.number(),
  passed: z.number(),
  failed: z.number(),
  errors: z.number(),
});

const task = z.object({
  taskId: z.string(),
  entryPoint: z.string(),
  module: z.string(),
  skipped: z.string().nullable(),
  tests: testCounts,
  responses: z.object({ total: z.number(), parsed: z.number() }),
  coverage: z.object({ lines: figures, branches: figures }),
  keptTests: z.number(),
  mutants: mutantCounts,
  killRate: z.number().nullable(),
  mutantDetails: z.array(
    z.object({
      index: z.number(),
      operator: z.enum([
        'comparison',
        'arithmetic',
        'boolean',
        'constant',
        'negation',
        'statement',
      ]),
      line: z.number(),
      evaluation: z.enum(SAMPLE_STATUSES as [SampleStatus, ...SampleStatus[]]),
      verdict: z.enum(['killed', 'survived', 'not-run']).nullable(),
      killedBy: z.array(z.string()),
    }),
  ),
});

/** What `bench merge` accepts from a `bench run --suite testgen --shard K/N`. */
export const testgenResultsSchema = z.object({
  version: z.literal(1),
  suite: z.literal('testgen'),
  dataset: z.object({ path: z.string(), md5: z.string() }),
  model: z.string().nullable(),
  createdAt: z.string(),
  shard: z.object({ index: z.number(), count: z.number() }).nullable(),
  merged: z.object({ shards: z.array(z.number()), count: z.number() }).nullable(),
  settings: z.object({
    api: z.enum(['completions', 'chat']),
    endpoint: z.string(),
    testsPerFunction: z.number(),
    maxRetries: z.number(),
    maxRounds: z.number(),
    testTimeout: z.number(),
    maxMutants: z.number(),
    limit: z.number().nullable(),
  }),
  totals: z.unknown(),
  llm: z.object({
    requests: z.number(),
    retries: z.number(),
    failures: z.number(),
    promptTokens: z.number(),
    completionTokens: z.number(),
  }),
  timings: z.object({
    totalMs: z.number(),
    reviewMs: z.number(),
    mutantsMs: z.number(),
    killMs: z.number(),
  }),
  notes: z.array(z.string()),
  tasks: z.record(z.string(), task),
});

/** Parses a shard's results; the totals are recomputed from its tasks, never trusted. */
export function parseTestgenResults(
  json: unknown,
): { success: true; data: TestgenResults } | { success: false; error: z.ZodError } {
  const parsed = testgenResultsSchema.safeParse(json);
  if (!parsed.success) return parsed;
  const tasks = Object.values(parsed.data.tasks);
  return { success: true, data: { ...parsed.data, totals: totalsOf(tasks) } };
}

/**
 * Combines shards of one test-generation run. Refuses shards of another dataset, model,
 * settings or shard count, a shard given twice, and overlapping tasks; missing shards are
 * allowed and recorded in `merged`.
 */
export function mergeTestgen(
  parts: readonly LabelledShard<TestgenResults>[],
  createdAt: string,
): TestgenResults {
  const { reference, merged } = checkShards(parts, {
    agree: [
      ['has dataset md5', (r) => r.dataset.md5],
      ['has model', (r) => r.model],
      ['has settings', (r) => r.settings],
    ],
    covers: (r) => Object.keys(r.tasks),
    unit: 'task',
  });
  const all = parts.map((part) => part.results);
  const tasks = all.flatMap((r) => Object.values(r.tasks));
  const sum = (pick: (r: TestgenResults) => number) => all.reduce((t, r) => t + pick(r), 0);
  const max = (pick: (r: TestgenResults) => number) => Math.max(...all.map(pick));
  return {
    ...reference,
    createdAt,
    shard: null,
    merged,
    totals: totalsOf(tasks),
    llm: {
      requests: sum((r) => r.llm.requests),
      retries: sum((r) => r.llm.retries),
      failures: sum((r) => r.llm.failures),
      promptTokens: sum((r) => r.llm.promptTokens),
      completionTokens: sum((r) => r.llm.completionTokens),
    },
    // Shards run in parallel: the merged run took as long as its slowest shard.
    timings: {
      totalMs: max((r) => r.timings.totalMs),
      reviewMs: max((r) => r.timings.reviewMs),
      mutantsMs: max((r) => r.timings.mutantsMs),
      killMs: max((r) => r.timings.killMs),
    },
    notes: all.flatMap((r) => r.notes),
    tasks: taskRecord(tasks),
  };
}
