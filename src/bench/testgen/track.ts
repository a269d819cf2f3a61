import path from 'node:path';
import type { FunctionReport, Report } from '../../report/types.js';
import { parseSettings, reviewSettingsSchema } from '../../settings.js';
import { displayEndpoint, runReview } from '../../testgen/review.js';
import { defaultCacheDir } from '../dataset-cache.js';
import { loadDataset, type HumanEvalPlusRecord, type LoadedDataset } from '../datasets.js';
import { writeBenchReport, type TrackReport } from '../report.js';
import { DEFAULT_TESTGEN_BUDGET_SEC, type BenchRunSettings } from '../run-settings.js';
import { gateOf, scopeTasks, type TrackContext, type TrackRun } from '../track.js';
import { classifyMutants, prepare, writeMutants, type Mutant, type Prepared } from './inputs.js';
import { killVerdict, runKills, type KillRun, type KillTask } from './kill.js';
import { mutantModule, TaskRepo } from './repo.js';
import {
  countMutants,
  killRateOf,
  taskRecord,
  testgenFigures,
  totalsOf,
  type MutantRecord,
  type TestgenResults,
  type TestgenTask,
} from './results.js';
import { renderTestgenSummary, testgenLines } from './summary.js';

/**
 * Track 2 (`bench run --suite testgen`), what the seed study measured: the PR-review engine
 * writes tests for each HumanEval+ task's canonical solution, presented as a change that adds
 * the entry point (helpers and imports are already in the base, so only the entry point is
 * reviewed). Reported per task and in total: syntax validity of the model's responses, pass
 * rate on the canonical solution (oracle accuracy), line and branch coverage, and the kill
 * rate on faulty mutants: AST mutants of the entry point that the HumanEval+ inputs tell
 * apart from the canonical solution. The evaluator classifies the mutants while the review
 * runs.
 */

function reviewOf(report: Report, task: Prepared): FunctionReport | string {
  const file = `${task.module}.py`;
  const fn = report.functions.find((f) => f.file === file && f.qualname === task.entryPoint);
  if (fn) return fn.skipped ? `not reviewed: ${fn.skipped}` : fn;
  const skipped = report.skipped.find((s) => s.file === file);
  return `not reviewed: ${skipped?.reason ?? 'the review did not find the entry point'}`;
}

function taskResult(
  task: Prepared,
  review: FunctionReport | string,
  mutants: readonly Mutant[],
  kills: KillRun,
): TestgenTask {
  const fn = typeof review === 'string' ? null : review;
  const baseline = kills.baseline.get(task.taskId);
  const mutantDetails: MutantRecord[] = mutants.map((m) => {
    const mutant = { index: m.index, operator: m.operator, line: m.line, evaluation: m.evaluation };
    if (!m.faulty) return { ...mutant, verdict: null, killedBy: [] };
    const results = kills.mutants.get(task.taskId)?.get(m.index);
    // No kill run for the task: no kept test could kill anything.
    const outcome =
      baseline && results
        ? killVerdict(baseline, results)
        : { verdict: 'survived' as const, killedBy: [] };
    return { ...mutant, ...outcome };
  });
  const counts = countMutants(mutantDetails);
  const zero = { covered: 0, total: 0 };
  return {
    taskId: task.taskId,
    entryPoint: task.entryPoint,
    module: task.module,
    skipped: typeof review === 'string' ? review : null,
    tests: fn?.counts ?? { generated: 0, valid: 0, passed: 0, failed: 0, errors: 0 },
    responses: fn?.responses ?? { total: 0, parsed: 0 },
    coverage: {
      lines: fn?.coverage.lines ?? zero,
      branches: fn?.coverage.branches ?? zero,
    },
    keptTests: (baseline ?? []).filter((r) => r.outcome === 'passed').length,
    mutants: counts,
    killRate: killRateOf(counts),
    mutantDetails,
  };
}

function unusableTask(taskId: string, entryPoint: string, reason: string): TestgenTask {
  const zero = { covered: 0, total: 0 };
  return {
    taskId,
    entryPoint,
    module: '',
    skipped: reason,
    tests: { generated: 0, valid: 0, passed: 0, failed: 0, errors: 0 },
    responses: { total: 0, parsed: 0 },
    coverage: { lines: zero, branches: zero },
    keptTests: 0,
    mutants: countMutants([]),
    killRate: null,
    mutantDetails: [],
  };
}

function killTasks(
  prepared: readonly Prepared[],
  report: Report,
  mutants: Map<string, Mutant[]>,
): KillTask[] {
  return prepared.flatMap((task) => {
    const review = reviewOf(report, task);
    const faulty = (mutants.get(task.taskId) ?? []).filter((m) => m.faulty);
    if (typeof review === 'string' || !review.testCode || faulty.length === 0) return [];
    return [
      {
        taskId: task.taskId,
        module: task.module,
        entryPoint: task.entryPoint,
        start: task.start,
        end: task.end,
        testCode: review.testCode,
        mutants: faulty.map((m) => ({
          index: m.index,
          module: mutantModule(task.module, m.index),
          program: m.program,
        })),
      },
    ];
  });
}

