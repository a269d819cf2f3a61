import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { UsageError, errorMessage } from '../errors.js';
import { summaryLine } from '../report/comment.js';
import { parseSettings, reviewSettingsSchema } from '../settings.js';
import { createProgress } from '../testgen/progress.js';
import { runReview } from '../testgen/review.js';

const collect = (value: string, previous: string[]) => [...previous, value];

async function readBackground(file: unknown): Promise<string | undefined> {
  if (typeof file !== 'string') return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--background-file ${file}: ${errorMessage(error)}`);
  }
}

export function registerReview(program: Command): void {
  program
    .command('review')
    .description(
      'Generate, run and verify tests for the Python functions changed between two revisions',
    )
    .requiredOption('--base <rev>', 'base revision (branch, tag or sha)')
    .option('--head <rev>', 'head revision', 'HEAD')
    .option('--repo <dir>', 'the git repository', '.')
    .option('--endpoint <url>', 'OpenAI-compatible base URL, e.g. http://localhost:8000/v1')
    .option('--replay <dir>', 'answer model requests from a recording instead of an endpoint')
    .option('--record <dir>', 'record every model exchange into this folder')
    .option('--model <id>', 'model name on the endpoint', 'semcoder/semcoder_s_1030')
    .option('--api <api>', 'completions (raw SemCoder prompts) or chat', 'completions')
    .option('--api-key <key>', 'API key for the endpoint (default: $SEMCODER_API_KEY)')
    .option('--out <dir>', 'where report.json, comment.md and tests/ go', 'semcoder-review')
    .option('--python <path>', 'Python interpreter with pytest and coverage.py', 'python3')
    .option('--include <glob>', 'only review files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'also skip files matching this glob (repeatable)', collect, [])
    .option('--no-default-excludes', 'do not skip tests, virtualenvs, build/ and dist/ by default')
    .option('--max-functions <n>', 'review at most this many functions, most-changed first', '20')
    .option('--tests-per-function <n>', 'tests asked for per function and round', '8')
    .option('--max-retries <n>', 'repair rounds for broken tests', '2')
    .option('--max-rounds <n>', 'generation rounds, the later ones aimed at uncovered lines', '2')
    .option('--concurrency <n>', 'model requests in flight at once', '4')
    .option('--test-timeout <s>', 'time limit of one test, in seconds', '10')
    .option('--reruns <n>', 'extra runs of each passing test to catch flaky ones', '2')
    .option('--budget <s>', 'time limit of one test run over all functions, in seconds', '1200')
    .option('--memory-mb <n>', 'address-space limit of a test process, in MiB', '2048')
    .option(
      '--pass-env <name>',
      'pass this environment variable to the tests (repeatable)',
      collect,
      [],
    )
    .option('--wait-for-endpoint <s>', 'wait up to this long for the endpoint to answer', '0')
    .option('--request-timeout <s>', 'time limit of one model request, in seconds', '300')
    .option('--request-retries <n>', 'retries of a failed model request', '4')
    .option(
      '--max-tokens <n>',
      'new tokens of each answer that writes tests (generate, repair, deepen; default 2048); the oracle check keeps 1024',
    )
    .option(
      '--fail-on <condition>',
      'none, edge-cases, likely-bugs or pass-rate-below:<0..1>',
      'none',
    )
    .action(async (raw: Record<string, unknown>) => {
      const settings = parseSettings(reviewSettingsSchema, {
        ...raw,
        apiKey: raw.apiKey ?? process.env.SEMCODER_API_KEY,
        background: await readBackground(raw.backgroundFile),
      });
      const result = await runReview(settings, { progress: createProgress() });
      const plain = summaryLine(result.report).replace(/\*\*/g, '');
      process.stdout.write(`${plain}\nreport: ${result.outDir}/report.json\n`);
      for (const item of result.report.skipped) {
        process.stderr.write(
          `skipped ${item.file}${item.qualname ? `::${item.qualname}` : ''}: ${item.reason}\n`,
        );
      }
      for (const fn of result.report.functions) {
        if (fn.skipped) process.stderr.write(`skipped ${fn.file}::${fn.qualname}: ${fn.skipped}\n`);
        else if (fn.noUsableTests) {
          process.stderr.write(
            `no usable tests for ${fn.file}::${fn.qualname}: ${fn.noUsableTests}\n`,
          );
        }
      }
      if (result.failure) {
        process.stderr.write(`${result.failure}\n`);
        process.exitCode = 1;
      }
    });
}
