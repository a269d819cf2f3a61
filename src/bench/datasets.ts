import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { z } from 'zod';
import { UsageError, errorMessage } from '../errors.js';
import { fetchCached, md5 } from './dataset-cache.js';

/**
 * Benchmark datasets from a path or an http(s) URL: `.jsonl`, `.jsonl.gz`, `.json` (an
 * array), and `.parquet` for SWE-bench. Records are validated against each benchmark's
 * schema; the md5 of the decompressed content identifies the dataset in every result (for
 * HumanEval+ it is the hash EvalPlus keys its ground truth by).
 */

export type DatasetKind = 'humaneval' | 'humanevalplus' | 'swebench';

export interface CanonicalDataset {
  url: string;
  /** md5 of the decompressed content; a download that differs is refused. */
  md5: string | null;
  description: string;
}

export const CANONICAL_DATASETS: Record<DatasetKind, CanonicalDataset> = {
  humaneval: {
    url: 'https://raw.githubusercontent.com/openai/human-eval/6d43fb980f9fee3c892a914eda09951f772ad10d/data/HumanEval.jsonl.gz',
    md5: '88771747746422b8669027625578460c',
    description: 'HumanEval (openai/human-eval data/HumanEval.jsonl.gz)',
  },
  humanevalplus: {
    url: 'https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz',
    md5: 'fe585eb4df8c88d844eeb463ea4d0302',
    description: 'HumanEval+ v0.1.10 (evalplus/humanevalplus_release release asset)',
  },
  swebench: {
    url: 'https://huggingface.co/datasets/princeton-nlp/SWE-bench_Lite/resolve/main/data/test-00000-of-00001.parquet',
    md5: null,
    description: "SWE-bench Lite, test split (SWE-bench's published parquet)",
  },
};

export const humanEvalRecordSchema = z.object({
  task_id: z.string().min(1),
  prompt: z.string(),
  entry_point: z.string().min(1),
  canonical_solution: z.string(),
  test: z.string(),
});

export const humanEvalPlusRecordSchema = humanEvalRecordSchema.extend({
  contract: z.string(),
  // Only counted here: the evaluator (Python) reads the inputs from the file itself, because
  // JavaScript numbers would turn 1.0 into 1 and round integers beyond 2^53.
  base_input: z.array(z.unknown()),
  plus_input: z.array(z.unknown()),
  atol: z.number().nonnegative(),
});

/** SWE-bench stores test lists as JSON-encoded strings; a parsed list is accepted too. */
const testList = z.union([
  z.array(z.string()),
  z.string().transform((text, context) => {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) {
        return parsed as string[];
      }
    } catch {
      // reported below
    }
    context.addIssue({ code: 'custom', message: 'must be a JSON-encoded list of strings' });
    return z.NEVER;
  }),
]);

const text = z.union([z.string(), z.date().transform((date) => date.toISOString())]);

export const sweBenchRecordSchema = z.object({
  repo: z.string().min(1),
  instance_id: z.string().min(1),
  base_commit: z.string().min(1),
  patch: z.string(),
  test_patch: z.string(),
  problem_statement: z.string(),
  hints_text: z.string().default(''),
  created_at: text,
  version: z.union([z.string(), z.number().transform(String)]),
  FAIL_TO_PASS: testList,
  PASS_TO_PASS: testList,
  environment_setup_commit: z.string(),
});

export type HumanEvalRecord = z.infer<typeof humanEvalRecordSchema>;
export type HumanEvalPlusRecord = z.infer<typeof humanEvalPlusRecordSchema>;
export type SweBenchRecord = z.infer<typeof sweBenchRecordSchema>;

interface RecordTypes {
  humaneval: HumanEvalRecord;
  humanevalplus: HumanEvalPlusRecord;
  swebench: SweBenchRecord;
}

const SCHEMAS: { [K in DatasetKind]: z.ZodType<RecordTypes[K]> } = {
  humaneval: humanEvalRecordSchema,
  humanevalplus: humanEvalPlusRecordSchema,
  swebench: sweBenchRecordSchema,
};

const ID_FIELD: Record<DatasetKind, string> = {
  humaneval: 'task_id',
  humanevalplus: 'task_id',
  swebench: 'instance_id',
};

export interface LoadedDataset<R> {
  kind: DatasetKind;
  /** The path or URL as given. */
  source: string;
  /** The local file the records came from (the cache entry for a URL). */
  file: string;
  /** md5 of the decompressed content. */
  md5: string;
  records: R[];
  /** Records skipped (invalid or duplicate), one line each. */
  warnings: string[];
}

export interface LoadOptions {
  cacheDir: string;
  /**
   * Refuse content with another md5 (defaults to the canonical md5 for a canonical URL). A URL
   * with an expected md5 is not revalidated once cached: no other content would be accepted.
   */
  expectedMd5?: string | null;
  fetchTimeoutMs?: number;
  /**
   * Where notices about a URL's cached copy go (it could not be checked for changes, or it
   * changed): stderr for the CLI, the track's log.
   */
  log?: (line: string) => void;
}

