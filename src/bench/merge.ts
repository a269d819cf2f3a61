import type { z } from 'zod';
import { historyFigures } from './history.js';
import type { TrackReport } from './report.js';
import { mergeResults, suiteResultsSchema } from './results.js';
import { renderSummary, scopeWarnings, shardWarnings, summaryLines } from './summary.js';
import { mergeSwebenchResults, swebenchResultsSchema } from './swebench/results.js';
import { swebenchReport, swebenchSummaryLines } from './swebench/summary.js';
import { mergeTestgen, parseTestgenResults } from './testgen/merge.js';
import { testgenFigures } from './testgen/results.js';
import { renderTestgenSummary, testgenLines } from './testgen/summary.js';
import type { BenchSuite } from './types.js';

/**
 * `bench merge` for every track: the shards' results.json files, read back, validated and
 * combined by their suite's merger into one report.
 */

export interface ShardFile {
  /** The file, for messages. */
  label: string;
  json: unknown;
}

export interface MergedRun {
  /** The headline figures, one per line, for the terminal. */
  lines: string[];
  /** What the figures are not over (missing shards, tasks without samples), for stderr. */
  warnings: string[];
  report: TrackReport;
}

/** Parses and merges shards of one suite; an Error names what does not fit. */
type Merger = (parts: readonly ShardFile[], createdAt: string) => MergedRun;

function parsed<T>(
  part: ShardFile,
  parse: (json: unknown) => { success: true; data: T } | { success: false; error: z.ZodError },
): { label: string; results: T } {
  const result = parse(part.json);
  if (result.success) return { label: part.label, results: result.data };
  const issue = result.error.issues[0];
  throw new Error(
    `${part.label} is not a bench results file (${issue?.path.join('.')}: ${issue?.message}).`,
  );
}

const mergeCodegen: Merger = (parts, createdAt) => {
  const results = mergeResults(
    parts.map((p) => parsed(p, (json) => suiteResultsSchema.safeParse(json))),
    createdAt,
  );
  return {
    lines: summaryLines(results),
    warnings: scopeWarnings(results),
    report: {
      results,
      figures: historyFigures(results),
      render: (history, gate) => renderSummary(results, { history, gate }),
    },
  };
};

const mergeTestgenRun: Merger = (parts, createdAt) => {
  const results = mergeTestgen(
    parts.map((p) => parsed(p, parseTestgenResults)),
    createdAt,
  );
  return {
    lines: testgenLines(results),
    warnings: shardWarnings(results.merged),
    report: {
      results,
      figures: testgenFigures(results),
      render: (history, gate) => renderTestgenSummary(results, { history, gate }),
    },
  };
};

const mergeSwebench: Merger = (parts, createdAt) => {
  const results = mergeSwebenchResults(
    parts.map((p) => parsed(p, (json) => swebenchResultsSchema.safeParse(json))),
    createdAt,
  );
  return {
    lines: swebenchSummaryLines(results),
    warnings: shardWarnings(results.merged),
    report: swebenchReport(results),
  };
};

/** Which merger combines a suite's shards. */
export const MERGERS: Partial<Record<BenchSuite, Merger>> = {
  humaneval: mergeCodegen,
  humanevalplus: mergeCodegen,
  testgen: mergeTestgenRun,
  swebench: mergeSwebench,
};

function suiteOf(part: ShardFile): string {
  const suite = (part.json as { suite?: unknown } | null)?.suite;
  return typeof suite === 'string' ? suite : '(none)';
}

export function mergeShards(parts: readonly ShardFile[], createdAt: string): MergedRun {
  const first = parts[0];
  if (!first) throw new Error('nothing to merge: give at least one shard directory');
  const suite = suiteOf(first);
  for (const part of parts) {
    if (suiteOf(part) !== suite) {
      throw new Error(
        `${part.label} is suite ${suiteOf(part)}, but ${first.label} is suite ${suite}: these are not shards of one run.`,
      );
    }
  }
  const merger = MERGERS[suite as BenchSuite];
  if (!merger) {
    throw new Error(`${first.label} has suite ${suite}, which bench merge cannot combine.`);
  }
  return merger(parts, createdAt);
}
