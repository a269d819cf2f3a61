import { z } from 'zod';
import {
  generationSchema,
  generationSettings,
  mergeGeneration,
  type GenerationInfo,
} from './generation.js';
import { meanPassAtK } from './pass-at-k.js';
import { checkShards, compareTaskIds, type LabelledShard } from './shard.js';
import {
  EVAL_SUITES,
  SAMPLE_STATUSES,
  type EvalSuite,
  type EvaluationLimits,
  type InputNote,
  type PassAtK,
  type Sample,
  type SampleOutcome,
  type SampleStatus,
  type Shard,
  type SkippedItem,
  type StatusCounts,
  type SuiteResults,
} from './types.js';

/** Builds `results.json` from the outcomes of an evaluation (pure). */

/** How the skipped item of a task that could not be evaluated begins (summary.ts counts them). */
export const NOT_EVALUATED = 'not evaluated:';

export interface ResultsInput {
  suite: EvalSuite;
  dataset: { path: string; md5: string };
  samples: readonly Sample[];
  /** Aligned with `samples`. */
  outcomes: readonly SampleOutcome[];
  /** The dataset's tasks in scope: the shard's, or all. */
  scopeTasks: readonly string[];
  /** Tasks that could not be evaluated at all (e.g. no ground truth), with why. */
  taskErrors: Readonly<Record<string, string>>;
  model: string | null;
  shard: Shard | null;
  limits: EvaluationLimits;
  skipped: readonly SkippedItem[];
  excludedInputs: readonly InputNote[];
  invalidInputs: readonly InputNote[];
  timings: SuiteResults['timings'];
  createdAt: string;
  generation?: GenerationInfo;
}

function emptyCounts(): StatusCounts {
  return { pass: 0, fail: 0, timeout: 0, error: 0 };
}

function sortedRecord<T>(entries: [string, T][]): Record<string, T> {
  return Object.fromEntries(entries.sort(([a], [b]) => compareTaskIds(a, b)));
}

/** pass@k and status counts of per-task outcomes. */
export function score(
  suite: EvalSuite,
  results: Readonly<Record<string, readonly SampleOutcome[]>>,
): { passAtK: PassAtK; counts: SuiteResults['counts'] } {
  const tasks = Object.values(results).filter((outcomes) => outcomes.length > 0);
  const count = (
    outcomes: readonly SampleOutcome[],
    pick: (o: SampleOutcome) => SampleStatus | null,
  ) => outcomes.filter((outcome) => pick(outcome) === 'pass').length;
  const base = meanPassAtK(tasks.map((o) => ({ n: o.length, c: count(o, (x) => x.base) })));
  const plus =
    suite === 'humanevalplus'
      ? meanPassAtK(tasks.map((o) => ({ n: o.length, c: count(o, (x) => x.plus) })))
      : null;
  const baseCounts = emptyCounts();
  const plusCounts = suite === 'humanevalplus' ? emptyCounts() : null;
  for (const outcome of tasks.flat()) {
    baseCounts[outcome.base] += 1;
    if (plusCounts && outcome.plus) plusCounts[outcome.plus] += 1;
  }
  return { passAtK: { base, plus }, counts: { base: baseCounts, plus: plusCounts } };
}

export function buildResults(input: ResultsInput): SuiteResults {
  const perTask = new Map<string, SampleOutcome[]>();
  input.samples.forEach((sample, index) => {
    if (sample.taskId in input.taskErrors) return;
    const outcome = input.outcomes[index];
    if (!outcome) throw new Error(`no outcome for sample ${index} (${sample.taskId})`);
    const list = perTask.get(sample.taskId) ?? [];
    list.push(outcome);
    perTask.set(sample.taskId, list);
  });
  const results = sortedRecord([...perTask.entries()]);
  const errors: SkippedItem[] = Object.entries(input.taskErrors).map(([taskId, reason]) => ({
    taskId,
    line: null,
    reason: `${NOT_EVALUATED} ${reason}`,
  }));
  const missingTasks = input.scopeTasks.filter(
    (taskId) => !perTask.has(taskId) && !(taskId in input.taskErrors),
  );
  const invalidTasks = [...new Set(input.invalidInputs.map((note) => note.taskId))];
  return {
    version: 1,
    suite: input.suite,
    dataset: input.dataset,
    tasks: perTask.size,
    samples: [...perTask.values()].reduce((total, list) => total + list.length, 0),
    ...score(input.suite, results),
    model: input.model,
    createdAt: input.createdAt,
    shard: input.shard,
    merged: null,
    missingTasks: [...missingTasks].sort(compareTaskIds),
    limits: input.limits,
    skipped: [...input.skipped, ...errors],
    excludedInputs: [...input.excludedInputs],
    invalidInputs: {
      count: input.invalidInputs.length,
      dropped: input.limits.dropInvalidInputs,
      tasks: invalidTasks.sort(compareTaskIds),
    },
    timings: input.timings,
    ...(input.generation ? { generation: input.generation } : {}),
    // Last: the per-sample outcomes are the long part of the file.
    results,
  };
}

