import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { defaultCacheDir } from '../bench/dataset-cache.js';
import { loadDataset } from '../bench/datasets.js';
import { evaluateSuite } from '../bench/evaluate.js';
import { defaultRunId, type GateOptions } from '../bench/history.js';
import { mergeShards, type MergedRun, type ShardFile } from '../bench/merge.js';
import { writeBenchReport, writeSuiteReport, type SuiteReport } from '../bench/report.js';
import { readSamples } from '../bench/samples.js';
import {
  benchEvaluateSettingsSchema,
  benchMergeSettingsSchema,
  type BenchEvaluateSettings,
} from '../bench/settings.js';
import { scopeWarnings, summaryLines } from '../bench/summary.js';
import type { SuiteResults } from '../bench/types.js';
import { UsageError, errorMessage } from '../errors.js';
import { kebabFlag, parseSettings } from '../settings.js';

/** `semcoder-action bench evaluate|merge` (the `run` tracks register on the returned command). */

function finish(results: SuiteResults, report: SuiteReport): void {
  finishLines(summaryLines(results), report, scopeWarnings(results));
}

/**
 * Prints the figures and where they went, and on stderr what they are not over; a failed
 * gate is exit code 1 with its messages.
 */
export function finishLines(
  figures: readonly string[],
  report: SuiteReport,
  warnings: readonly string[] = [],
): void {
  const lines = [...figures, `wrote ${report.resultsFile} and ${report.summaryFile}`];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const warning of warnings) process.stderr.write(`semcoder-action: ${warning}\n`);
  for (const note of report.gate?.skipped ?? []) process.stderr.write(`semcoder-action: ${note}\n`);
  if (report.gate?.failed) {
    process.stderr.write(
      `${report.gate.messages.map((m) => `semcoder-action: ${m}`).join('\n')}\n`,
    );
    process.exitCode = 1;
  }
}

function gateOf(settings: { failBelow?: number; maxDrop?: number }): GateOptions {
  return { failBelow: settings.failBelow, maxDrop: settings.maxDrop };
}

async function runEvaluate(settings: BenchEvaluateSettings): Promise<void> {
  const cacheDir = settings.cacheDir ?? defaultCacheDir();
  const dataset = await loadDataset(settings.suite, settings.dataset, {
    cacheDir,
    log: (line) => process.stderr.write(`semcoder-action: ${line}\n`),
  });
  const prompts = new Map(dataset.records.map((record) => [record.task_id, record.prompt]));
  const { samples, skipped } = await readSamples(settings.samples, prompts);
  const now = new Date();
  const results = await evaluateSuite({
    suite: settings.suite,
    dataset,
    samples,
    skipped,
    shard: settings.shard,
    python: settings.python,
    cacheDir,
    jobs: settings.jobs,
    limits: {
      minTimeLimit: settings.minTimeLimit,
      timeLimitFactor: settings.timeLimitFactor,
      maxPhaseSeconds: settings.maxPhaseSeconds,
      checkTimeLimit: settings.checkTimeLimit,
      memoryLimitMiB: settings.memoryLimit,
      dropInvalidInputs: settings.dropInvalidInputs,
    },
    model: settings.model ?? null,
    now: () => now,
  });
  const report = await writeSuiteReport(settings.out, results, {
    historyFile: settings.history,
    runId: settings.runId ?? defaultRunId(process.env, now),
    now,
    gate: gateOf(settings),
  });
  finish(results, report);
}

async function readShard(dir: string): Promise<ShardFile> {
  const file = path.join(dir, 'results.json');
  try {
    return { label: file, json: JSON.parse(await readFile(file, 'utf8')) as unknown };
  } catch (error) {
    throw new UsageError(
      `Cannot read ${file}: ${errorMessage(error)}. Pass the --out directories of \`bench evaluate|run --shard K/N\` runs.`,
    );
  }
}

const mergeFlag = (key: string) => (key === 'shardDirs' ? 'SHARD_DIR' : kebabFlag(key));

export function registerBench(program: Command): Command {
  const bench = program
    .command('bench')
    .description('Benchmarks: HumanEval, HumanEval+, test generation, SWE-bench');

  bench
    .command('evaluate')
    .description('Score a samples file (EvalPlus format) on HumanEval or HumanEval+')
    .requiredOption('--suite <suite>', 'humaneval or humanevalplus')
    .option('--dataset <file|url>', 'the dataset (default: the canonical release, cached)')
    .requiredOption('--samples <file>', 'JSONL with task_id and solution or completion')
    .requiredOption('--out <dir>', 'where results.json and summary.md go')
    .option('--python <path>', 'Python 3.9+ interpreter that runs the samples', 'python3')
    .option('--shard <K/N>', 'evaluate only shard K of N (merge them with bench merge)')
    .option('--jobs <n>', 'parallel evaluation processes (default: one per core)')
    .option('--min-time-limit <s>', 'per-input time limit floor, seconds (default 1)')
    .option('--time-limit-factor <f>', "per-input limit: f x the canonical solution's time (4)")
    .option('--max-phase-seconds <s>', 'cap of one sample on one input set, seconds (60)')
    .option('--check-time-limit <s>', 'HumanEval: limit of the check program, seconds (3)')
    .option('--memory-limit <MiB>', 'address-space limit of an evaluation process, 0: none')
    .option('--drop-invalid-inputs', "skip inputs that break their task's contract", false)
    .option('--model <id>', 'the model that wrote the samples (for the report and history)')
    .option('--cache-dir <dir>', 'downloads and ground truth ($SEMCODER_CACHE)')
    .option('--history <file>', 'append this run to a JSON history and chart its trend')
    .option('--fail-below <percent>', 'exit 1 when pass@1 is below this')
    .option('--max-drop <points>', 'exit 1 when pass@1 dropped more than this since the last run')
    .option('--run-id <id>', 'history entry id (default: $GITHUB_RUN_ID or the time)')
    .action(async (raw: Record<string, unknown>) => {
      await runEvaluate(parseSettings(benchEvaluateSettingsSchema, raw));
    });

  bench
    .command('merge')
    .description('Combine the results of bench evaluate|run --shard runs into one report')
    .argument('<SHARD_DIR...>', 'the --out directories of the shards')
    .requiredOption('--out <dir>', 'where the merged results.json and summary.md go')
    .option('--history <file>', 'append the merged run to a JSON history and chart its trend')
    .option('--fail-below <percent>', 'exit 1 when the headline figure is below this')
    .option('--max-drop <points>', 'exit 1 when it dropped more than this since the last run')
    .option('--run-id <id>', 'history entry id (default: $GITHUB_RUN_ID or the time)')
    .action(async (shardDirs: string[], raw: Record<string, unknown>) => {
      const settings = parseSettings(benchMergeSettingsSchema, { ...raw, shardDirs }, mergeFlag);
      const parts = await Promise.all(settings.shardDirs.map(readShard));
      const now = new Date();
      let merged: MergedRun;
      try {
        merged = mergeShards(parts, now.toISOString());
      } catch (error) {
        throw new UsageError(errorMessage(error));
      }
      const report = await writeBenchReport(settings.out, merged.report, {
        historyFile: settings.history,
        runId: settings.runId ?? defaultRunId(process.env, now),
        now,
        gate: gateOf(settings),
      });
      finishLines(merged.lines, report, merged.warnings);
    });

  return bench;
}
