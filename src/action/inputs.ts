import * as core from '@actions/core';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { BENCH_SUITES, type BenchSuite } from '../bench/types.js';
import { UsageError } from '../errors.js';
import { FAIL_ON_FORMS, parseFailOn, type FailOn } from '../report/fail-on.js';
import { endpointSecrets, MIN_SECRET_LENGTH } from './secrets.js';

/**
 * Every action input is read here, once (no other file calls core.getInput), and validated into
 * one typed `ActionInputs`. An invalid input is reported with its name, the value given and the
 * form expected, like actions/checkout's input-helper; all problems are listed at once.
 * Secrets are masked before anything else happens, and never echoed in an error: `api-key`,
 * `github-token`, and the credentials in the `endpoint` URL (userinfo, query values).
 */

export type Mode = 'auto' | 'review' | 'benchmark' | 'publish';

export interface ActionInputs {
  endpoint: string | undefined;
  apiKey: string | undefined;
  model: string;
  api: 'completions' | 'chat';
  githubToken: string | undefined;
  mode: Mode;
  python: string;
  include: string[];
  exclude: string[];
  maxFunctions: number;
  testsPerFunction: number;
  maxRetries: number;
  /** Seconds. */
  testTimeout: number;
  concurrency: number;
  /** Seconds to wait for the endpoint to answer before starting; 0 does not wait. */
  waitForEndpoint: number;
  comment: boolean;
  inline: boolean;
  failOn: FailOn;
  pr: number | undefined;
  base: string | undefined;
  head: string | undefined;
  includeDrafts: boolean;
  allowPullRequestTarget: boolean;
  /** The checkout to review, relative to the workspace; undefined: the workspace itself. */
  path: string | undefined;
  /** Review: where report.json, comment.md and tests/ are written. Publish: the downloaded artifact. */
  reportDir: string | undefined;
  artifactName: string;
  /** Benchmark mode: the suites to run, in order. */
  suites: BenchSuite[];
  dataset: string | undefined;
  /** Only the first N tasks; undefined for all. */
  limit: number | undefined;
  samples: number;
  temperature: number;
  /** `K/N`, validated with the benchmark's other settings. */
  shard: string | undefined;
  history: string | undefined;
  failBelow: number | undefined;
  maxDrop: number | undefined;
}

const text = z.string();
const optionalText = text.transform((v) => v || undefined);
const wholeNumber = (min: number, max: number) =>
  text.regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));
const bool = text
  .regex(/^(true|True|TRUE|false|False|FALSE)$/)
  .transform((v) => v.toLowerCase() === 'true');
/** A branch, tag or sha: never an option (a leading '-') and no whitespace. */
const revision = text.regex(/^[^\s-][^\s]*$/).optional();
const oneOf = <T extends string>(...values: [T, ...T[]]) => z.enum(values);
/** A decimal number within bounds, or undefined when empty. */
const optionalDecimal = (min: number, max: number) =>
  text.transform((v, ctx) => {
    if (v === '') return undefined;
    const value = Number(v);
    if (/^\d+(\.\d+)?$/.test(v) && value >= min && value <= max) return value;
    ctx.addIssue({ code: 'custom', message: 'number' });
    return z.NEVER;
  });

const failOn = text.transform((value, ctx): FailOn => {
  const parsed = parseFailOn(value);
  if (parsed) return parsed;
  ctx.addIssue({ code: 'custom', message: 'fail-on' });
  return z.NEVER;
});

const endpoint = text.transform((value, ctx) => {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'endpoint' });
  return z.NEVER;
});

interface InputSpec {
  key: keyof ActionInputs;
  schema: z.ZodType;
  /** The action.yml default, applied when the input is empty (outside a runner, or ''). */
  default?: string;
  expected: string;
  secret?: boolean;
}

