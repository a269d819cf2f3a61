import { z } from 'zod';
import type { LlmUsage } from '../../report/types.js';
import { scopeOf, type HistoryEntry } from '../history.js';
import { checkShards, compareTaskIds, type LabelledShard } from '../shard.js';
import type { Shard } from '../types.js';
import {
  INSTANCE_STATUSES,
  TRANSITIONS,
  type InstanceResult,
  type InstanceStatus,
  type Selection,
  type StatusCounts,
  type SwebenchResults,
  type Transition,
} from './types.js';
import { emptyCounts } from './verdict.js';

/** `results.json` of the SWE-bench track: built from instance results, and merged. Pure. */

export interface SwebenchResultsInput {
  dataset: { path: string; md5: string };
  model: string | null;
  createdAt: string;
  selection: Selection;
  shard: Shard | null;
  results: readonly InstanceResult[];
  skipped: SwebenchResults['skipped'];
  setup: SwebenchResults['setup'];
  timings: SwebenchResults['timings'];
}

const sumUsage = (items: readonly LlmUsage[]): LlmUsage =>
  items.reduce(
    (total, u) => ({
      requests: total.requests + u.requests,
      retries: total.retries + u.retries,
      failures: total.failures + u.failures,
      promptTokens: total.promptTokens + u.promptTokens,
      completionTokens: total.completionTokens + u.completionTokens,
    }),
    { requests: 0, retries: 0, failures: 0, promptTokens: 0, completionTokens: 0 },
  );

/** The figures of a set of instance results: counts, success rate, pooled coverage, tests. */
export function score(
  results: readonly InstanceResult[],
): Pick<
  SwebenchResults,
  'instances' | 'counts' | 'evaluated' | 'successRate' | 'patchCoverage' | 'tests' | 'llm'
> {
  const counts = Object.fromEntries(INSTANCE_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const result of results) counts[result.status] += 1;
  const evaluated = results.filter((r) => r.status === 'success' || r.status === 'no-success');
  let covered = 0;
  let total = 0;
  const tests = { ...emptyCounts(), kept: 0 };
  for (const result of evaluated) {
    covered += result.patchCoverage?.covered ?? 0;
    total += result.patchCoverage?.total ?? 0;
    tests.kept += result.tests.length;
    for (const key of Object.keys(result.counts) as (keyof typeof result.counts)[]) {
      tests[key] += result.counts[key];
    }
  }
  return {
    instances: results.length,
    counts,
    evaluated: evaluated.length,
    successRate: evaluated.length > 0 ? counts.success / evaluated.length : null,
    patchCoverage: { covered, total, share: total > 0 ? covered / total : null },
    tests,
    llm: sumUsage(results.map((r) => r.llm)),
  };
}

function byId(results: readonly InstanceResult[]): Record<string, InstanceResult> {
  return Object.fromEntries(
    [...results]
      .sort((a, b) => compareTaskIds(a.instanceId, b.instanceId))
      .map((r) => [r.instanceId, r]),
  );
}

export function buildSwebenchResults(input: SwebenchResultsInput): SwebenchResults {
  return {
    version: 1,
    suite: 'swebench',
    method: 'gold-patch-as-pull-request',
    dataset: input.dataset,
    model: input.model,
    createdAt: input.createdAt,
    selection: input.selection,
    shard: input.shard,
    merged: null,
    ...score(input.results),
    skipped: input.skipped,
    setup: input.setup,
    timings: input.timings,
    results: byId(input.results),
  };
}

const figure = z.object({ covered: z.number(), total: z.number() });
const usage = z.object({
  requests: z.number(),
  retries: z.number(),
  failures: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
});
const transitionCounts = z.object({
  failToPass: z.number(),
  failToPassObserved: z.number(),
  passToPass: z.number(),
  passToFail: z.number(),
  failToFail: z.number(),
  unknown: z.number(),
});
const TEST_OUTCOMES = [
  'passed',
  'failed',
  'error',
  'test-error',
  'timeout',
  'flaky',
  'invalid',
  'missing',
] as const;
const status = z.enum(INSTANCE_STATUSES as [InstanceStatus, ...InstanceStatus[]]);