async function reviewTasks(
  repo: TaskRepo,
  settings: BenchRunSettings,
  taskCount: number,
): Promise<Report> {
  const review = parseSettings(reviewSettingsSchema, {
    repo: repo.dir,
    base: repo.base,
    head: repo.head,
    endpoint: settings.endpoint,
    replay: settings.replay,
    record: settings.record,
    model: settings.model,
    api: settings.api,
    apiKey: settings.apiKey,
    out: path.join(settings.out, 'review'),
    python: settings.python,
    testTimeout: settings.testTimeout,
    concurrency: settings.concurrency,
    maxFunctions: Math.max(1, taskCount),
    testsPerFunction: settings.testsPerFunction,
    maxRetries: settings.maxRetries,
    maxRounds: settings.maxRounds,
    waitForEndpoint: settings.waitForEndpoint,
    requestTimeout: settings.requestTimeout,
    requestRetries: settings.requestRetries,
    budget: settings.budget ?? DEFAULT_TESTGEN_BUDGET_SEC,
  });
  return (await runReview(review)).report;
}

interface Measured {
  report: Report;
  mutants: Map<string, Mutant[]>;
  kills: KillRun;
  timings: { reviewMs: number; mutantsMs: number; killMs: number };
}

/** The measurements: the review and the mutants' classification at once, then the kill run. */
async function measure(
  prepared: readonly Prepared[],
  dataset: LoadedDataset<HumanEvalPlusRecord>,
  settings: BenchRunSettings,
  context: TrackContext & { cacheDir: string; notes: string[] },
): Promise<Measured> {
  const timings = { reviewMs: 0, mutantsMs: 0, killMs: 0 };
  const timed = async <T>(key: keyof typeof timings, work: Promise<T>): Promise<T> => {
    const at = Date.now();
    const value = await work;
    timings[key] = Date.now() - at;
    return value;
  };
  const repo = await TaskRepo.create(
    prepared.map((t) => ({ module: t.module, base: t.base, head: t.program })),
  );
  try {
    const [report, mutants] = await Promise.all([
      timed('reviewMs', reviewTasks(repo, settings, prepared.length)),
      timed(
        'mutantsMs',
        classifyMutants(prepared, settings, dataset, context.cacheDir, context.notes),
      ),
    ]);
    await writeMutants(settings.out, prepared, mutants);
    const work = killTasks(prepared, report, mutants);
    context.log(`running the kept tests of ${work.length} tasks on their faulty mutants`);
    const commit = await repo.addModules(
      Object.fromEntries(work.flatMap((t) => t.mutants.map((m) => [`${m.module}.py`, m.program]))),
    );
    const kills = await timed(
      'killMs',
      runKills(repo.dir, commit, work, {
        python: settings.python,
        testTimeoutSec: settings.testTimeout,
        budgetSec: settings.budget ?? DEFAULT_TESTGEN_BUDGET_SEC,
      }),
    );
    return { report, mutants, kills, timings };
  } finally {
    await repo.remove();
  }
}

export async function runTestgenTrack(
  settings: BenchRunSettings,
  context: TrackContext,
): Promise<TrackRun> {
  const started = Date.now();
  const cacheDir = settings.cacheDir ?? defaultCacheDir();
  const dataset = await loadDataset('humanevalplus', settings.dataset, {
    cacheDir,
    log: context.log,
  });
  const scope = scopeTasks(
    dataset.records.map((r) => r.task_id),
    settings.limit,
    settings.shard,
  );
  const notes: string[] = [];
  const { prepared, unusable } = await prepare(dataset, scope, settings.python);
  context.log(`reviewing ${prepared.length} tasks; making and classifying their mutants`);
  const measured = await measure(prepared, dataset, settings, { ...context, cacheDir, notes });
  const { report, mutants, kills } = measured;
  if (report.incomplete) notes.push(`review incomplete: ${report.incomplete}`);
  notes.push(...kills.incomplete.map((why) => `kill run incomplete: ${why}`));

  const entryPoints = new Map(dataset.records.map((r) => [r.task_id, r.entry_point]));
  const tasks: TestgenTask[] = [
    ...prepared.map((task) =>
      taskResult(task, reviewOf(report, task), mutants.get(task.taskId) ?? [], kills),
    ),
    ...[...unusable].map(([taskId, why]) => unusableTask(taskId, entryPoints.get(taskId)!, why)),
  ];
  const results: TestgenResults = {
    version: 1,
    suite: 'testgen',
    dataset: { path: dataset.source, md5: dataset.md5 },
    model: settings.model,
    createdAt: context.now.toISOString(),
    shard: settings.shard,
    merged: null,
    settings: {
      api: settings.api,
      endpoint: displayEndpoint(settings),
      testsPerFunction: settings.testsPerFunction,
      maxRetries: settings.maxRetries,
      maxRounds: settings.maxRounds,
      testTimeout: settings.testTimeout,
      maxMutants: settings.maxMutants,
      limit: settings.limit ?? null,
    },
    totals: totalsOf(tasks),
    llm: report.llm,
    timings: { totalMs: Date.now() - started, ...measured.timings },
    notes,
    tasks: taskRecord(tasks),
  };
  const figures = testgenFigures(results);
  const render: TrackReport['render'] = (history, gate) =>
    renderTestgenSummary(results, { history, gate });
  const written = await writeBenchReport(
    settings.out,
    { results, figures, render },
    {
      historyFile: settings.history,
      runId: context.runId,
      now: context.now,
      gate: gateOf(settings, context),
    },
  );
  return { suite: 'testgen', lines: testgenLines(results), report: written, figures };
}
