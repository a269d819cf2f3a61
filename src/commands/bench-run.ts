import type { Command } from 'commander';
import { defaultRunId } from '../bench/history.js';
import { benchRunSettingsSchema } from '../bench/run-settings.js';
import { runTrack } from '../bench/tracks.js';
import { BENCH_SUITES } from '../bench/types.js';
import { parseSettings } from '../settings.js';
import { finishLines } from './bench.js';

/**
 * `semcoder-action bench run`: generate with the served model, score, report, gate. One path
 * for every suite: the flags are validated into BenchRunSettings and TRACKS picks the track;
 * a flag's help names the suites it is for.
 */
export function registerBenchRun(bench: Command): void {
  bench
    .command('run')
    .description('Run a benchmark track against the served model and report its figures')
    .requiredOption('--suite <suite>', BENCH_SUITES.join(', '))
    .option('--dataset <file|url>', 'the dataset (default: the canonical release, cached)')
    .requiredOption('--out <dir>', 'where results.json, summary.md and the samples go')
    .option('--endpoint <url>', 'OpenAI-compatible base URL, e.g. http://localhost:8000/v1')
    .option('--replay <dir>', 'answer model requests from a recording instead of an endpoint')
    .option('--record <dir>', 'record every model exchange into this folder')
    .option('--model <id>', 'model name on the endpoint', 'semcoder/semcoder_s_1030')
    .option('--api <api>', 'completions (raw SemCoder prompts) or chat', 'completions')
    .option('--api-key <key>', 'API key for the endpoint (default: $SEMCODER_API_KEY)')
    .option('--limit <n>', 'only the first N tasks (swebench: instances) in natural order')
    .option('--shard <K/N>', 'run only shard K of N (combine them with bench merge)')
    .option(
      '--python <path>',
      'Python 3.9+ interpreter (with pytest and coverage.py for testgen, swebench)',
    )
    .option('--samples-per-task <n>', 'samples per task, for pass@k (needs --temperature > 0)')
    .option('--temperature <t>', 'sampling temperature (default 0: greedy)')
    .option('--top-p <p>', 'nucleus sampling (default: the server default)')
    .option('--max-tokens <n>', 'new tokens per code-generation sample (default 1024)')
    .option('--concurrency <n>', 'model requests in flight at once (default 4)')
    .option('--wait-for-endpoint <s>', 'wait up to this long for the endpoint to answer')
    .option('--request-timeout <s>', 'time limit of one model request, in seconds (300)')
    .option('--request-retries <n>', 'retries of a failed model request (4)')
    .option('--jobs <n>', 'parallel evaluation processes (default: one per core)')
    .option('--memory-limit <MiB>', 'address-space limit of an evaluation process, 0: none')
    .option('--cache-dir <dir>', 'downloads and ground truth ($SEMCODER_CACHE)')
    .option(
      '--tests-per-function <n>',
      'testgen, swebench: tests asked for per function and round (8)',
    )
    .option('--max-retries <n>', 'testgen, swebench: repair rounds for broken tests (2)')
    .option('--max-rounds <n>', 'testgen, swebench: generation rounds (2)')
    .option('--test-timeout <s>', 'testgen, swebench: time limit of one test, in seconds (10)')
    .option(
      '--budget <s>',
      'testgen, swebench: time limit of one test run, s (3600; swebench 1200)',
    )
    .option('--reruns <n>', 'testgen, swebench: extra runs of a passing test for flakiness (2)')
    .option('--memory-mb <n>', 'testgen, swebench: address-space limit of a test, MiB (2048)')
    .option('--max-mutants <n>', 'testgen: mutants made per task (20)')
    .option('--instances <ids>', 'swebench: instance ids to run, separated by commas or spaces')
    .option('--repos-dir <dir>', 'swebench: local clones named owner__repo (or owner/repo)')
    .option('--clone-base <url>', 'swebench: else clone <url>/<owner>/<repo>.git (github.com)')
    .option('--setup-command <cmd>', 'swebench: install command (sh -c, in the project, venv)')
    .option('--setup-timeout <s>', 'swebench: time limit of one set-up command, s (1800)')
    .option('--max-functions <n>', 'swebench: review at most N functions per instance (20)')
    .option('--history <file>', 'append this run to a JSON history and chart its trend')
    .option('--fail-below <percent>', 'exit 1 when the headline figure is below this')
    .option('--max-drop <points>', 'exit 1 when it dropped more than this since the last run')
    .option('--run-id <id>', 'history entry id (default: $GITHUB_RUN_ID or the time)')
    .action(async (raw: Record<string, unknown>) => {
      const settings = parseSettings(benchRunSettingsSchema, {
        ...raw,
        apiKey: raw.apiKey ?? process.env.SEMCODER_API_KEY,
      });
      const now = new Date();
      const run = await runTrack(settings, {
        log: (line) => process.stderr.write(`${line}\n`),
        now,
        runId: settings.runId ?? defaultRunId(process.env, now),
      });
      finishLines(run.lines, run.report);
    });
}