const instanceResultSchema = z.object({
  instanceId: z.string(),
  repo: z.string(),
  baseCommit: z.string(),
  headCommit: z.string().nullable(),
  status,
  reason: z.string(),
  environment: z
    .object({
      key: z.string(),
      cached: z.boolean(),
      setupCommand: z.string().nullable(),
      logTail: z.string().nullable(),
      log: z.string().nullable(),
    })
    .nullable(),
  functions: z.array(
    z.object({
      file: z.string(),
      qualname: z.string(),
      status: z.string(),
      kept: z.number(),
      skipped: z.string().nullable(),
    }),
  ),
  tests: z.array(
    z.object({
      file: z.string(),
      name: z.string(),
      function: z.string(),
      oracle: z.enum(['model', 'observed']),
      before: z.enum(TEST_OUTCOMES),
      after: z.enum(TEST_OUTCOMES),
      transition: z.enum(TRANSITIONS as [Transition, ...Transition[]]),
      beforeMessage: z.string().nullable(),
    }),
  ),
  counts: transitionCounts,
  patchCoverage: figure
    .extend({ missing: z.array(z.object({ file: z.string(), lines: z.array(z.number()) })) })
    .nullable(),
  reviewDir: z.string().nullable(),
  llm: usage,
  timings: z.object({
    totalMs: z.number(),
    setupMs: z.number(),
    reviewMs: z.number(),
    executeMs: z.number(),
  }),
});

/** What `bench merge` accepts from a swebench shard: the results.json it wrote. */
export const swebenchResultsSchema = z.object({
  version: z.literal(1),
  suite: z.literal('swebench'),
  method: z.literal('gold-patch-as-pull-request'),
  dataset: z.object({ path: z.string(), md5: z.string() }),
  model: z.string().nullable(),
  createdAt: z.string(),
  selection: z.object({ instances: z.array(z.string()).nullable(), limit: z.number().nullable() }),
  shard: z.object({ index: z.number(), count: z.number() }).nullable(),
  merged: z.object({ shards: z.array(z.number()), count: z.number() }).nullable(),
  instances: z.number(),
  counts: z.object(
    Object.fromEntries(INSTANCE_STATUSES.map((s) => [s, z.number()])) as Record<
      InstanceStatus,
      z.ZodNumber
    >,
  ),
  evaluated: z.number(),
  successRate: z.number().nullable(),
  patchCoverage: figure.extend({ share: z.number().nullable() }),
  tests: transitionCounts.extend({ kept: z.number() }),
  llm: usage,
  skipped: z.array(z.object({ instanceId: z.string().nullable(), reason: z.string() })),
  setup: z.object({ command: z.string().nullable(), timeoutSec: z.number() }),
  timings: z.object({ totalMs: z.number() }),
  results: z.record(z.string(), instanceResultSchema),
});

export type SwebenchShardPart = LabelledShard<SwebenchResults>;

/**
 * Combines shard results into one report. Refuses (Error with the reason) parts that are not
 * shards, or shards of another dataset, model, selection, setup command or shard count, a
 * shard given twice, and overlapping instances; missing shards are allowed and recorded.
 */
export function mergeSwebenchResults(
  parts: readonly SwebenchShardPart[],
  createdAt: string,
): SwebenchResults {
  const { reference, merged } = checkShards(parts, {
    agree: [
      ['has dataset md5', (r) => r.dataset.md5],
      ['has model', (r) => r.model],
      ['selects', (r) => r.selection],
      ['has setup command', (r) => r.setup.command],
    ],
    covers: (r) => Object.keys(r.results),
    unit: 'instance',
  });
  const all = parts.map((p) => p.results);
  const results = all.flatMap((r) => Object.values(r.results));
  return {
    version: 1,
    suite: 'swebench',
    method: reference.method,
    dataset: reference.dataset,
    model: reference.model,
    createdAt,
    selection: reference.selection,
    shard: null,
    merged,
    ...score(results),
    // Every shard reports the dataset's bad records and unknown ids: keep one copy of each.
    skipped: [
      ...new Map(all.flatMap((r) => r.skipped).map((s) => [JSON.stringify(s), s])).values(),
    ],
    setup: reference.setup,
    // Shards run in parallel: the merged run took as long as its slowest shard.
    timings: { totalMs: Math.max(...all.map((r) => r.timings.totalMs)) },
    results: byId(results),
  };
}

/**
 * A run's figures as the common history holds them: the success rate and the gold patches'
 * coverage as metrics, the evaluated instances as its tasks, and the instances in scope
 * (evaluated or not) as its scope, so a run is compared only with runs over the same ones.
 */
export function swebenchFigures(results: SwebenchResults): Omit<HistoryEntry, 'runId' | 'date'> {
  return {
    model: results.model,
    suite: 'swebench',
    datasetMd5: results.dataset.md5,
    passAt1: { base: null, plus: null },
    samples: results.instances,
    tasks: results.evaluated,
    metrics: {
      successRate: results.successRate,
      patchCoverage: results.patchCoverage.share,
    },
    scope: scopeOf(Object.keys(results.results)),
  };
}