/** The inputs, in action.yml's order. A test checks this table against action.yml. */
export const INPUTS: Record<string, InputSpec> = {
  endpoint: {
    key: 'endpoint',
    schema: endpoint,
    expected: 'an http(s) URL such as http://localhost:8000/v1',
  },
  'api-key': { key: 'apiKey', schema: optionalText, expected: 'a key', secret: true },
  model: {
    key: 'model',
    schema: text.min(1),
    default: 'semcoder/semcoder_s_1030',
    expected: 'a model id',
  },
  api: {
    key: 'api',
    schema: oneOf('completions', 'chat'),
    default: 'completions',
    expected: "'completions' or 'chat'",
  },
  'github-token': { key: 'githubToken', schema: optionalText, expected: 'a token', secret: true },
  mode: {
    key: 'mode',
    schema: oneOf('auto', 'review', 'benchmark', 'publish'),
    default: 'auto',
    expected: 'one of auto, review, benchmark, publish',
  },
  python: {
    key: 'python',
    schema: text.min(1),
    default: 'python3',
    expected: 'an interpreter name or path',
  },
  include: { key: 'include', schema: text.transform(list), expected: 'globs' },
  exclude: { key: 'exclude', schema: text.transform(list), expected: 'globs' },
  'max-functions': {
    key: 'maxFunctions',
    schema: wholeNumber(1, 1000),
    default: '20',
    expected: 'a whole number from 1 to 1000',
  },
  'tests-per-function': {
    key: 'testsPerFunction',
    schema: wholeNumber(1, 50),
    default: '8',
    expected: 'a whole number from 1 to 50',
  },
  'max-retries': {
    key: 'maxRetries',
    schema: wholeNumber(0, 10),
    default: '2',
    expected: 'a whole number from 0 to 10',
  },
  'test-timeout': {
    key: 'testTimeout',
    schema: wholeNumber(1, 3600),
    default: '10',
    expected: 'a number of seconds from 1 to 3600',
  },
  concurrency: {
    key: 'concurrency',
    schema: wholeNumber(1, 64),
    default: '4',
    expected: 'a whole number from 1 to 64',
  },
  'wait-for-endpoint': {
    key: 'waitForEndpoint',
    schema: wholeNumber(0, 3600),
    default: '0',
    expected: 'a number of seconds from 0 to 3600 (0: do not wait)',
  },
  comment: { key: 'comment', schema: bool, default: 'true', expected: 'true or false' },
  inline: { key: 'inline', schema: bool, default: 'false', expected: 'true or false' },
  'fail-on': {
    key: 'failOn',
    schema: failOn,
    default: 'none',
    expected: FAIL_ON_FORMS,
  },
  pr: {
    key: 'pr',
    schema: text.transform((v) => v || undefined).pipe(wholeNumber(1, 1e9).optional()),
    expected: 'a pull request number such as 42',
  },
  base: {
    key: 'base',
    schema: optionalText.pipe(revision),
    expected: 'a branch, tag or commit sha',
  },
  head: {
    key: 'head',
    schema: optionalText.pipe(revision),
    expected: 'a branch, tag or commit sha',
  },
  'include-drafts': {
    key: 'includeDrafts',
    schema: bool,
    default: 'false',
    expected: 'true or false',
  },
  'allow-pull-request-target': {
    key: 'allowPullRequestTarget',
    schema: bool,
    default: 'false',
    expected: 'true or false',
  },
  path: { key: 'path', schema: optionalText, expected: 'a folder path' },
  'report-dir': { key: 'reportDir', schema: optionalText, expected: 'a folder path' },
  'artifact-name': {
    key: 'artifactName',
    schema: text.regex(/^[^"<>|*?:\\/\r\n]+$/),
    default: 'semcoder-report',
    expected: 'an artifact name without any of " : < > | * ? \\ /',
  },
  suite: {
    key: 'suites',
    schema: text
      .transform(list)
      .pipe(z.array(z.enum(BENCH_SUITES as [BenchSuite, ...BenchSuite[]])).min(1)),
    default: 'humanevalplus',
    expected: `one or more of ${BENCH_SUITES.join(', ')} (comma-separated)`,
  },
  dataset: { key: 'dataset', schema: optionalText, expected: 'a dataset file path or URL' },
  limit: {
    key: 'limit',
    schema: text
      .transform((v) => (v === '' || v === '0' ? undefined : v))
      .pipe(wholeNumber(1, 1_000_000).optional()),
    expected: 'a whole number of tasks (0 or empty: all)',
  },
  samples: {
    key: 'samples',
    schema: wholeNumber(1, 1000),
    default: '1',
    expected: 'a whole number of samples per task from 1 to 1000',
  },
  temperature: {
    key: 'temperature',
    schema: optionalDecimal(0, 2).pipe(z.number()),
    default: '0',
    expected: 'a sampling temperature from 0 to 2',
  },
  shard: {
    key: 'shard',
    schema: optionalText.pipe(
      z
        .string()
        .regex(/^\d+\/\d+$/)
        .optional(),
    ),
    expected: 'K/N, e.g. 2/4',
  },
  history: { key: 'history', schema: optionalText, expected: 'a file path' },
  'fail-below': {
    key: 'failBelow',
    schema: optionalDecimal(0, 100),
    expected: 'a percentage from 0 to 100',
  },
  'max-drop': {
    key: 'maxDrop',
    schema: optionalDecimal(0, 100),
    expected: 'a number of percentage points from 0 to 100',
  },
};

function list(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Validates raw input strings (as the runner passes them) into ActionInputs. */
export function parseInputs(
  raw: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv = {},
): ActionInputs {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(INPUTS)) {
    const given = (raw[name] ?? '').trim();
    const value = given === '' && spec.default !== undefined ? spec.default : given;
    const result = spec.schema.safeParse(value);
    if (result.success) values[spec.key] = result.data;
    else {
      const shown = spec.secret ? '' : ` '${value}'`;
      problems.push(`Invalid input '${name}':${shown}. Expected ${spec.expected}.`);
    }
  }
  // Documented fallbacks (DESIGN.md): keys and tokens may come from the environment.
  values.apiKey ??= env.SEMCODER_API_KEY || undefined;
  values.githubToken ??= env.GITHUB_TOKEN || undefined;
  if (values.pr !== undefined && (values.base !== undefined || values.head !== undefined)) {
    problems.push(
      "Inputs 'pr' and 'base'/'head' exclude each other: give a pull request number or a range.",
    );
  }
  if (values.head !== undefined && values.base === undefined) {
    problems.push("Input 'head' needs 'base': give the range to review as base and head.");
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return values as unknown as ActionInputs;
}

/** Reads every input from the runner; masks the secrets before validating anything. */
export function readInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  const raw: Record<string, string> = {};
  for (const [name, spec] of Object.entries(INPUTS)) {
    raw[name] = core.getInput(name);
    if (spec.secret && raw[name]) core.setSecret(raw[name]);
  }
  for (const value of endpointSecrets(raw.endpoint?.trim())) core.setSecret(value);
  for (const fallback of [env.SEMCODER_API_KEY, env.GITHUB_TOKEN])
    if (fallback) core.setSecret(fallback);
  return parseInputs(raw, env);
}

/** The secret values, for redacting text that leaves the process. */
export function secretValues(
  inputs: Pick<ActionInputs, 'apiKey' | 'githubToken' | 'endpoint'>,
): string[] {
  const values = [inputs.apiKey, inputs.githubToken, ...endpointSecrets(inputs.endpoint)];
  return [
    ...new Set(values.filter((s): s is string => Boolean(s && s.length >= MIN_SECRET_LENGTH))),
  ];
}

/** Review and benchmark talk to the model: without an endpoint there is nothing to do. */
export function requireEndpoint(inputs: ActionInputs): string {
  if (inputs.endpoint) return inputs.endpoint;
  throw new UsageError(
    "Input 'endpoint' is required to review or benchmark: set it to your OpenAI-compatible server's base URL, e.g. http://localhost:8000/v1.",
  );
}

/** Where a review writes its report: `report-dir`, else $RUNNER_TEMP/semcoder-report. */
export function reviewReportDir(
  inputs: Pick<ActionInputs, 'reportDir'>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return inputs.reportDir ?? path.join(env.RUNNER_TEMP || os.tmpdir(), 'semcoder-report');
}
