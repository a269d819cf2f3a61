import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { modelClientFor, type LlmUsage } from '../llm/index.js';
import { displayEndpoint } from '../testgen/review.js';
import { defaultCacheDir } from './dataset-cache.js';
import { loadDataset } from './datasets.js';
import { evaluateSamples, type EvaluationRun } from './evaluate.js';
import { MAX_PROBLEMS, type GenerationInfo } from './generation.js';
import { generateSamples, type CodegenTask, type GeneratedSample } from './generate.js';
import { historyFigures } from './history.js';
import { checkSyntax, type SyntaxCheck } from './programs.js';
import { writeSuiteReport } from './report.js';
import { buildResults } from './results.js';
import type { BenchRunSettings } from './run-settings.js';
import { summaryLines } from './summary.js';
import { gateOf, scopeTasks, type TrackContext, type TrackRun } from './track.js';
import type { EvalSuite, SampleOutcome } from './types.js';

/**
 * Track 1 (`bench run --suite humaneval|humanevalplus`): the served model writes every task's
 * samples, Python says which compile, the evaluator scores them, and the run is reported like
 * `bench evaluate` with its generation figures. The samples are written to samples.jsonl in
 * EvalPlus's format, so `bench evaluate` (or EvalPlus) can score them again.
 */

type Generated = Extract<GeneratedSample, { error: null }>;

async function writeSamples(outDir: string, samples: readonly Generated[]): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const lines = samples.map(
    (s) => `${JSON.stringify({ task_id: s.taskId, completion: s.completion })}\n`,
  );
  await writeFile(path.join(outDir, 'samples.jsonl'), lines.join(''));
}

/** The samples, from the endpoint; a UsageError when it answered none of them. */
async function generate(
  settings: BenchRunSettings,
  tasks: readonly CodegenTask[],
  context: TrackContext,
): Promise<{ generated: GeneratedSample[]; usage: LlmUsage; ms: number }> {
  const client = modelClientFor(settings);
  if (settings.waitForEndpoint > 0) await client.waitUntilReady(settings.waitForEndpoint);
  const started = Date.now();
  context.log(
    `generating ${tasks.length * settings.samplesPerTask} samples of ${tasks.length} tasks`,
  );
  const generated = await generateSamples(
    client,
    tasks,
    {
      samplesPerTask: settings.samplesPerTask,
      temperature: settings.temperature,
      topP: settings.topP,
      maxTokens: settings.maxTokens,
    },
    { concurrency: settings.concurrency },
  );
  const first = generated[0];
  if (first?.error && generated.every((s) => s.error !== null)) {
    throw new UsageError(`No sample could be generated: ${first.error} Nothing was scored.`);
  }
  return { generated, usage: client.usage(), ms: Date.now() - started };
}

/** Every generated sample's outcome: the evaluator's, or an error for a failed request. */
function outcomesOf(
  suite: EvalSuite,
  generated: readonly GeneratedSample[],
  scored: ReadonlyMap<GeneratedSample, SampleOutcome>,
): SampleOutcome[] {
  return generated.map(
    (s) =>
      scored.get(s) ?? {
        base: 'error',
        plus: suite === 'humanevalplus' ? 'error' : null,
        detail: `no completion: ${s.error}`,
      },
  );
}

function generationInfo(
  settings: BenchRunSettings,
  generated: readonly GeneratedSample[],
  checks: ReadonlyMap<Generated, SyntaxCheck>,
  usage: LlmUsage,
  ms: number,
): GenerationInfo {
  const finishReasons: Record<string, number> = {};
  const problems: GenerationInfo['problems'] = [];
  for (const s of generated) {
    const check = s.error === null ? checks.get(s) : undefined;
    if (s.error === null) finishReasons[s.finishReason] = (finishReasons[s.finishReason] ?? 0) + 1;
    const reason = s.error ?? (check?.valid === false ? (check.error ?? 'does not compile') : null);
    if (reason !== null) problems.push({ taskId: s.taskId, sample: s.sample, reason });
  }
  const valid = [...checks.values()].filter((c) => c.valid).length;
  return {
    api: settings.api,
    endpoint: displayEndpoint(settings),
    samplesPerTask: settings.samplesPerTask,
    temperature: settings.temperature,
    topP: settings.topP ?? null,
    maxTokens: settings.maxTokens,
    limit: settings.limit ?? null,
    syntax: { valid, total: checks.size },
    failed: generated.length - checks.size,
    finishReasons,
    llm: usage,
    generationMs: ms,
    problems: problems.slice(0, MAX_PROBLEMS),
  };
}

export async function runCodegenTrack(
  settings: BenchRunSettings,
  context: TrackContext,
): Promise<TrackRun> {
  const started = Date.now();
  const suite = settings.suite as EvalSuite;
  const cacheDir = settings.cacheDir ?? defaultCacheDir();
  const dataset = await loadDataset(suite, settings.dataset, { cacheDir, log: context.log });
  const byId = new Map(dataset.records.map((record) => [record.task_id, record]));
  const scope = scopeTasks([...byId.keys()], settings.limit, settings.shard);
  const tasks = scope.map((taskId) => {
    const record = byId.get(taskId)!;
    return { taskId, prompt: record.prompt, entryPoint: record.entry_point };
  });

  const { generated, usage, ms } = await generate(settings, tasks, context);
  const ok = generated.filter((s): s is Generated => s.error === null);
  await writeSamples(settings.out, ok);
  const syntax = await checkSyntax(
    ok.map((s) => s.solution),
    { python: settings.python },
  );
  context.log(`scoring ${ok.length} samples on ${suite}`);
  const run: EvaluationRun = await evaluateSamples({
    suite,
    dataset: { file: dataset.file, md5: dataset.md5 },
    samples: ok.map((s) => ({ taskId: s.taskId, solution: s.solution })),
    python: settings.python,
    cacheDir,
    jobs: settings.jobs,
    limits: { memoryLimitMiB: settings.memoryLimit },
  });
  const scored = new Map<GeneratedSample, SampleOutcome>(ok.map((s, i) => [s, run.outcomes[i]!]));
  const checks = new Map(ok.map((s, i) => [s, syntax[i]!]));
  const results = buildResults({
    suite,
    dataset: { path: dataset.source, md5: dataset.md5 },
    samples: generated.map((s) => ({ taskId: s.taskId, solution: s.solution ?? '' })),
    outcomes: outcomesOf(suite, generated, scored),
    scopeTasks: scope,
    taskErrors: run.taskErrors,
    model: settings.model,
    shard: settings.shard,
    limits: run.limits,
    skipped: dataset.warnings.map((w) => ({ taskId: null, line: null, reason: `dataset ${w}` })),
    excludedInputs: run.excludedInputs,
    invalidInputs: run.invalidInputs,
    timings: { ...run.timings, totalMs: Date.now() - started },
    createdAt: context.now.toISOString(),
    generation: generationInfo(settings, generated, checks, usage, ms),
  });
  const report = await writeSuiteReport(settings.out, results, {
    historyFile: settings.history,
    runId: context.runId,
    now: context.now,
    gate: gateOf(settings, context),
  });
  const { valid, total } = results.generation!.syntax;
  const validity = total === 0 ? '–' : `${((100 * valid) / total).toFixed(1)}%`;
  return {
    suite,
    lines: [...summaryLines(results), `  syntax validity: ${validity}`],
    report,
    figures: historyFigures(results),
  };
}
