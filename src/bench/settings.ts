import os from 'node:os';
import { z } from 'zod';
import { DEFAULT_LIMITS } from './evaluate.js';
import { parseShard } from './shard.js';
import { EVAL_SUITES, type EvalSuite } from './types.js';

/**
 * The settings of `bench evaluate` and `bench merge`, validated once. Kept beside the bench
 * code (and parsed with src/settings.ts's parseSettings) so the benchmark flags live in one
 * place.
 */

/** `--shard K/N`, shared by `bench evaluate` and `bench run`. */
export const shardSchema = z
  .string()
  .optional()
  .transform((text, context) => {
    if (text === undefined) return null;
    try {
      return parseShard(text);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        message: (error as Error).message.replace(/^--shard: /, ''),
      });
      return z.NEVER;
    }
  });

const percent = z.coerce.number().min(0).max(100);

const historyAndGate = {
  history: z.string().min(1).optional(),
  failBelow: percent.optional(),
  maxDrop: percent.optional(),
  runId: z.string().min(1).optional(),
};

const needsHistoryForMaxDrop = (settings: { maxDrop?: number; history?: string }) =>
  settings.maxDrop === undefined || settings.history !== undefined;
const maxDropMessage = {
  message: 'compares with the previous run: pass --history FILE too',
  path: ['maxDrop'],
};

export const benchEvaluateSettingsSchema = z
  .object({
    suite: z.enum(EVAL_SUITES as [EvalSuite, ...EvalSuite[]], {
      message: `must be one of ${EVAL_SUITES.join(', ')}`,
    }),
    dataset: z.string().min(1).optional(),
    samples: z.string().min(1),
    out: z.string().min(1),
    python: z.string().min(1).default('python3'),
    shard: shardSchema,
    jobs: z.coerce.number().int().positive().default(os.availableParallelism()),
    minTimeLimit: z.coerce.number().positive().default(DEFAULT_LIMITS.minTimeLimit),
    timeLimitFactor: z.coerce.number().positive().default(DEFAULT_LIMITS.timeLimitFactor),
    maxPhaseSeconds: z.coerce.number().positive().default(DEFAULT_LIMITS.maxPhaseSeconds),
    checkTimeLimit: z.coerce.number().positive().default(DEFAULT_LIMITS.checkTimeLimit),
    memoryLimit: z.coerce.number().int().nonnegative().default(DEFAULT_LIMITS.memoryLimitMiB),
    dropInvalidInputs: z.boolean().default(false),
    model: z.string().min(1).optional(),
    cacheDir: z.string().min(1).optional(),
    ...historyAndGate,
  })
  .refine(needsHistoryForMaxDrop, maxDropMessage)
  .refine((settings) => !(settings.shard && settings.history), {
    message: 'a shard is only part of a run: pass --history to `bench merge` instead',
    path: ['history'],
  });

export type BenchEvaluateSettings = z.infer<typeof benchEvaluateSettingsSchema>;

export const benchMergeSettingsSchema = z
  .object({
    out: z.string().min(1),
    shardDirs: z.array(z.string().min(1)).min(1, 'give at least one shard directory'),
    ...historyAndGate,
  })
  .refine(needsHistoryForMaxDrop, maxDropMessage);

export type BenchMergeSettings = z.infer<typeof benchMergeSettingsSchema>;
