import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError, errorMessage } from '../errors.js';
import { md5, writeFileAtomic } from './dataset-cache.js';
import { compareTaskIds } from './shard.js';
import { BENCH_SUITES, BENCH_TITLES, type BenchSuite, type SuiteResults } from './types.js';

/**
 * The benchmark history: one entry per run with its headline figures, append-only (a run id
 * already present is not added again, so a re-run job does not count twice), and the
 * regression gate that compares a run with the previous one.
 */

export interface HistoryEntry {
  runId: string;
  date: string;
  model: string | null;
  suite: BenchSuite;
  datasetMd5: string;
  /** Fractions in [0, 1], as in results.json; plus is null for HumanEval, both for other tracks. */
  passAt1: { base: number | null; plus: number | null };
  /**
   * What the headline is counted over besides tasks: code generation's samples, testgen's
   * faulty mutants, SWE-bench's instances in scope (evaluated or not).
   */
  samples: number;
  /** Tasks scored (SWE-bench: instances evaluated). */
  tasks: number;
  /** The other tracks' figures, fractions in [0, 1] (testgen: killRate...; swebench: successRate...). */
  metrics?: Record<string, number | null>;
  /**
   * md5 of the ids of the tasks in scope (scopeOf): the gate compares only runs over the same
   * tasks, so a --limit or --instances run is never judged against a whole one. Absent in
   * entries written before it was recorded.
   */
  scope?: string;
}

export interface History {
  version: 1;
  runs: HistoryEntry[];
}

const entrySchema = z.object({
  runId: z.string().min(1),
  date: z.string(),
  model: z.string().nullable(),
  suite: z.enum(BENCH_SUITES as [BenchSuite, ...BenchSuite[]]),
  datasetMd5: z.string(),
  passAt1: z.object({ base: z.number().nullable(), plus: z.number().nullable() }),
  samples: z.number(),
  tasks: z.number(),
  metrics: z.record(z.string(), z.number().nullable()).optional(),
  scope: z.string().optional(),
});

/**
 * The entries the SWE-bench track wrote before it shared this history's shape: read into it
 * (and written back that way when the history is next appended to).
 */
const legacySwebenchSchema = z
  .object({
    runId: z.string().min(1),
    date: z.string(),
    model: z.string().nullable(),
    suite: z.literal('swebench'),
    datasetMd5: z.string(),
    scope: z.string(),
    instances: z.number(),
    evaluated: z.number(),
    successRate: z.number().nullable(),
    patchCoverage: z.number().nullable(),
  })
  .transform((old): HistoryEntry => ({
    runId: old.runId,
    date: old.date,
    model: old.model,
    suite: 'swebench',
    datasetMd5: old.datasetMd5,
    passAt1: { base: null, plus: null },
    samples: old.instances,
    tasks: old.evaluated,
    metrics: { successRate: old.successRate, patchCoverage: old.patchCoverage },
    scope: old.scope,
  }));

const historySchema = z.object({
  version: z.literal(1),
  runs: z.array(
    z.unknown().transform((run, ctx): HistoryEntry => {
      const legacy = (run as { suite?: unknown; passAt1?: unknown } | null) ?? {};
      const schema =
        legacy.suite === 'swebench' && legacy.passAt1 === undefined
          ? legacySwebenchSchema
          : entrySchema;
      const parsed = schema.safeParse(run);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
      return z.NEVER;
    }),
  ),
});

export function emptyHistory(): History {
  return { version: 1, runs: [] };
}

/** A run id: `$GITHUB_RUN_ID` in Actions (so a re-run is not counted twice), else the time. */
export function defaultRunId(env: NodeJS.ProcessEnv, now: Date): string {
  return env.GITHUB_RUN_ID ? `gh-${env.GITHUB_RUN_ID}` : `local-${now.toISOString()}`;
}

/** md5 of task ids in natural order: which tasks a run's figures are over. */
export function scopeOf(taskIds: Iterable<string>): string {
  return md5([...new Set(taskIds)].sort(compareTaskIds).join('\n'));
}

/** A run's headline figures, as a history entry holds them (without its id and date). */
export function historyFigures(results: SuiteResults): Omit<HistoryEntry, 'runId' | 'date'> {
  return {
    model: results.model,
    suite: results.suite,
    datasetMd5: results.dataset.md5,
    passAt1: {
      base: results.passAtK.base['pass@1'] ?? null,
      plus: results.passAtK.plus?.['pass@1'] ?? null,
    },
    samples: results.samples,
    tasks: results.tasks,
    scope: scopeOf(Object.keys(results.results)),
  };
}

export function historyEntry(results: SuiteResults, runId: string, date: string): HistoryEntry {
  return { runId, date, ...historyFigures(results) };
}

export function appendRun(
  history: History,
  entry: HistoryEntry,
): { history: History; appended: boolean } {
  if (history.runs.some((run) => run.runId === entry.runId)) return { history, appended: false };
  return { history: { ...history, runs: [...history.runs, entry] }, appended: true };
}

type Figures = Pick<HistoryEntry, 'suite' | 'passAt1' | 'metrics'>;

