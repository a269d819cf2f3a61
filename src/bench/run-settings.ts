import os from 'node:os';
import { z } from 'zod';
import { DEFAULT_MODEL } from '../settings.js';
import { DEFAULT_LIMITS } from './evaluate.js';
import { shardSchema } from './settings.js';
import { parseInstanceIds } from './swebench/select.js';
import { BENCH_SUITES, type BenchSuite } from './types.js';

/**
 * The settings of `bench run`, validated once (CLI flags, or the action's inputs in benchmark
 * mode). One shape for every track; a track reads the part it needs.
 */

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const seconds = z.coerce.number().positive();
const percent = z.coerce.number().min(0).max(100);

/** Mutants per task by default: enough to measure, bounded so a run stays an hour or less. */
export const DEFAULT_MAX_MUTANTS = 20;
/** testgen: one review of every task and one kill run, each within an hour by default. */
export const DEFAULT_TESTGEN_BUDGET_SEC = 3600;
export const DEFAULT_CLONE_BASE = 'https://github.com';
export const DEFAULT_SETUP_TIMEOUT_SEC = 1800;

/**
 * The flags only `--suite swebench` reads: validated, and given their defaults, only for that
 * suite (another suite ignores them, as it ignores testgen's flags).
 */
const swebenchSchema = z.object({
  instances: z
    .string()
    .optional()
    .transform((text, context) => {
      if (text === undefined) return null;
      const ids = parseInstanceIds(text);
      if (ids.length === 0) {
        context.addIssue({
          code: 'custom',
          message: 'give instance ids, e.g. django__django-11099',
        });
        return z.NEVER;
      }
      return ids;
    }),
  reposDir: z.string().min(1).optional(),
  cloneBase: z.string().min(1).default(DEFAULT_CLONE_BASE),
  setupCommand: z.string().trim().min(1).optional(),
  setupTimeout: seconds.default(DEFAULT_SETUP_TIMEOUT_SEC),
  maxFunctions: count(0, 10_000).default(20),
});

export type SwebenchRunSettings = z.infer<typeof swebenchSchema>;
const SWEBENCH_KEYS = Object.keys(swebenchSchema.shape) as (keyof SwebenchRunSettings)[];

export const benchRunSettingsSchema = z
  .object({
    suite: z.enum(BENCH_SUITES as [BenchSuite, ...BenchSuite[]], {
      message: `must be one of ${BENCH_SUITES.join(', ')}`,
    }),
    dataset: z.string().min(1).optional(),
    out: z.string().min(1),
    endpoint: z
      .url({ message: 'must be an http(s) URL such as http://localhost:8000/v1' })
      .optional(),
    replay: z.string().min(1).optional(),
    record: z.string().min(1).optional(),
    model: z.string().min(1).default(DEFAULT_MODEL),
    api: z.enum(['completions', 'chat']).default('completions'),
    apiKey: z.string().optional(),
    limit: count(1, 1_000_000).optional(),
    shard: shardSchema,
    python: z.string().min(1).default('python3'),
    samplesPerTask: count(1, 1000).default(1),
    temperature: z.coerce.number().min(0).max(2).default(0),
    topP: z.coerce.number().gt(0).max(1).optional(),
    maxTokens: count(16, 32_768).default(1024),
    concurrency: count(1, 256).default(4),
    waitForEndpoint: z.coerce.number().min(0).default(0),
    requestTimeout: seconds.default(300),
    requestRetries: count(0, 20).default(4),
    jobs: z.coerce.number().int().positive().default(os.availableParallelism()),
    memoryLimit: z.coerce.number().int().nonnegative().default(DEFAULT_LIMITS.memoryLimitMiB),
    cacheDir: z.string().min(1).optional(),
    // The review engine's knobs (testgen, swebench), and testgen's mutants.
    testsPerFunction: count(1, 100).default(8),
    maxRetries: count(0, 10).default(2),
    maxRounds: count(1, 10).default(2),
    testTimeout: seconds.default(10),
    /** Undefined: the track's default (testgen DEFAULT_TESTGEN_BUDGET_SEC, swebench the review's). */
    budget: seconds.optional(),
    reruns: count(0, 10).default(2),
    memoryMb: count(64, 1_048_576).default(2048),
    maxMutants: count(1, 1000).default(DEFAULT_MAX_MUTANTS),
    // SWE-bench (swebench): parsed by swebenchSchema, for that suite only.
    ...Object.fromEntries(SWEBENCH_KEYS.map((key) => [key, z.unknown().optional()])),
    // History and the regression gate.
    history: z.string().min(1).optional(),
    failBelow: percent.optional(),
    maxDrop: percent.optional(),
    runId: z.string().min(1).optional(),
  })
  .superRefine((settings, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (!settings.endpoint === !settings.replay) {
      issue(
        'endpoint',
        settings.endpoint
          ? 'give either --endpoint or --replay, not both'
          : 'required: the model endpoint URL (or --replay DIR to answer from a recording)',
      );
    }
    if (settings.record && settings.replay) issue('record', 'cannot record while replaying');
    if (settings.samplesPerTask > 1 && settings.temperature === 0) {
      issue(
        'samplesPerTask',
        'several samples of a greedy decoder are all the same: pass --temperature above 0 (e.g. 0.8) for pass@k',
      );
    }
    if (settings.suite === 'testgen' && settings.samplesPerTask > 1) {
      issue('samplesPerTask', 'the testgen suite reviews each task once: leave it at 1');
    }
    if (settings.maxDrop !== undefined && settings.history === undefined) {
      issue('maxDrop', 'compares with the previous run: pass --history FILE too');
    }
    if (settings.shard && settings.history) {
      issue('history', 'a shard is only part of a run: pass --history to `bench merge` instead');
    }
  })
  .transform((settings, ctx) => {
    const rest: Record<string, unknown> = { ...settings };
    const raw: Record<string, unknown> = {};
    for (const key of SWEBENCH_KEYS) {
      raw[key] = rest[key];
      delete rest[key];
    }
    let swebench: SwebenchRunSettings | null = null;
    if (settings.suite === 'swebench') {
      const parsed = swebenchSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
        }
        return z.NEVER;
      }
      swebench = parsed.data;
    }
    return { ...(rest as Omit<typeof settings, keyof SwebenchRunSettings>), swebench };
  });

export type BenchRunSettings = z.infer<typeof benchRunSettingsSchema>;