const status = z.enum(SAMPLE_STATUSES as [SampleStatus, ...SampleStatus[]]);
const counts = z.object({
  pass: z.number(),
  fail: z.number(),
  timeout: z.number(),
  error: z.number(),
});
const note = z.object({
  taskId: z.string(),
  phase: z.enum(['base', 'plus']),
  index: z.number(),
  reason: z.string(),
});

/** What `bench merge` accepts: a `results.json` written by `bench evaluate`. */
export const suiteResultsSchema = z.object({
  version: z.literal(1),
  suite: z.enum(EVAL_SUITES as [EvalSuite, ...EvalSuite[]]),
  dataset: z.object({ path: z.string(), md5: z.string() }),
  tasks: z.number(),
  samples: z.number(),
  passAtK: z.object({
    base: z.record(z.string(), z.number()),
    plus: z.record(z.string(), z.number()).nullable(),
  }),
  results: z.record(
    z.string(),
    z.array(z.object({ base: status, plus: status.nullable(), detail: z.string().nullable() })),
  ),
  counts: z.object({ base: counts, plus: counts.nullable() }),
  model: z.string().nullable(),
  createdAt: z.string(),
  shard: z.object({ index: z.number(), count: z.number() }).nullable(),
  merged: z.object({ shards: z.array(z.number()), count: z.number() }).nullable(),
  missingTasks: z.array(z.string()),
  limits: z.object({
    minTimeLimit: z.number(),
    timeLimitFactor: z.number(),
    maxPhaseSeconds: z.number(),
    checkTimeLimit: z.number(),
    memoryLimitMiB: z.number(),
    dropInvalidInputs: z.boolean(),
  }),
  skipped: z.array(
    z.object({ taskId: z.string().nullable(), line: z.number().nullable(), reason: z.string() }),
  ),
  excludedInputs: z.array(note),
  invalidInputs: z.object({ count: z.number(), dropped: z.boolean(), tasks: z.array(z.string()) }),
  timings: z.object({ totalMs: z.number(), groundTruthMs: z.number(), evaluationMs: z.number() }),
  generation: generationSchema.optional(),
});

/** A labelled shard result, for merge errors that name the file. */
export type ShardPart = LabelledShard<SuiteResults>;

/**
 * Combines shard results into one report. Refuses (Error with the reason) shards of another
 * suite, dataset md5, shard count, model or time limits, a shard given twice, and shards whose
 * tasks overlap; missing shards are allowed and recorded in `merged`.
 */
export function mergeResults(parts: readonly ShardPart[], createdAt: string): SuiteResults {
  const { reference, merged } = checkShards(parts, {
    agree: [
      ['is suite', (r) => r.suite],
      ['has dataset md5', (r) => r.dataset.md5],
      ['has model', (r) => r.model],
      // Key order does not matter: the limits as written by another version compare equal.
      ['has limits', (r) => Object.fromEntries(Object.entries(r.limits).sort())],
      ['was generated with', (r) => (r.generation ? generationSettings(r.generation) : null)],
    ],
    covers: (r) => [...Object.keys(r.results), ...r.missingTasks],
    unit: 'task',
  });
  const all = parts.map((part) => part.results);
  const results = sortedRecord(all.flatMap((r) => Object.entries(r.results)));
  const invalidTasks = [...new Set(all.flatMap((r) => r.invalidInputs.tasks))];
  const max = (pick: (t: SuiteResults['timings']) => number) =>
    Math.max(...all.map((r) => pick(r.timings)));
  return {
    version: 1,
    suite: reference.suite,
    dataset: reference.dataset,
    tasks: all.reduce((total, r) => total + r.tasks, 0),
    samples: all.reduce((total, r) => total + r.samples, 0),
    ...score(reference.suite, results),
    model: reference.model,
    createdAt,
    shard: null,
    merged,
    missingTasks: all.flatMap((r) => r.missingTasks).sort(compareTaskIds),
    limits: reference.limits,
    // Every shard reports the samples file's unusable lines: keep one copy of each.
    skipped: [
      ...new Map(
        all.flatMap((r) => r.skipped).map((item) => [JSON.stringify(item), item]),
      ).values(),
    ],
    excludedInputs: all.flatMap((r) => r.excludedInputs),
    invalidInputs: {
      count: all.reduce((total, r) => total + r.invalidInputs.count, 0),
      dropped: reference.invalidInputs.dropped,
      tasks: invalidTasks.sort(compareTaskIds),
    },
    // Shards run in parallel: the merged run took as long as its slowest shard.
    timings: {
      totalMs: max((t) => t.totalMs),
      groundTruthMs: max((t) => t.groundTruthMs),
      evaluationMs: max((t) => t.evaluationMs),
    },
    ...(reference.generation ? { generation: mergeGeneration(all.map((r) => r.generation!)) } : {}),
    results,
  };
}