/** The figure each suite is judged by (gate, trend): a fraction, or null when not measured. */
export const HEADLINES: Partial<
  Record<BenchSuite, { title: string; pick: (e: Figures) => number | null }>
> = {
  humaneval: { title: 'HumanEval pass@1', pick: (e) => e.passAt1.base },
  humanevalplus: { title: 'HumanEval+ pass@1', pick: (e) => e.passAt1.plus },
  testgen: { title: 'Test generation kill rate', pick: (e) => e.metrics?.killRate ?? null },
  swebench: {
    title: 'SWE-bench fail-to-pass success rate',
    pick: (e) => e.metrics?.successRate ?? null,
  },
};

export function headlineTitle(suite: BenchSuite): string {
  return HEADLINES[suite]?.title ?? BENCH_TITLES[suite];
}

/** The figure a suite is judged by, in percent: plus pass@1 for HumanEval+, base for HumanEval. */
export function headline(entry: Figures): number | null {
  const value = HEADLINES[entry.suite]?.pick(entry) ?? null;
  return value === null ? null : 100 * value;
}

/**
 * Whether two runs' figures can be compared: the same suite on the same dataset content and
 * the same tasks. An entry without a scope (written before scopes were recorded) compares only
 * with another such entry: which tasks it covered is unknown.
 */
export function comparable(a: HistoryEntry, b: HistoryEntry): boolean {
  return a.suite === b.suite && a.datasetMd5 === b.datasetMd5 && a.scope === b.scope;
}

/** The last earlier run comparable with this one (the gate's --max-drop baseline). */
export function previousRun(history: History, entry: HistoryEntry): HistoryEntry | undefined {
  return history.runs.filter((run) => run.runId !== entry.runId && comparable(run, entry)).at(-1);
}

export interface GateOptions {
  /** Fail when the headline pass@1 is below this, in percent. */
  failBelow?: number;
  /** Fail when the headline pass@1 dropped more than this many points from the previous run. */
  maxDrop?: number;
  /** How the messages name the two settings (default the CLI flags; the action's inputs). */
  names?: { failBelow: string; maxDrop: string };
}

const FLAG_NAMES = { failBelow: '--fail-below', maxDrop: '--max-drop' };

export interface GateResult {
  failed: boolean;
  /** Why it failed, one line per check that failed. */
  messages: string[];
  /** The checks that passed, with their numbers. */
  passed: string[];
  /** The checks that could not be made (no earlier comparable run for --max-drop). */
  skipped: string[];
}

const pct = (value: number) => `${value.toFixed(1)}%`;

export function checkGate(
  entry: HistoryEntry,
  previous: HistoryEntry | undefined,
  options: GateOptions,
): GateResult {
  const current = headline(entry);
  const title = headlineTitle(entry.suite);
  const names = options.names ?? FLAG_NAMES;
  const result: GateResult = { failed: false, messages: [], passed: [], skipped: [] };
  if (current === null) {
    if (options.failBelow !== undefined || options.maxDrop !== undefined) {
      result.messages.push(
        `${title} could not be computed (no task was evaluated): the gate fails.`,
      );
      result.failed = true;
    }
    return result;
  }
  if (options.failBelow !== undefined) {
    if (current < options.failBelow) {
      result.messages.push(
        `${title} is ${pct(current)}, below ${names.failBelow} ${pct(options.failBelow)}.`,
      );
    } else {
      result.passed.push(
        `${title} is ${pct(current)}, not below ${names.failBelow} ${pct(options.failBelow)}.`,
      );
    }
  }
  if (options.maxDrop !== undefined) {
    const before = previous ? headline(previous) : null;
    if (!previous || before === null) {
      const why = previous
        ? `the earlier comparable run ${previous.runId} has no ${title}`
        : 'no earlier comparable run (same suite, dataset md5 and tasks) in the history';
      result.skipped.push(`${names.maxDrop} ${options.maxDrop}: not checked, ${why}.`);
    } else {
      const drop = before - current;
      const change = `from ${pct(before)} (run ${previous.runId}, ${previous.date}) to ${pct(current)}`;
      if (drop > options.maxDrop) {
        result.messages.push(
          `${title} dropped ${drop.toFixed(1)} points, ${change}: more than ${names.maxDrop} ${options.maxDrop}.`,
        );
      } else {
        result.passed.push(`${title} went ${change}: within ${names.maxDrop} ${options.maxDrop}.`);
      }
    }
  }
  result.failed = result.messages.length > 0;
  return result;
}

/** Reads a history file; a missing file is an empty history, a damaged one a UsageError. */
export async function readHistory(file: string): Promise<History> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyHistory();
    throw new UsageError(`Cannot read the history ${file}: ${errorMessage(error)}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `The history ${file} is not JSON (${errorMessage(error)}): repair it or pass another --history; it was left unchanged.`,
    );
  }
  const result = historySchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageError(
      `The history ${file} is not a semcoder-action history (${issue?.path.join('.')}: ${issue?.message}): repair it or pass another --history; it was left unchanged.`,
    );
  }
  return result.data;
}

export async function writeHistory(file: string, history: History): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(history, null, 2)}\n`);
}
