import { z } from 'zod';
import { DEFAULT_MAX_FILE_BYTES } from './changes/detect.js';
import { UsageError } from './errors.js';
import { FAIL_ON_FORMS, parseFailOn } from './report/fail-on.js';

/**
 * Every setting, whatever its source (CLI flags or action inputs), is parsed and validated
 * here, once, into one typed shape. Error messages name the flag the user typed.
 */

const revision = z.string().trim().min(1, 'must name a branch, tag or commit');

export const changesSettingsSchema = z.object({
  repo: z.string().min(1).default('.'),
  base: revision,
  head: revision.default('HEAD'),
  include: z.array(z.string().min(1)).default([]),
  exclude: z.array(z.string().min(1)).default([]),
  defaultExcludes: z.boolean().default(true),
  python: z.string().min(1).default('python3'),
  maxFileBytes: z.coerce.number().int().positive().default(DEFAULT_MAX_FILE_BYTES),
  json: z.boolean().default(false),
});

export type ChangesSettings = z.infer<typeof changesSettingsSchema>;

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const seconds = z.coerce.number().positive();

export const DEFAULT_MODEL = 'semcoder/semcoder_s_1030';

export const reviewSettingsSchema = changesSettingsSchema
  .omit({ json: true })
  .extend({
    endpoint: z
      .url({ message: 'must be an http(s) URL such as http://localhost:8000/v1' })
      .optional(),
    replay: z.string().min(1).optional(),
    record: z.string().min(1).optional(),
    model: z.string().min(1).default(DEFAULT_MODEL),
    api: z.enum(['completions', 'chat']).default('completions'),
    apiKey: z.string().optional(),
    out: z.string().min(1).default('semcoder-review'),
    testTimeout: seconds.default(10),
    concurrency: count(1, 64).default(4),
    maxFunctions: count(0, 10_000).default(20),
    testsPerFunction: count(1, 100).default(8),
    maxRetries: count(0, 10).default(2),
    maxRounds: count(1, 10).default(2),
    waitForEndpoint: z.coerce.number().min(0).default(0),
    requestTimeout: seconds.default(300),
    requestRetries: count(0, 20).default(4),
    /** New tokens of a test-writing answer (generate, repair, deepen); unset: the prompts' 2048. */
    maxTokens: count(16, 32_768).optional(),
    reruns: count(0, 10).default(2),
    budget: seconds.default(1200),
    memoryMb: count(64, 1_048_576).default(2048),
    /** What the change is about (an issue or PR text): shown to the model to aim the tests. */
    background: z.string().optional(),
    passEnv: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'))
      .default([]),
    failOn: z
      .string()
      .default('none')
      .transform((value, ctx) => {
        const parsed = parseFailOn(value);
        if (!parsed) ctx.addIssue({ code: 'custom', message: `must be ${FAIL_ON_FORMS}` });
        return parsed ?? { kind: 'none' as const };
      }),
  })
  .superRefine((settings, ctx) => {
    if (!settings.endpoint === !settings.replay) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: settings.endpoint
          ? 'give either --endpoint or --replay, not both'
          : 'required: the model endpoint URL (or --replay DIR to answer from a recording)',
      });
    }
    if (settings.record && settings.replay) {
      ctx.addIssue({ code: 'custom', path: ['record'], message: 'cannot record while replaying' });
    }
  });

export type ReviewSettings = z.infer<typeof reviewSettingsSchema>;

/** Maps a settings key to the flag (or input) the user wrote, for error messages. */
export type FlagNames = Record<string, string>;

export function kebabFlag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Validates raw settings; a UsageError lists every invalid flag with what it expects. */
export function parseSettings<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  flagName: (key: string) => string = kebabFlag,
): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.');
    return key ? `${flagName(String(issue.path[0]))}: ${issue.message}` : issue.message;
  });
  throw new UsageError(lines.join('\n'));
}