const isUrl = (source: string) => /^https?:\/\//i.test(source);

type Format = 'jsonl' | 'json' | 'parquet';

function formatOf(name: string): Format {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  if (base.endsWith('.parquet')) return 'parquet';
  if (base.endsWith('.json')) return 'json';
  return 'jsonl';
}

/** Decodes the raw bytes into plain rows, and the md5 of the decompressed content. */
export async function decodeRows(
  bytes: Buffer,
  name: string,
): Promise<{ rows: unknown[]; md5: string }> {
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const content = gzipped ? gunzipSync(bytes) : bytes;
  const format = formatOf(name);
  if (format === 'parquet') {
    const buffer = content.buffer.slice(
      content.byteOffset,
      content.byteOffset + content.byteLength,
    ) as ArrayBuffer;
    return { rows: await parquetReadObjects({ file: buffer }), md5: md5(content) };
  }
  const textContent = content.toString('utf8');
  if (format === 'json' || textContent.trimStart().startsWith('[')) {
    const parsed: unknown = JSON.parse(textContent);
    if (!Array.isArray(parsed)) throw new Error('a .json dataset must hold an array of records');
    return { rows: parsed, md5: md5(content) };
  }
  const rows = textContent
    .split('\n')
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, index }) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (error) {
        throw new Error(`line ${index + 1} is not JSON: ${errorMessage(error)}`);
      }
    });
  return { rows, md5: md5(content) };
}

/** Validates rows against the kind's schema; invalid and duplicate records become warnings. */
export function validateRecords<K extends DatasetKind>(
  kind: K,
  rows: readonly unknown[],
): { records: RecordTypes[K][]; warnings: string[] } {
  const schema = SCHEMAS[kind];
  const idField = ID_FIELD[kind];
  const records: RecordTypes[K][] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || 'record';
      warnings.push(`record ${index + 1}: ${field}: ${issue?.message ?? 'invalid'}`);
      return;
    }
    const id = String((parsed.data as Record<string, unknown>)[idField]);
    if (seen.has(id)) {
      warnings.push(`record ${index + 1}: duplicate ${idField} '${id}' skipped`);
      return;
    }
    seen.add(id);
    records.push(parsed.data);
  });
  return { records, warnings };
}

/**
 * Loads a dataset of the given kind from a path or URL (default: the canonical release).
 * Throws a UsageError when the source cannot be read, is not a dataset of that kind, or its
 * md5 is not the expected one.
 */
export async function loadDataset<K extends DatasetKind>(
  kind: K,
  source: string | undefined,
  options: LoadOptions,
): Promise<LoadedDataset<RecordTypes[K]>> {
  const canonical = CANONICAL_DATASETS[kind];
  const given = source ?? canonical.url;
  const expectedMd5 =
    options.expectedMd5 !== undefined
      ? options.expectedMd5
      : given === canonical.url
        ? canonical.md5
        : null;
  let file: string;
  let bytes: Buffer;
  if (isUrl(given)) {
    const fetched = await fetchCached(given, options.cacheDir, {
      timeoutMs: options.fetchTimeoutMs,
      revalidate: !expectedMd5,
    });
    ({ file, bytes } = fetched);
    if (fetched.notice) options.log?.(fetched.notice);
  } else {
    file = path.resolve(given);
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new UsageError(
        `Cannot read the dataset ${given}: ${errorMessage(error)}. Pass an existing .jsonl, .jsonl.gz or .json file, or a URL.`,
      );
    }
  }
  const name = isUrl(given) ? new URL(given).pathname : given;
  if (formatOf(name) === 'parquet' && kind !== 'swebench') {
    throw new UsageError(
      `The dataset ${given} is parquet: only SWE-bench datasets may be parquet. Pass a .jsonl or .jsonl.gz file.`,
    );
  }
  let decoded: { rows: unknown[]; md5: string };
  try {
    decoded = await decodeRows(bytes, name);
  } catch (error) {
    throw new UsageError(`Cannot parse the dataset ${given}: ${errorMessage(error)}.`);
  }
  if (expectedMd5 && decoded.md5 !== expectedMd5) {
    throw new UsageError(
      `The dataset ${given} has md5 ${decoded.md5}, not the expected ${expectedMd5}: it is not ${canonical.description}. Delete the cached copy at ${file} or pass another --dataset.`,
    );
  }
  const { records, warnings } = validateRecords(kind, decoded.rows);
  if (records.length === 0) {
    const first = warnings[0] ? ` First problem: ${warnings[0]}.` : '';
    throw new UsageError(`The dataset ${given} has no valid ${kind} record.${first}`);
  }
  return { kind, source: given, file, md5: decoded.md5, records, warnings };
}
