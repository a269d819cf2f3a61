import path from 'node:path';
import { parseSettings, reviewSettingsSchema, type ReviewSettings } from '../../settings.js';
import { defaultCacheDir } from '../dataset-cache.js';
import { loadDataset, type LoadedDataset, type SweBenchRecord } from '../datasets.js';
import { writeBenchReport } from '../report.js';
import type { BenchRunSettings } from '../run-settings.js';
import { gateOf, type Track } from '../track.js';
import type { Shard } from '../types.js';
import { Environments } from './environment.js';
import { evaluateInstance } from './instance.js';
import { buildSwebenchResults } from './results.js';
import { selectInstances } from './select.js';
import { swebenchReport, swebenchSummaryLines } from './summary.js';
import type { InstanceResult, Selection, SwebenchResults } from './types.js';

/**
 * `bench run --suite swebench`: SWE-bench instances scored by SWT-bench's fail-to-pass
 * measure, one instance after another (each already spreads its model requests and its tests
 * over the machine; environments are built one at a time).
 */

export interface SwebenchTrackOptions {
  dataset: LoadedDataset<SweBenchRecord>;
  selection: Selection;
  shard: Shard | null;
  /**
   * The review's settings (model, endpoint or replay, limits); repo, base, head, out, python
   * and background are set per instance. Parse them with reviewSettingsSchema (any base).
   */
  review: ReviewSettings;
  /** The tool's interpreter (Python 3.9+ with pytest and coverage.py): it makes the venvs. */
  python: string;
  out: string;
  /** Local clones named owner__name (or owner/name); else clones are made in the cache. */
  reposDir: string | null;
  /** Clone URLs are `<cloneBase>/<owner>/<name>.git`. */
  cloneBase: string;
  /** Replaces the general install (`python -m pip install -e .`); run with sh -c. */
  setupCommand: string | null;
  setupTimeoutSec: number;
  cacheDir: string;
  now?: () => Date;
  /** Called once per instance as it finishes, e.g. to print a line. */
  onInstance?: (result: InstanceResult, index: number, total: number) => void;
}

export async function runSwebenchTrack(options: SwebenchTrackOptions): Promise<SwebenchResults> {
  const now = options.now ?? (() => new Date());
  const started = Date.now();
  const { records, unknown } = selectInstances(
    options.dataset.records,
    options.selection,
    options.shard,
  );
  const environments = new Environments({
    python: options.python,
    cacheDir: options.cacheDir,
    setupCommand: options.setupCommand,
    setupTimeoutSec: options.setupTimeoutSec,
  });
  const out = path.resolve(options.out);
  const results: InstanceResult[] = [];
  for (const [index, record] of records.entries()) {
    const result = await evaluateInstance(record, {
      review: options.review,
      environments,
      source: {
        reposDir: options.reposDir,
        cacheDir: options.cacheDir,
        cloneBase: options.cloneBase,
      },
      out,
    });
    results.push(result);
    options.onInstance?.(result, index, records.length);
  }
  return buildSwebenchResults({
    dataset: { path: options.dataset.source, md5: options.dataset.md5 },
    model: options.review.model,
    createdAt: now().toISOString(),
    selection: options.selection,
    shard: options.shard,
    results,
    skipped: [
      ...options.dataset.warnings.map((reason) => ({ instanceId: null, reason })),
      ...unknown.map((id) => ({ instanceId: id, reason: 'not in the dataset (--instances)' })),
    ],
    setup: { command: options.setupCommand, timeoutSec: options.setupTimeoutSec },
    timings: { totalMs: Date.now() - started },
  });
}

/**
 * The review's settings from `bench run`'s: what the review engine reads (testgen passes the
 * same); repo, base, head, out and background are set per instance. Sampling (--temperature,
 * --max-tokens) is code generation's and stays at the review's defaults, as for testgen.
 */
function reviewSettings(settings: BenchRunSettings, maxFunctions: number): ReviewSettings {
  return parseSettings(reviewSettingsSchema, {
    base: 'HEAD',
    endpoint: settings.endpoint,
    replay: settings.replay,
    record: settings.record,
    model: settings.model,
    api: settings.api,
    apiKey: settings.apiKey,
    python: settings.python,
    testTimeout: settings.testTimeout,
    concurrency: settings.concurrency,
    maxFunctions,
    testsPerFunction: settings.testsPerFunction,
    maxRetries: settings.maxRetries,
    maxRounds: settings.maxRounds,
    waitForEndpoint: settings.waitForEndpoint,
    requestTimeout: settings.requestTimeout,
    requestRetries: settings.requestRetries,
    reruns: settings.reruns,
    budget: settings.budget,
    memoryMb: settings.memoryMb,
  });
}

function progressLine(result: InstanceResult, index: number, total: number): string {
  const why = result.reason ? `: ${result.reason}` : '';
  return `[${index + 1}/${total}] ${result.instanceId} ${result.status}${why}`;
}

/** Track 3 (`bench run --suite swebench`), for TRACKS: settings in, report written. */
export const swebenchTrack: Track = async (settings, context) => {
  const flags = settings.swebench;
  if (!flags) throw new Error(`the SWE-bench track cannot run suite ${settings.suite}`);
  // Validated now, so a bad value stops the run before any clone or install.
  const review = reviewSettings(settings, flags.maxFunctions);
  const cacheDir = settings.cacheDir ?? defaultCacheDir();
  const dataset = await loadDataset('swebench', settings.dataset, { cacheDir, log: context.log });
  const results = await runSwebenchTrack({
    dataset,
    selection: { instances: flags.instances, limit: settings.limit ?? null },
    shard: settings.shard,
    review,
    python: settings.python,
    out: settings.out,
    reposDir: flags.reposDir ? path.resolve(flags.reposDir) : null,
    cloneBase: flags.cloneBase,
    setupCommand: flags.setupCommand ?? null,
    setupTimeoutSec: flags.setupTimeout,
    cacheDir,
    now: () => context.now,
    onInstance: (result, index, total) => context.log(progressLine(result, index, total)),
  });
  const report = swebenchReport(results);
  const written = await writeBenchReport(settings.out, report, {
    historyFile: settings.history,
    runId: context.runId,
    now: context.now,
    gate: gateOf(settings, context),
  });
  return {
    suite: 'swebench',
    lines: swebenchSummaryLines(results),
    report: written,
    figures: report.figures,
  };
};
